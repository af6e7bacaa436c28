import { sha256 } from '@noble/hashes/sha2.js';
import { type DeriveKeyFunction, solveChallenge } from 'altcha-lib';
import type { AltchaChallenge } from '../../src/contract/protocol.ts';
import { SeatActorError } from './errors.ts';

/**
 * Proof of work, as the server asks for it with CHALLENGE_REQUIRED (an ALTCHA v2 challenge): a solver resolves with
 * the ALTCHA payload (base64 JSON of `{challenge, solution}`) the SDK repeats the request with, in the
 * `X-Challenge-Solution` header (REST) or the `challengeSolution` field (socket requests). The SDK solves by itself
 * and retries: a person never sees the challenge, only a moment's wait.
 */
export type ChallengeSolver = (challenge: AltchaChallenge) => Promise<string>;

/** Gives up on a challenge this long (the server's difficulty is far below it for a person at rest). */
export const solveTimeoutMsDefault = 60_000;

/**
 * ALTCHA's SHA-256 key derivation (SHA-256 of salt and counter, `cost` times, cut to `keyLength`), the same bytes as
 * altcha-lib's own, computed with @noble/hashes on this thread. Web Crypto's digest is asynchronous and pays a thread
 * hop per call, far more than a 36-byte hash costs: measured in Node on this project's machine it ran ~1,500 attempts
 * a second, and it does not exist in React Native. This runs the same everywhere (browsers, workers, Node, RN).
 */
export const deriveKey: DeriveKeyFunction = async (parameters, salt, password) => {
  if (parameters.algorithm !== 'SHA-256')
    throw new SeatActorError('CHALLENGE_REQUIRED', `cannot solve a ${parameters.algorithm} challenge`);
  const input = new Uint8Array(salt.length + password.length);
  input.set(salt, 0);
  input.set(password, salt.length);
  let key = sha256(input);
  for (let round = 1; round < Math.max(1, parameters.cost); round++) key = sha256(key);
  return { derivedKey: key.slice(0, parameters.keyLength ?? 32) };
};

/** The payload the server verifies: what was asked and what was found, as base64 JSON (ASCII, so btoa does). */
export const encodeSolution = (challenge: AltchaChallenge, solution: unknown): string =>
  btoa(JSON.stringify({ challenge, solution }));

/**
 * Solves on this thread with Web Crypto (SHA-256): browsers, Node 20+ and any runtime with `crypto.subtle`. In a
 * browser page prefer `workerSolver`, which keeps the page responsive while it works.
 */
export const solveInProcess: ChallengeSolver = async (challenge) => {
  const solution = await solveChallenge({
    challenge: challenge as Parameters<typeof solveChallenge>[0]['challenge'],
    deriveKey,
    timeout: solveTimeoutMsDefault,
  });
  if (solution === null)
    throw new SeatActorError('CHALLENGE_REQUIRED', 'the proof of work could not be solved in time');
  return encodeSolution(challenge, solution);
};

/**
 * Solves in a Web Worker loaded from `url` (a bundle of this package's `challengeWorker.ts`; the seat-map page serves
 * one at `/pow-worker.js`), one worker per challenge, ended once it answers. Where workers are not available it
 * solves on this thread.
 */
export const workerSolver =
  (url: string | URL): ChallengeSolver =>
  (challenge) => {
    if (typeof Worker === 'undefined') return solveInProcess(challenge);
    return new Promise((resolve, reject) => {
      const worker = new Worker(url, { type: 'module' });
      worker.onmessage = (message: MessageEvent<{ solution?: unknown; error?: string }>) => {
        worker.terminate();
        const { solution, error } = message.data ?? {};
        if (solution === undefined || solution === null)
          reject(new SeatActorError('CHALLENGE_REQUIRED', error ?? 'the proof of work could not be solved in time'));
        else resolve(encodeSolution(challenge, solution));
      };
      worker.onerror = (event) => {
        worker.terminate();
        reject(new SeatActorError('CHALLENGE_REQUIRED', `the proof-of-work worker failed: ${event.message}`));
      };
      worker.postMessage(challenge);
    });
  };
