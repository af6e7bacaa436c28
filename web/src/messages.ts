import type { ClientErrorCode } from '../../client-sdk/src/index.ts';

/**
 * What a buyer reads for each error code: every code the server or the SDK can answer with (a new code does not
 * compile until it is given words here). Never the raw code.
 */
export const humanMessages: Readonly<Record<ClientErrorCode, string>> = {
  INVALID_INPUT: 'That request was not understood. Please reload the page and try again.',
  UNAUTHORIZED: 'Your session ended. We are starting a new one: please try again.',
  FORBIDDEN: 'That belongs to another buyer.',
  NOT_FOUND: 'We could not find that event or section.',
  SEAT_UNAVAILABLE: 'Sorry, someone else just took that seat (or not enough places are left). Please pick another.',
  VERSION_CONFLICT: 'The seat map changed while you were choosing. Please try again.',
  HOLD_LIMIT: 'You already hold the most seats allowed per buyer for this event.',
  PURCHASE_LIMIT:
    'This card or address has already bought the most tickets allowed for this event. Nothing was charged: pay with another card.',
  HOLD_EXPIRED: 'Your basket timed out and the seats were released. Please pick them again.',
  IDEMPOTENCY_KEY_REUSED: 'That request was already made differently. Please reload the page.',
  ALREADY_EXISTS: 'That already exists.',
  HOLD_NOT_FOUND: 'Your basket is empty or has timed out. Please pick your seats again.',
  SOLD_OUT: 'Sold out: there is nothing left for this event.',
  SALE_NOT_OPEN: 'The sale has not opened yet. Please come back when it opens.',
  ORDER_NOT_FOUND: 'We could not find that order.',
  ORDER_STATE: 'This order can no longer be changed (it was paid, failed or timed out).',
  PAYMENT_FAILED: 'Your card was declined. Your seats are back in your basket: try another card.',
  WAITLIST_ALREADY_JOINED: 'You are already on the waitlist.',
  WAITLIST_ENTRY_NOT_FOUND: 'You are not on the waitlist (any more).',
  WAITLIST_FULL: 'The waitlist is full.',
  SEATS_AVAILABLE: 'Seats are available: pick them on the map instead of joining the waitlist.',
  TICKET_INVALID: 'This ticket code is not valid.',
  TICKET_ALREADY_USED: 'This ticket was already used to get in.',
  PAYLOAD_TOO_LARGE: 'That request was too large.',
  RATE_LIMITED: 'Lots of people are buying right now. Please wait a moment and try again.',
  CHALLENGE_REQUIRED: 'Your browser could not finish the security check. Please reload the page and try again.',
  NOT_ADMITTED: 'This sale has a waiting room: we have put you in line. You can pick seats once it is your turn.',
  QUEUE_CLOSED: 'The waiting room is closed.',
  QUEUE_FULL: 'The waiting room is full. Please try again later.',
  UNAVAILABLE: 'We cannot reach the box office right now. Please try again in a moment.',
  INTERNAL: 'Something went wrong on our side. Please try again.',
  TIMEOUT: 'The box office did not answer in time. Check your basket before trying again.',
  CLOSED: 'The page was disconnected. Please reload it.',
};

/** The words for any failure: a SeatActorError's code, or a generic line for anything else. */
export const humanMessage = (error: unknown): string => {
  const code = (error as { code?: string } | undefined)?.code;
  if (code !== undefined && code in humanMessages) return humanMessages[code as ClientErrorCode];
  return 'Something went wrong. Please try again.';
};

/** Minor units as money: `formatMoney(4500, 'EUR')` is "€45.00" in English. */
export const formatMoney = (amount: number, currency: string): string =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount / 100);
