import { solveChallenge } from 'altcha-lib';
import { deriveKey, solveTimeoutMsDefault } from './challenge.ts';

/**
 * A Web Worker that solves one ALTCHA challenge (posted to it) and posts back `{solution}` or `{error}`: bundled on
 * its own (the seat-map page serves it at `/pow-worker.js`) and driven by `workerSolver`.
 */
const scope = globalThis as unknown as {
  onmessage: ((message: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (message: MessageEvent) => {
  solveChallenge({ challenge: message.data, deriveKey, timeout: solveTimeoutMsDefault }).then(
    (solution) => scope.postMessage({ solution }),
    (error: unknown) => scope.postMessage({ error: String(error) }),
  );
};
