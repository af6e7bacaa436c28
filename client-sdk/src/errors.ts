import type { BookingErrorCode, WireError } from '../../src/contract/protocol.ts';

/** Every code the server can answer with, plus `TIMEOUT` when no answer came in time (after the retries). */
export type ClientErrorCode = BookingErrorCode | 'TIMEOUT' | 'CLOSED';

/** A rejected request: `code` is stable and meant for code paths; `message` is for humans. */
export class SeatActorError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string) {
    super(message);
    this.name = 'SeatActorError';
    this.code = code;
  }

  static fromWire(error: WireError): SeatActorError {
    return new SeatActorError(error.code, error.message);
  }
}

/** Codes worth retrying with the same requestId: the server did not act, or will answer the retry with the first answer. */
export const retryableCodes: ReadonlySet<ClientErrorCode> = new Set(['TIMEOUT', 'UNAVAILABLE', 'RATE_LIMITED']);
