import { createHash, randomInt } from 'node:crypto';
import { type Challenge, createChallenge, type Payload, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { BookingError } from '../domain/bookingError.ts';

/**
 * ALTCHA proof of work (PoW v2 of altcha-lib, the package's default export; its v1 API, where the December 2025
 * challenge-splicing advisory and its later bypass lived, is not used). A challenge is issued in ALTCHA's
 * deterministic mode: the server picks the answer (a counter below `difficulty`) and signs the derived key, so a
 * solver searches about half the range and the server verifies with one HMAC, never re-deriving.
 *
 * What a solution is good for is signed into the challenge's `data`: the purpose (a session, a queue join), the event
 * (none for a session), a hash of the address it was issued to, and when it runs out, by the server's Clock (the
 * library's own `expiresAt` is checked against the wall clock, which tests on a ManualClock do not follow). Single
 * use is not this module's: the challenge stage claims each solution's signature in a replay store.
 */
export type PowPurpose = 'session' | 'queueJoin';

export type PowBinding = Readonly<{ purpose: PowPurpose; eventId: string | undefined; client: string }>;

export type VerifiedSolution = Readonly<{
  /** Unique per challenge: the key a replay store claims. */
  id: string;
  /** Until when (epoch ms) the challenge could be used: how long the replay store must remember it. */
  expiresAtMs: number;
  difficulty: number;
}>;

export type ProofOfWork = Readonly<{
  issue(binding: PowBinding, difficulty: number): Promise<Challenge>;
  /** The solution's challenge, once it verifies for this binding; rejects CHALLENGE_REQUIRED with the reason. */
  verify(encoded: string, binding: PowBinding): Promise<VerifiedSolution>;
}>;

export type ProofOfWorkOptions = Readonly<{
  /** HMAC key of challenges (at least 32 bytes); derived keys are signed with a key derived from it. */
  secret: string;
  nowMs: () => number;
  /** How long a challenge may be solved and used. Default 120 s. */
  challengeTtlMs?: number;
}>;

export const challengeTtlMsDefault = 120_000;
/** One SHA-256 per attempt: what a browser's Web Crypto and Node's crypto both do fast, the same work for both. */
export const powAlgorithm = 'SHA-256';
/** Base64 JSON of `{challenge, solution}` is a few hundred bytes; anything much larger is not one. */
const encodedBytesMax = 4_096;

const addressTag = (client: string): string => createHash('sha256').update(client).digest('base64url').slice(0, 16);

const refuse = (message: string): BookingError => new BookingError('CHALLENGE_REQUIRED', message);

const decode = (encoded: string): Payload => {
  if (encoded.length > encodedBytesMax) throw refuse('the challenge solution is too large');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw refuse('the challenge solution is not base64 JSON');
  }
  const { challenge, solution } = (payload ?? {}) as Partial<Payload>;
  if (typeof challenge !== 'object' || challenge === null || typeof challenge.parameters !== 'object')
    throw refuse('the challenge solution carries no challenge');
  if (typeof solution !== 'object' || solution === null) throw refuse('the challenge solution carries no solution');
  return { challenge, solution };
};

export const createProofOfWork = (options: ProofOfWorkOptions): ProofOfWork => {
  if (Buffer.byteLength(options.secret) < 32) throw new Error('the proof-of-work key must be at least 32 bytes');
  const hmacSignatureSecret = options.secret;
  const hmacKeySignatureSecret = createHash('sha256').update(`derived-key:${options.secret}`).digest('base64url');
  const ttlMs = options.challengeTtlMs ?? challengeTtlMsDefault;

  return {
    issue: async ({ purpose, eventId, client }, difficulty) => {
      const range = Math.max(2, Math.min(0xffffffff, Math.floor(difficulty)));
      return createChallenge({
        algorithm: powAlgorithm,
        cost: 1,
        counter: randomInt(0, range),
        deriveKey,
        data: {
          purpose,
          event: eventId ?? '',
          address: addressTag(client),
          expiresAtMs: options.nowMs() + ttlMs,
          difficulty: range,
        },
        hmacSignatureSecret,
        hmacKeySignatureSecret,
      });
    },
    verify: async (encoded, binding) => {
      const { challenge, solution } = decode(encoded);
      const result = await verifySolution({
        challenge,
        solution,
        deriveKey,
        hmacSignatureSecret,
        hmacKeySignatureSecret,
      }).catch(() => undefined);
      if (result === undefined || !result.verified) throw refuse('the challenge solution does not verify');
      // Signed, so the data is ours: check it is for this request.
      const data = challenge.parameters.data ?? {};
      if (data.purpose !== binding.purpose) throw refuse(`the challenge was issued for ${String(data.purpose)}`);
      if (data.event !== (binding.eventId ?? '')) throw refuse('the challenge was issued for another event');
      if (data.address !== addressTag(binding.client)) throw refuse('the challenge was issued to another address');
      const expiresAtMs = Number(data.expiresAtMs);
      if (!(expiresAtMs > options.nowMs())) throw refuse('the challenge ran out');
      return { id: challenge.signature ?? '', expiresAtMs, difficulty: Number(data.difficulty) };
    },
  };
};
