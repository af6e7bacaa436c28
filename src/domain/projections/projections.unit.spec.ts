import { describe, expect, it } from 'vitest';
import type { InventoryCommand } from '../seatMap/commands.ts';
import { decide } from '../seatMap/decide.ts';
import type { InventoryEvent } from '../seatMap/events.ts';
import { evolve } from '../seatMap/evolve.ts';
import { expireHolds, freshState, holdGeneral, holdSeats, releaseHold, T0 } from '../seatMap/inventoryFixture.ts';
import { availabilityOf } from './availability.ts';
import { type BuyerDoc, buyersProjection } from './buyers.ts';
import { collectAll, type LoggedEvent, projectAll } from './projection.ts';
import { type SalesDoc, salesByMinute, salesProjection } from './sales.ts';
import { seatHistoryBucket, seatHistoryKey, seatHistoryProjection } from './seatHistory.ts';

/**
 * The projections as specifications: given the log the real decider writes for these commands, then these documents.
 * Prices (inventoryFixture): premium 9000, standard 5000, ga 3000 EUR; row ORCH-A is premium.
 */
const order = (orderId: string, holdId: string, userId: string, now: number): InventoryCommand => ({
  type: 'PlaceOrder',
  data: { orderId, holdId, userId, requestId: `ord-${orderId}`, now },
});
const paid = (orderId: string, amount: number, now: number): InventoryCommand => ({
  type: 'RecordPaymentResult',
  data: {
    orderId,
    outcome: 'succeeded',
    providerEventId: `ok-${orderId}-${now}`,
    received: { amount, currency: 'EUR' },
    now,
  },
});
const failed = (orderId: string, now: number): InventoryCommand => ({
  type: 'RecordPaymentResult',
  data: { orderId, outcome: 'failed', providerEventId: `ko-${orderId}`, reason: 'declined', now },
});
const refund = (orderId: string, now: number): InventoryCommand => ({
  type: 'RefundOrder',
  data: { orderId, reason: 'asked', now },
});

/** The log of these commands, as the actor would append it to the event's stream. */
const logOf = (commands: readonly InventoryCommand[]): LoggedEvent[] => {
  const state = freshState();
  const log: LoggedEvent[] = [];
  for (const command of commands) {
    for (const event of decide(command, state) as InventoryEvent[]) {
      evolve(state, event);
      log.push({
        position: log.length + 1,
        streamId: `event-${state.eventId}`,
        streamVersion: log.length + 1,
        type: event.type,
        data: JSON.parse(JSON.stringify(event.data)),
        recordedAt: (event.data as { at: number }).at,
      });
    }
  }
  return log;
};

const minute = (n: number) => T0 + n * 60_000;
const eventId = freshState().eventId;

// Alice buys two premium seats at minute 0; Bob's three floor places at minute 1 fail to pay; Carol buys a standard
// seat at minute 1 and is refunded at minute 2; Dan holds and lets go.
const sale = [
  holdSeats('h1', 'alice', ['ORCH-A-1', 'ORCH-A-2'], minute(0)),
  order('o1', 'h1', 'alice', minute(0) + 1),
  paid('o1', 18000, minute(0) + 2),
  holdGeneral('h2', 'bob', 3, minute(1)),
  order('o2', 'h2', 'bob', minute(1) + 1),
  failed('o2', minute(1) + 2),
  holdSeats('h3', 'carol', ['ORCH-B-1'], minute(1) + 3),
  order('o3', 'h3', 'carol', minute(1) + 4),
  paid('o3', 5000, minute(1) + 5),
  refund('o3', minute(2)),
  holdSeats('h4', 'dan', ['ORCH-C-1'], minute(2) + 1),
  releaseHold('h4', 'dan', minute(2) + 2),
];

describe('sales projection', () => {
  it('counts paid orders when their seats are sold, by tier and minute, and takes refunds away', () => {
    const doc = projectAll(salesProjection, logOf(sale)).get(eventId) as SalesDoc;
    expect(doc.revenue).toEqual({ EUR: 18000 });
    expect(doc.tiers).toEqual({
      premium: { currency: 'EUR', sold: 2, revenue: 18000 },
      standard: { currency: 'EUR', sold: 0, revenue: 0 },
    });
    expect(salesByMinute(doc)).toEqual([
      { minuteMs: minute(0), sold: 2, revenue: { EUR: 18000 } },
      { minuteMs: minute(1), sold: 1, revenue: { EUR: 5000 } },
      { minuteMs: minute(2), sold: -1, revenue: { EUR: -5000 } },
    ]);
    expect(doc.orders).toBe(3);
    expect(doc.refunds).toBe(1);
    // Nothing is left pending: sold, released and refunded orders all left it.
    expect(doc.pending).toEqual({});
    expect(Object.keys(doc.paid)).toEqual(['o1']);
  });

  it('reads every event of the stream once: the version moves, and an event applied again changes nothing', () => {
    const log = logOf(sale);
    const once = projectAll(salesProjection, log).get(eventId) as SalesDoc;
    expect(once.version).toBe(log.length);
    const twice = projectAll(salesProjection, [...log, ...log]).get(eventId) as SalesDoc;
    expect(twice).toEqual(once);
  });

  it('names price tiers as the venue does, even those Object.prototype has', () => {
    const log = logOf(sale).map((event) =>
      event.type === 'OrderPlaced'
        ? {
            ...event,
            data: {
              ...(event.data as object),
              lines: (event.data as { lines: { priceTier: string }[] }).lines.map((line) => ({
                ...line,
                priceTier: 'toString',
              })),
            },
          }
        : event,
    );
    const doc = projectAll(salesProjection, log).get(eventId) as SalesDoc;
    expect(Object.hasOwn(doc.tiers, 'toString')).toBe(true);
    expect(doc.tiers.toString).toEqual({ currency: 'EUR', sold: 2, revenue: 18000 });
  });
});

describe('seat history projection', () => {
  it('records every change of a seat with its cause, and none for general-admission places', () => {
    const docs = collectAll(seatHistoryProjection, logOf(sale));
    const history = (seatId: string) =>
      docs.get(seatHistoryKey(eventId, seatId))!.map((c) => [c.cause, c.status, c.userId]);
    expect(history('ORCH-B-1')).toEqual([
      ['HoldPlaced', 'held', 'carol'],
      ['HoldReserved', 'reserved', 'carol'],
      ['ReservationSold', 'sold', 'carol'],
      ['SaleRefunded', 'available', 'carol'],
    ]);
    expect(history('ORCH-C-1')).toEqual([
      ['HoldPlaced', 'held', 'dan'],
      ['HoldReleased', 'available', 'dan'],
    ]);
    expect([...docs.keys()].every((key) => !key.includes('FLOOR'))).toBe(true);
    const refunded = docs.get(seatHistoryKey(eventId, 'ORCH-B-1'))!.at(-1);
    expect(refunded).toMatchObject({ orderId: 'o3', reason: 'asked', at: minute(2) });
  });
});

describe('seat history buckets', () => {
  it('keeps a seat in one of 64 buckets of its own event, by a hash that never changes (stored rows rely on it)', () => {
    expect(seatHistoryBucket(seatHistoryKey('demo', 'ORCH-A-1'))).toBe('demo/#19');
    expect(seatHistoryBucket(seatHistoryKey('demo', 'ORCH-A-2'))).toBe('demo/#38');
    expect(seatHistoryBucket(seatHistoryKey('other', 'ORCH-A-1'))).toBe('other/#19');
    const buckets = new Set(Array.from({ length: 5_000 }, (_, i) => seatHistoryBucket(seatHistoryKey('e', `S-${i}`))));
    expect(buckets.size).toBe(64);
  });
});

describe('buyers projection', () => {
  it('keeps every order each buyer placed, and no document for a buyer who only held', () => {
    const docs = projectAll(
      buyersProjection,
      logOf([
        ...sale,
        holdSeats('h5', 'alice', ['ORCH-C-2'], minute(3)),
        holdSeats('h6', 'dan', ['ORCH-C-3'], minute(3)),
      ]),
    );
    const alice = docs.get('alice') as BuyerDoc;
    expect(alice.orders.o1).toMatchObject({
      eventId,
      placedAt: minute(0) + 1,
      amount: 18000,
      currency: 'EUR',
      quantity: 2,
    });
    expect(Object.keys((docs.get('bob') as BuyerDoc).orders)).toEqual(['o2']);
    expect(docs.has('dan')).toBe(false);
    expect(Object.keys(alice)).toEqual(['orders']);
  });
});

describe('availability (inline, from committed state)', () => {
  it('counts places by tier and section, lapsed holds as available', () => {
    const state = freshState();
    for (const command of [
      holdSeats('h1', 'alice', ['ORCH-A-1', 'ORCH-A-2'], minute(0)),
      order('o1', 'h1', 'alice', minute(0) + 1),
      paid('o1', 18000, minute(0) + 2),
      holdGeneral('h2', 'bob', 3, minute(1)),
      holdSeats('h3', 'carol', ['BALC-A-1'], minute(1)),
      order('o3', 'h3', 'carol', minute(1) + 1),
    ]) {
      for (const event of decide(command, state) as InventoryEvent[]) evolve(state, event);
    }
    const now = availabilityOf(state, minute(1) + 10);
    expect(now.all).toEqual({ total: 22 + 10, available: 26, held: 3, reserved: 1, sold: 2 });
    expect(now.byTier.get('premium')).toEqual({ total: 6, available: 4, held: 0, reserved: 0, sold: 2 });
    expect(now.bySection.get('FLOOR')).toEqual({ total: 10, available: 7, held: 3, reserved: 0, sold: 0 });
    expect(now.bySection.get('BALC')).toEqual({ total: 4, available: 3, held: 0, reserved: 1, sold: 0 });
    expect(now.holdsActive).toBe(1);
    // Bob's hold lapses a minute after it was placed: read later, its places are available and it is no longer active.
    const later = availabilityOf(state, minute(2) + 1);
    expect(later.bySection.get('FLOOR')).toEqual({ total: 10, available: 10, held: 0, reserved: 0, sold: 0 });
    expect(later.holdsActive).toBe(0);
    // The sweep's HoldExpired changes nothing a reader saw.
    for (const event of decide(expireHolds(minute(2) + 1), state) as InventoryEvent[]) evolve(state, event);
    expect(availabilityOf(state, minute(2) + 1).all).toEqual(later.all);
  });
});
