import type { BookingErrorCode } from '../domain/bookingError.ts';

/**
 * What each error code means, as the wire contract states it: one line per code, every code of the domain's list
 * (src/domain/bookingError.ts) and no other, so a new code does not compile until it is explained here. The error
 * table in docs/api.md is generated from this and the HTTP statuses of src/gateway/http.ts (`npm run docs`).
 */
export const bookingErrorMeanings = {
  INVALID_INPUT: 'The body, path or query failed validation, or the body is not JSON',
  UNAUTHORIZED: 'The token is missing, malformed, forged or expired',
  FORBIDDEN:
    "The token is valid but not allowed here (a buyer on an admin route, the admin token on a buyer route, another buyer's hold)",
  NOT_FOUND: 'No such event, venue, section or price tier, or no such route (any method)',
  SEAT_UNAVAILABLE:
    'A requested seat is held, reserved or sold, or fewer places or adjacent seats are left than requested (the message says what is left)',
  VERSION_CONFLICT: 'An `expectedVersions` entry is stale',
  HOLD_LIMIT: "The buyer would hold more than the event's `maxSeatsPerUser`",
  HOLD_EXPIRED: 'The hold lapsed',
  IDEMPOTENCY_KEY_REUSED:
    'This `requestId` was used before for a different request (another payload or kind); a new request needs a new `requestId`',
  PURCHASE_LIMIT:
    "The event's `maxSeatsPerUser` is reached for this payment card (its fingerprint, across buyers; nothing is charged, pay with another card) or for this household (the order's normalised address, across buyers)",
  ALREADY_EXISTS: 'A venue or event with this id exists already (ids are chosen once; pick another or omit it)',
  HOLD_NOT_FOUND: 'No live hold with this id for this buyer (never existed, released, or expired and swept)',
  SOLD_OUT:
    'Nothing is left that matches: the general-admission section, or every seat that fits the request, is taken',
  SALE_NOT_OPEN: 'The sale opens at `saleStartsAt`; the same request later succeeds',
  ORDER_NOT_FOUND: 'No such order for this buyer',
  ORDER_STATE: 'The order, or the hold in checkout, is not in a state that allows this',
  PAYMENT_FAILED: 'The payment provider declined; the seats are back on sale',
  WAITLIST_ALREADY_JOINED:
    'The buyer already waits for this event with another request (one entry per buyer per event; leave it first)',
  WAITLIST_ENTRY_NOT_FOUND: 'No such waitlist entry',
  WAITLIST_FULL: "The event's waitlist has as many entries as it takes",
  SEATS_AVAILABLE: 'Seats that fit the waitlist request are on sale: hold them instead of joining the waitlist',
  TICKET_INVALID: 'The ticket code does not verify, or its order is void',
  TICKET_ALREADY_USED: 'The ticket was checked in already (the message says when)',
  PAYLOAD_TOO_LARGE: 'The body is over the limit; the connection is closed',
  RATE_LIMITED: 'Too many requests from this client; the message says when to retry',
  CHALLENGE_REQUIRED:
    'Prove work first: `error.challenge` is an ALTCHA (v2) challenge; solve it and repeat the same request with the payload (base64 JSON `{challenge, solution}`) in `X-Challenge-Solution` (REST) or `challengeSolution` (socket payloads, REST bodies). A solution is valid once, for this purpose, event and address',
  NOT_ADMITTED:
    'The waiting room is engaged and the hold carries no valid admission: join the queue and hold once admitted',
  QUEUE_CLOSED: 'No waiting room is engaged for this event now: go straight to the seat map',
  QUEUE_FULL: 'The waiting room holds its most entries (`entriesMax`, 10,000,000 by default)',
  UNAVAILABLE:
    'The store is down, the mailbox is full, or the server is starting or draining; retry with the same `requestId`',
  INTERNAL: 'An unexpected fault; the details go to the log only',
} as const satisfies Readonly<Record<BookingErrorCode, string>>;
