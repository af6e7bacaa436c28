/**
 * The error codes every layer speaks. The gateway maps each to an HTTP status; the socket answers carry the
 * code as is; the client SDK re-exports the union. A code, once published, is never renamed.
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
  'HOLD_NOT_FOUND',
  'SOLD_OUT',
  'SALE_NOT_OPEN',
  'ORDER_NOT_FOUND',
  'ORDER_STATE',
  'PAYMENT_FAILED',
  'TICKET_INVALID',
  'TICKET_ALREADY_USED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type BookingErrorCode = (typeof bookingErrorCodes)[number];

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
