/**
 * The error codes every layer speaks. The domain rejects with them; what each means on the wire is in
 * src/contract/errorCodes.ts (the docs' error table is generated from it), the HTTP status of each in
 * src/gateway/http.ts; the socket answers carry the code as is; the client SDK re-exports the union. A code, once
 * published, is never renamed.
 */
export const bookingErrorCodes = [
  'INVALID_INPUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'SEAT_UNAVAILABLE',
  'VERSION_CONFLICT',
  'HOLD_LIMIT',
  'HOLD_EXPIRED',
  'IDEMPOTENCY_KEY_REUSED',
  'PURCHASE_LIMIT',
  'ALREADY_EXISTS',
  'HOLD_NOT_FOUND',
  'SOLD_OUT',
  'SALE_NOT_OPEN',
  'ORDER_NOT_FOUND',
  'ORDER_STATE',
  'PAYMENT_FAILED',
  'WAITLIST_ALREADY_JOINED',
  'WAITLIST_ENTRY_NOT_FOUND',
  'WAITLIST_FULL',
  'SEATS_AVAILABLE',
  'TICKET_INVALID',
  'TICKET_ALREADY_USED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'CHALLENGE_REQUIRED',
  'NOT_ADMITTED',
  'QUEUE_CLOSED',
  'QUEUE_FULL',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type BookingErrorCode = (typeof bookingErrorCodes)[number];

/**
 * Refusals that say "not now" rather than "no": the same request may succeed later, so they are never remembered
 * as a request's first answer (a retry is decided anew). Only final answers are remembered.
 */
export const transientErrorCodes: ReadonlySet<BookingErrorCode> = new Set<BookingErrorCode>([
  'SALE_NOT_OPEN',
  'NOT_ADMITTED',
  'RATE_LIMITED',
  'UNAVAILABLE',
]);

/** A rejection that callers can act on: a stable code plus a sentence for humans. */
export class BookingError extends Error {
  readonly code: BookingErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: BookingErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    // A rejection is an answer, not a fault: under a flash sale most holds are refused, and capturing a stack
    // trace for each was a measurable share of the actor's time. Programmer errors (plain Error) keep theirs.
    // (`stackTraceLimit` is V8's; elsewhere, the client SDK in other browsers, setting it does nothing.)
    const v8Error = Error as { stackTraceLimit?: number };
    const stackTraceLimit = v8Error.stackTraceLimit;
    v8Error.stackTraceLimit = 0;
    super(message);
    v8Error.stackTraceLimit = stackTraceLimit;
    this.name = 'BookingError';
    this.code = code;
    this.details = details;
  }
}

export const isBookingError = (error: unknown): error is BookingError => error instanceof BookingError;
