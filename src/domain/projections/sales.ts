import type { OrderPlaced, ReservationReleased, ReservationSold, SaleRefunded } from '../seatMap/events.ts';
import { eventIdOfStream, type Projection } from './projection.ts';

/** An order's lines, compact: [priceTier, places, amount] per line, in the order's currency. */
type Lines = { currency: string; lines: [string, number, number][] };

export type TierSales = { currency: string; sold: number; revenue: number };
export type MinuteSales = { sold: number; revenue: Record<string, number> };

/**
 * Sales and revenue of one event: paid orders count when their seats are sold (ReservationSold, which only a payment
 * that succeeded in time causes), refunds of sold orders subtract (SaleRefunded). A late or rejected payment never
 * sold anything, so it is neither counted nor subtracted. Money in integer minor units per currency.
 */
export type SalesDoc = {
  eventId: string;
  /** The last stream version applied: how far this document has read its event's stream. */
  version: number;
  /** Orders placed and not yet sold or released: their lines, for when they are. */
  pending: Record<string, Lines>;
  /** Sold orders' lines, for a refund. */
  paid: Record<string, Lines>;
  orders: number;
  refunds: number;
  tiers: Record<string, TierSales>;
  revenue: Record<string, number>;
  /** By the minute's epoch ms (as a decimal string key). */
  minutes: Record<string, MinuteSales>;
};

export const salesOf = (eventId: string): SalesDoc => ({
  eventId,
  version: 0,
  pending: {},
  paid: {},
  orders: 0,
  refunds: 0,
  tiers: {},
  revenue: {},
  minutes: {},
});

const minuteMs = 60_000;

/**
 * Keys are ids a client chose (price tiers may be named `toString` or `constructor`), so every lookup is an own
 * property: `record[key] ??= x` would find Object.prototype's function instead.
 */
const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

const add = (record: Record<string, number>, key: string, delta: number): void => {
  record[key] = (own(record, key) ?? 0) + delta;
};

/** Adds (sign 1) or takes away (sign -1) an order's lines at the minute of `at`. */
const count = (doc: SalesDoc, lines: Lines, at: number, sign: 1 | -1): void => {
  let places = 0;
  let amount = 0;
  for (const [tier, quantity, lineAmount] of lines.lines) {
    const sales = own(doc.tiers, tier) ?? { currency: lines.currency, sold: 0, revenue: 0 };
    doc.tiers[tier] = sales;
    sales.sold += sign * quantity;
    sales.revenue += sign * lineAmount;
    places += quantity;
    amount += lineAmount;
  }
  add(doc.revenue, lines.currency, sign * amount);
  const minute = String(Math.floor(at / minuteMs) * minuteMs);
  const bucket = own(doc.minutes, minute) ?? { sold: 0, revenue: {} };
  doc.minutes[minute] = bucket;
  bucket.sold += sign * places;
  add(bucket.revenue, lines.currency, sign * amount);
};

type SalesEvent = OrderPlaced | ReservationSold | ReservationReleased | SaleRefunded;
const salesEventTypes: ReadonlySet<string> = new Set<SalesEvent['type']>([
  'OrderPlaced',
  'ReservationSold',
  'ReservationReleased',
  'SaleRefunded',
]);

const evolveSales = (doc: SalesDoc, event: SalesEvent): void => {
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, currency, lines } = event.data;
      doc.orders += 1;
      doc.pending[orderId] = { currency, lines: lines.map((line) => [line.priceTier, line.quantity, line.amount]) };
      return;
    }
    case 'ReservationSold': {
      const lines = own(doc.pending, event.data.orderId);
      if (lines === undefined) return;
      count(doc, lines, event.data.at, 1);
      delete doc.pending[event.data.orderId];
      doc.paid[event.data.orderId] = lines;
      return;
    }
    case 'ReservationReleased':
      delete doc.pending[event.data.orderId];
      return;
    case 'SaleRefunded': {
      const lines = own(doc.paid, event.data.orderId);
      if (lines === undefined) return;
      count(doc, lines, event.data.at, -1);
      doc.refunds += 1;
      delete doc.paid[event.data.orderId];
      return;
    }
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/**
 * Keyed by event id. Every event of an event's stream moves `version` (so the document says how far it has read,
 * for the lag the stats show); only order and sale events change the numbers.
 */
export const salesProjection: Projection<SalesDoc> = {
  name: 'sales',
  keysOf: (event) => {
    const eventId = eventIdOfStream(event.streamId);
    return eventId === undefined ? [] : [eventId];
  },
  evolve: (doc, event, key) => {
    const current = doc ?? salesOf(key);
    // A version this document has applied already is not applied again: the stream's versions are its own clock.
    if (event.streamVersion <= current.version) return current;
    current.version = event.streamVersion;
    if (salesEventTypes.has(event.type)) evolveSales(current, event as unknown as SalesEvent);
    return current;
  },
};

/** Minutes in order, for the chart. */
export const salesByMinute = (doc: SalesDoc): { minuteMs: number; sold: number; revenue: Record<string, number> }[] =>
  Object.entries(doc.minutes)
    .map(([minute, bucket]) => ({ minuteMs: Number(minute), sold: bucket.sold, revenue: { ...bucket.revenue } }))
    .sort((a, b) => a.minuteMs - b.minuteMs);
