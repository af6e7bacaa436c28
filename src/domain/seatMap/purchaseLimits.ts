import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { BookingError } from '../bookingError.ts';
import type { PaymentStatus } from '../machines/paymentMachine.ts';
import type { InventoryState, OrderRecord } from './state.ts';

/**
 * Purchase limits that follow the buyer past their session: per payment card (the provider's card fingerprint) and
 * per household (a hash of the normalised delivery or billing address). Both use the event's `maxSeatsPerUser`: a
 * person who may buy N seats may not buy more by paying with one card from several accounts, or by sending several
 * accounts' tickets to one home. The per-user limit itself is the hold limit (held, reserved and sold seats count).
 *
 * An order counts against its card and household while it may still become seats: pending, processing, succeeded.
 * A failed, timed-out or refunded order counts no more.
 */
export type PostalAddress = Readonly<{
  line1: string;
  line2?: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}>;

/** Words that mean the same on an address label, written one way (English and a few common European forms). */
const addressWords: Readonly<Record<string, string>> = {
  street: 'st',
  str: 'st',
  strasse: 'st',
  straße: 'st',
  avenue: 'ave',
  av: 'ave',
  road: 'rd',
  boulevard: 'blvd',
  apartment: 'apt',
  appartement: 'apt',
  flat: 'apt',
  unit: 'apt',
  suite: 'apt',
  floor: 'fl',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
};

const normalisePart = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replaceAll('ß', 'ss')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((word) => word.length > 0)
    .map((word) => addressWords[word] ?? word)
    .join(' ');

/**
 * One line per address, the same for the ways people write it: case, accents, punctuation, spacing and common
 * abbreviations do not matter, nor whether the flat is on the first line or the second. Postal codes lose their
 * spaces. Word order is kept: `12 Main St Apt 3` and `3 Main St Apt 12` are two homes.
 */
export const normaliseAddress = (address: PostalAddress): string => {
  const street = normalisePart(`${address.line1} ${address.line2 ?? ''}`);
  const postalCode = normalisePart(address.postalCode).replaceAll(' ', '');
  return [street, postalCode, normalisePart(address.city), normalisePart(address.country)].join('|');
};

/** The household's key: SHA-256 of the normalised address, so the log keeps no address. */
export const householdKeyOf = (address: PostalAddress): string =>
  `hh_${bytesToHex(sha256(utf8ToBytes(normaliseAddress(address)))).slice(0, 32)}`;

const countingStatuses: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>(['pending', 'processing', 'succeeded']);

const seatsOf = (state: InventoryState, orderIds: ReadonlySet<string> | undefined, except: string): number => {
  let total = 0;
  for (const orderId of orderIds ?? []) {
    if (orderId === except) continue;
    const order = state.orders.get(orderId)!;
    if (countingStatuses.has(order.status)) total += order.quantity;
  }
  return total;
};

/** Seats the card's other live orders at this event are for. */
export const seatsOnCard = (state: InventoryState, cardFingerprint: string, exceptOrderId = ''): number =>
  seatsOf(state, state.ordersOfCard.get(cardFingerprint), exceptOrderId);

/** Seats the household's other live orders at this event are for. */
export const seatsOfHousehold = (state: InventoryState, householdKey: string, exceptOrderId = ''): number =>
  seatsOf(state, state.ordersOfHousehold.get(householdKey), exceptOrderId);

/** The refusal an order over its household's limit gets at checkout, or undefined. */
export const householdRefusal = (
  state: InventoryState,
  householdKey: string | undefined,
  quantity: number,
): BookingError | undefined => {
  if (householdKey === undefined) return undefined;
  const limit = state.config.maxSeatsPerUser;
  const already = seatsOfHousehold(state, householdKey);
  if (already + quantity <= limit) return undefined;
  return new BookingError(
    'PURCHASE_LIMIT',
    `at most ${limit} seats per household for this event; this address has ${already}`,
    { limit, scope: 'household', already },
  );
};

/** The refusal paying for the order with this card gets, or undefined. */
export const cardRefusal = (
  state: InventoryState,
  order: OrderRecord,
  cardFingerprint: string,
): BookingError | undefined => {
  const limit = state.config.maxSeatsPerUser;
  const already = seatsOnCard(state, cardFingerprint, order.orderId);
  if (already + order.quantity <= limit) return undefined;
  return new BookingError(
    'PURCHASE_LIMIT',
    `at most ${limit} seats per payment card for this event; this card has paid or is paying for ${already}`,
    { limit, scope: 'card', already },
  );
};

/** Keeps the card and household indexes in step with an order (evolve and snapshot loading call it). */
export const indexOrder = (state: InventoryState, order: OrderRecord): void => {
  if (order.cardFingerprint !== undefined) addTo(state.ordersOfCard, order.cardFingerprint, order.orderId);
  if (order.householdKey !== undefined) addTo(state.ordersOfHousehold, order.householdKey, order.orderId);
};

/** The order now pays with another card: it leaves its old card's index. */
export const unindexCard = (state: InventoryState, order: OrderRecord): void => {
  if (order.cardFingerprint === undefined) return;
  const orders = state.ordersOfCard.get(order.cardFingerprint);
  orders?.delete(order.orderId);
  if (orders?.size === 0) state.ordersOfCard.delete(order.cardFingerprint);
};

const addTo = (index: Map<string, Set<string>>, key: string, orderId: string): void => {
  let orders = index.get(key);
  if (orders === undefined) {
    orders = new Set();
    index.set(key, orders);
  }
  orders.add(orderId);
};
