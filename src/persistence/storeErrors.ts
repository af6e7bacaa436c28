/**
 * The store could not run a call now: it is down, unreachable, restarting, overloaded, or did not answer in time.
 * The call itself was fine, so the caller's answer is "unavailable, retry", never "internal error". Adapters turn
 * their driver's connection and timeout failures into this one type, so nothing above persistence reads driver
 * errors; the gateway maps it to `UNAVAILABLE` (503) in one place.
 *
 * A write that failed this way may still have happened (a timed-out append can commit later): callers that must know
 * read the store again once it answers, and the expected-version checks keep that safe.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export const isStoreUnavailable = (error: unknown): error is StoreUnavailableError =>
  error instanceof StoreUnavailableError;

/**
 * SQLSTATEs that say "not now" rather than "not this statement": connection exceptions (08), authorization lost (28),
 * serialization failures and deadlocks (40), resources exhausted (53), lock timeouts (55P03), operator intervention
 * such as shutdown, statement timeout or "cannot connect now" (57), system I/O errors (58), a read-only server after a
 * failover (25006), and the server's own internal errors (XX).
 */
export const isTransientSqlState = (state: string): boolean =>
  ['08', '28', '40', '53', '57', '58', 'XX'].includes(state.slice(0, 2)) || state === '55P03' || state === '25006';
