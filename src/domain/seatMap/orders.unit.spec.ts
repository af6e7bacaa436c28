import { describe, expect, it } from 'vitest';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { HoldPlaced, InventoryEvent, OrderPlaced } from './events.ts';
import { evolveAll } from './evolve.ts';
import { inventoryViolations } from './invariants.ts';
import {
  config,
  generalHeld,
  given,
  holdTtlMs,
  paymentTimeoutMs,
  reservationReleased,
  reserved,
  seatsHeld,
  sellReservation,
  sold,
  stateFrom,
  T0,
  venue,
} from './inventoryFixture.ts';
import { orderView, seatMapView } from './read.ts';
import { fromSnapshot, toSnapshot } from './snapshot.ts';

const alice = 'alice';
const premium = ['ORCH-A-1', 'ORCH-A-2'];
const held = seatsHeld('e.h1', alice, premium, T0);
const gaHeld = generalHeld('e.h2', alice, 3, T0);
const orderId = 'e.o1';
const at = T0 + 1_000;
const reservedUntil = at + paymentTimeoutMs;

const placeOrder = (hold: HoldPlaced, now = at, id = orderId): InventoryCommand => ({
  type: 'PlaceOrder',
  data: { orderId: id, holdId: hold.data.holdId, userId: hold.data.userId, requestId: `ord-${id}`, now },
});
const result = (
  outcome: 'succeeded' | 'failed',
  now: number,
  providerEventId = `evt-${outcome}-${now}`,
): InventoryCommand => ({
  type: 'RecordPaymentResult',
  data: { orderId, outcome, providerEventId, paymentId: 'pi_1', now },
});

const orderPlaced = (hold: HoldPlaced, lines: OrderPlaced['data']['lines'], amount: number): OrderPlaced => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    holdId: hold.data.holdId,
    userId: alice,
    requestId: `ord-${orderId}`,
    seatIds: hold.data.seatIds,
    ...(hold.data.sectionId === undefined ? {} : { sectionId: hold.data.sectionId }),
    quantity: hold.data.quantity,
    lines,
    amount,
    currency: 'EUR',
    reservedUntil,
    at,
  },
});
const placed = orderPlaced(
  held,
  premium.map((seatId) => ({ seatId, priceTier: 'premium', quantity: 1, amount: 9000 })),
  18_000,
);
const ordered: InventoryEvent[] = [held, placed, reserved(held, orderId, at, `ord-${orderId}`)];
const initiated: InventoryEvent = {
  type: 'PaymentInitiated',
  data: { orderId, provider: 'simulated', paymentId: 'pi_1', at },
};
const paying = [...ordered, initiated];
const timedOut = (when: number): InventoryEvent[] => [
  { type: 'PaymentTimedOut', data: { orderId, at: when } },
  reservationReleased(held, orderId, when, 'payment_timed_out'),
];

describe('orders: placing', () => {
  it('reserves the hold for the payment timeout at the sum of its tier prices', () => {
    given([held]).when(placeOrder(held)).then(ordered.slice(1));
  });

  it('prices general admission as the section tier times the quantity', () => {
    const gaPlaced = orderPlaced(gaHeld, [{ sectionId: 'FLOOR', priceTier: 'ga', quantity: 3, amount: 9000 }], 9000);
    given([gaHeld])
      .when(placeOrder(gaHeld))
      .then([gaPlaced, reserved(gaHeld, orderId, at, `ord-${orderId}`)]);
  });

  it("refuses another buyer's hold, a lapsed hold and a hold already in checkout", () => {
    given([held])
      .when({ ...placeOrder(held), data: { ...placeOrder(held).data, userId: 'bob' } } as InventoryCommand)
      .then('FORBIDDEN');
    given([held])
      .when(placeOrder(held, T0 + holdTtlMs))
      .then('HOLD_EXPIRED');
    given(ordered)
      .when(placeOrder(held, at, 'e.o2'))
      .then('ORDER_STATE');
  });

  it('lets no one settle an order reservation around its payment', () => {
    given(ordered).when(sellReservation(orderId, at)).then('ORDER_STATE');
  });
});

describe('orders: payment outcomes', () => {
  it('records the payment the provider created, once', () => {
    const initiate: InventoryCommand = {
      type: 'RecordPaymentInitiated',
      data: { orderId, provider: 'simulated', paymentId: 'pi_1', now: at },
    };
    given(ordered).when(initiate).then([initiated]);
    given(paying).when(initiate).then([]);
  });

  it('sells the seats and issues one ticket per seat on a success in time', () => {
    const now = at + 5_000;
    given(paying)
      .when(result('succeeded', now, 'evt_ok'))
      .then([
        {
          type: 'PaymentSucceeded',
          data: { orderId, providerEventId: 'evt_ok', paymentId: 'pi_1', late: false, at: now },
        },
        sold(held, orderId, now),
        {
          type: 'TicketIssued',
          data: { ticketId: `${orderId}-1`, orderId, userId: alice, seatId: 'ORCH-A-1', at: now },
        },
        {
          type: 'TicketIssued',
          data: { ticketId: `${orderId}-2`, orderId, userId: alice, seatId: 'ORCH-A-2', at: now },
        },
      ]);
  });

  it('puts the seats back on sale on a decline', () => {
    const now = at + 5_000;
    given(paying)
      .when(result('failed', now, 'evt_no'))
      .then([
        { type: 'PaymentFailed', data: { orderId, providerEventId: 'evt_no', reason: 'declined', at: now } },
        reservationReleased(held, orderId, now),
      ]);
  });

  it('ignores a redelivered webhook by its event id, and a failure reported after the success', () => {
    const paid = [...paying, ...decide(result('succeeded', at + 5_000, 'evt_ok'), stateFrom(paying))];
    given(paid)
      .when(result('succeeded', at + 6_000, 'evt_ok'))
      .then([]);
    given(paid)
      .when(result('succeeded', at + 6_000, 'evt_other'))
      .then([]);
    given(paid)
      .when(result('failed', at + 6_000, 'evt_no'))
      .then([]);
  });

  it('times out open payments from the timer, and nothing else', () => {
    given(paying)
      .when({ type: 'TimeOutPayments', data: { now: reservedUntil - 1 } })
      .then([]);
    given(paying)
      .when({ type: 'TimeOutPayments', data: { now: reservedUntil } })
      .then(timedOut(reservedUntil));
  });

  it('refunds a success that arrives after the timeout and never sells the seats', () => {
    const now = reservedUntil + 10_000;
    const late: InventoryEvent[] = [
      {
        type: 'PaymentSucceeded',
        data: { orderId, providerEventId: 'evt_late', paymentId: 'pi_1', late: true, at: now },
      },
      { type: 'RefundRequested', data: { orderId, amount: 18_000, currency: 'EUR', reason: 'late_payment', at: now } },
    ];
    // Timed out by the timer first, or lazily by the result itself: the log says the same thing.
    given([...paying, ...timedOut(reservedUntil)])
      .when(result('succeeded', now, 'evt_late'))
      .then(late);
    given(paying)
      .when(result('succeeded', now, 'evt_late'))
      .then([...timedOut(now), ...late]);
  });

  it('refunds a late success even when the seats were sold to someone else meanwhile', () => {
    const resold = seatsHeld('e.h9', 'bob', premium, reservedUntil + 1);
    const history = [...paying, ...timedOut(reservedUntil), resold];
    const state = stateFrom(history);
    const events = decide(result('succeeded', reservedUntil + 2, 'evt_late'), state);
    expect(events.map((event) => event.type)).toEqual(['PaymentSucceeded', 'RefundRequested']);
    const after = evolveAll(state, events);
    expect(seatMapView(after, reservedUntil + 2).seats['ORCH-A-1']!.status).toBe('held');
    expect(orderView(after, after.orders.get(orderId)!)).toMatchObject({
      status: 'refunded',
      refund: { status: 'pending' },
    });
    given([...history, ...events])
      .when({ type: 'RecordRefund', data: { orderId, refundId: 're_1', now: reservedUntil + 3 } })
      .then([{ type: 'PaymentRefunded', data: { orderId, refundId: 're_1', at: reservedUntil + 3 } }]);
  });

  it('records the cancellation of a timed-out payment once', () => {
    const cancel: InventoryCommand = { type: 'RecordPaymentCancelled', data: { orderId, now: reservedUntil + 1 } };
    given([...paying, ...timedOut(reservedUntil)])
      .when(cancel)
      .then([{ type: 'PaymentCancelled', data: { orderId, at: reservedUntil + 1 } }]);
    given(paying).when(cancel).then([]);
  });
});

describe('orders: a success for the wrong amount or currency', () => {
  const paid = (
    amount: number,
    currency: string,
    now: number,
    providerEventId = `evt-paid-${now}`,
  ): InventoryCommand => ({
    type: 'RecordPaymentResult',
    data: { orderId, outcome: 'succeeded', providerEventId, paymentId: 'pi_1', received: { amount, currency }, now },
  });
  const expected = { amount: 18_000, currency: 'EUR' };
  const rejected = (
    received: { amount: number; currency: string },
    reason: 'amount_mismatch' | 'currency_mismatch',
    now: number,
  ): InventoryEvent => ({
    type: 'PaymentRejected',
    data: { orderId, providerEventId: `evt-paid-${now}`, paymentId: 'pi_1', reason, expected, received, at: now },
  });
  const refundOf = (received: { amount: number; currency: string }, now: number): InventoryEvent => ({
    type: 'RefundRequested',
    data: { orderId, ...received, reason: 'payment_rejected', at: now },
  });

  it('sells the seats when amount and currency are the order’s', () => {
    const now = at + 5_000;
    const events = decide(paid(18_000, 'EUR', now), stateFrom(paying));
    expect(events.map((event) => event.type)).toEqual([
      'PaymentSucceeded',
      'ReservationSold',
      'TicketIssued',
      'TicketIssued',
    ]);
  });

  it('never sells on a smaller (or larger) amount: the seats go back on sale and what was taken is refunded', () => {
    const now = at + 5_000;
    for (const amount of [1, 17_999, 18_001]) {
      given(paying)
        .when(paid(amount, 'EUR', now))
        .then([
          rejected({ amount, currency: 'EUR' }, 'amount_mismatch', now),
          reservationReleased(held, orderId, now, 'payment_rejected'),
          refundOf({ amount, currency: 'EUR' }, now),
        ]);
    }
  });

  it('never sells on another currency, even for the same number', () => {
    const now = at + 5_000;
    given(paying)
      .when(paid(18_000, 'USD', now))
      .then([
        rejected({ amount: 18_000, currency: 'USD' }, 'currency_mismatch', now),
        reservationReleased(held, orderId, now, 'payment_rejected'),
        refundOf({ amount: 18_000, currency: 'USD' }, now),
      ]);
  });

  it('ends the order refunded, with the refund due for what was received, and records the refund once', () => {
    const now = at + 5_000;
    const state = stateFrom(paying);
    const events = decide(paid(100, 'EUR', now), state);
    const after = evolveAll(state, events);
    expect(orderView(after, after.orders.get(orderId)!)).toMatchObject({
      status: 'refunded',
      refund: { status: 'pending', reason: 'payment_rejected', refundId: null },
    });
    expect(after.orders.get(orderId)!.refundAmount).toBe(100);
    expect(orderView(after, after.orders.get(orderId)!).tickets).toBeUndefined();
    expect(seatMapView(after, now).seats['ORCH-A-1']!.status).toBe('available');
    expect(inventoryViolations(after)).toEqual([]);
    given([...paying, ...events])
      .when({ type: 'RecordRefund', data: { orderId, refundId: 're_1', now: now + 1 } })
      .then([{ type: 'PaymentRefunded', data: { orderId, refundId: 're_1', at: now + 1 } }]);
  });

  it('rejects a wrong amount that arrives after the timeout like a late payment: refunded, nothing released twice', () => {
    const now = reservedUntil + 10_000;
    given([...paying, ...timedOut(reservedUntil)])
      .when(paid(5, 'EUR', now))
      .then([
        rejected({ amount: 5, currency: 'EUR' }, 'amount_mismatch', now),
        refundOf({ amount: 5, currency: 'EUR' }, now),
      ]);
    given(paying)
      .when(paid(5, 'EUR', now))
      .then([
        ...timedOut(now),
        rejected({ amount: 5, currency: 'EUR' }, 'amount_mismatch', now),
        refundOf({ amount: 5, currency: 'EUR' }, now),
      ]);
  });

  it('changes nothing on a redelivery of the rejected report, or on a wrong report about a paid order', () => {
    const now = at + 5_000;
    const afterRejected = [...paying, ...decide(paid(1, 'EUR', now), stateFrom(paying))];
    given(afterRejected)
      .when(paid(1, 'EUR', now))
      .then([]);
    given(afterRejected)
      .when(paid(18_000, 'EUR', now + 1, 'evt-right'))
      .then([]);
    const sold_ = [...paying, ...decide(paid(18_000, 'EUR', now, 'evt-ok'), stateFrom(paying))];
    given(sold_)
      .when(paid(1, 'EUR', now + 1, 'evt-wrong'))
      .then([]);
  });

  it('survives a snapshot with the refund amount', () => {
    const now = at + 5_000;
    const state = stateFrom(paying);
    const after = evolveAll(state, decide(paid(7, 'EUR', now), state));
    const restored = fromSnapshot(venue, config, JSON.parse(JSON.stringify(toSnapshot(after))));
    expect(restored.orders.get(orderId)!.refundAmount).toBe(7);
  });
});

describe('orders: admin refund', () => {
  const now = at + 5_000;
  const paid = [...paying, ...decide(result('succeeded', now, 'evt_ok'), stateFrom(paying))];
  const refund = (when: number): InventoryCommand => ({
    type: 'RefundOrder',
    data: { orderId, reason: 'show cancelled', now: when },
  });

  it('returns a paid order’s seats to sale and asks for the money back', () => {
    given(paid)
      .when(refund(now + 1))
      .then([
        {
          type: 'SaleRefunded',
          data: {
            holdId: 'e.h1',
            userId: alice,
            seatIds: premium,
            quantity: 2,
            at: now + 1,
            orderId,
            reason: 'show cancelled',
          },
        },
        { type: 'RefundRequested', data: { orderId, amount: 18_000, currency: 'EUR', reason: 'admin', at: now + 1 } },
      ]);
    const state = stateFrom([...paid, ...decide(refund(now + 1), stateFrom(paid))]);
    const map = seatMapView(state, now + 1);
    expect(premium.map((seatId) => map.seats[seatId]!.status)).toEqual(['available', 'available']);
    expect(state.orders.get(orderId)).toMatchObject({ status: 'refunded', refundDue: true, refundId: undefined });
  });

  it('voids the tickets, records the provider’s refund once, and refunds only a paid order', () => {
    const refunded = [...paid, ...decide(refund(now + 1), stateFrom(paid))];
    given(refunded)
      .when({ type: 'CheckInTicket', data: { ticketId: `${orderId}-1`, now: now + 2 } })
      .then('TICKET_INVALID');
    given(refunded)
      .when(refund(now + 2))
      .then('ORDER_STATE');
    given(paying)
      .when(refund(now + 2))
      .then('ORDER_STATE');
    const record: InventoryCommand = { type: 'RecordRefund', data: { orderId, refundId: 're_1', now: now + 3 } };
    given(refunded)
      .when(record)
      .then([{ type: 'PaymentRefunded', data: { orderId, refundId: 're_1', at: now + 3 } }]);
  });

  it('gives general-admission places back to the section', () => {
    const gaOrdered: InventoryEvent[] = [gaHeld, ...decide(placeOrder(gaHeld), stateFrom([gaHeld]))];
    const gaPaid = [...gaOrdered, ...decide(result('succeeded', now, 'evt_ga'), stateFrom(gaOrdered))];
    expect(seatMapView(stateFrom(gaPaid), now).general.FLOOR!.available).toBe(7);
    const after = stateFrom([...gaPaid, ...decide(refund(now + 1), stateFrom(gaPaid))]);
    expect(seatMapView(after, now + 1).general.FLOOR!.available).toBe(10);
    expect(inventoryViolations(after)).toEqual([]);
  });
});

describe('tickets: check-in', () => {
  const now = at + 5_000;
  const paid = [...paying, ...decide(result('succeeded', now, 'evt_ok'), stateFrom(paying))];
  const checkIn = (when: number): InventoryCommand => ({
    type: 'CheckInTicket',
    data: { ticketId: `${orderId}-1`, gate: 'north', now: when },
  });

  it('admits a ticket once and reports the second scan', () => {
    given(paid)
      .when(checkIn(now + 1))
      .then([{ type: 'TicketCheckedIn', data: { ticketId: `${orderId}-1`, orderId, gate: 'north', at: now + 1 } }]);
    const scanned = [...paid, ...decide(checkIn(now + 1), stateFrom(paid))];
    given(scanned)
      .when(checkIn(now + 2))
      .then('TICKET_ALREADY_USED');
  });

  it('knows no ticket of an unpaid order', () => {
    given(paying).when(checkIn(now)).then('TICKET_INVALID');
  });

  it('keeps orders and tickets through a snapshot', () => {
    const state = stateFrom([...paid, ...decide(checkIn(now + 1), stateFrom(paid))]);
    const restored = fromSnapshot(venue, config, JSON.parse(JSON.stringify(toSnapshot(state))));
    expect(inventoryViolations(restored)).toEqual([]);
    expect(orderView(restored, restored.orders.get(orderId)!)).toEqual(orderView(state, state.orders.get(orderId)!));
    expect(() => decide(checkIn(now + 2), restored)).toThrow(/admitted/);
  });
});
