import { describe, expect, it } from 'vitest';
import type { InventoryCommand } from '../seatMap/commands.ts';
import { decide } from '../seatMap/decide.ts';
import type { InventoryEvent } from '../seatMap/events.ts';
import { evolveAll } from '../seatMap/evolve.ts';
import {
  config,
  holdSeats,
  releaseHold,
  seatsHeld,
  stateFrom,
  T0,
  t,
  waitlistHeld,
} from '../seatMap/inventoryFixture.ts';
import { notificationsOf } from './notifications.ts';

const alice = 'alice';
const eventId = config.id;
const seats = ['ORCH-A-1', 'ORCH-A-2'];
const held = seatsHeld('e.h1', alice, seats, T0);
const orderId = 'e.o1';

/** Decides each command on the state the events before it leave, as the actor does, and keeps every event. */
const history = (commands: readonly InventoryCommand[], start: readonly InventoryEvent[] = [held]) => {
  const events = [...start];
  for (const command of commands) events.push(...decide(command, stateFrom(events)));
  return events;
};
/** given(history).when(command): the notices the batch of that one command causes. */
const given = (past: readonly InventoryEvent[]) => ({
  when: (command: InventoryCommand) => {
    const state = stateFrom(past);
    const batch = decide(command, state);
    return notificationsOf(batch, evolveAll(state, batch));
  },
});

const placeOrder: InventoryCommand = {
  type: 'PlaceOrder',
  data: { orderId, holdId: 'e.h1', userId: alice, requestId: 'ord-1', now: t(1) },
};
const initiated: InventoryCommand = {
  type: 'RecordPaymentInitiated',
  data: { orderId, provider: 'simulated', paymentId: 'pi_1', now: t(2) },
};
const paying = history([placeOrder, initiated]);
const result = (outcome: 'succeeded' | 'failed', now: number, reason?: string): InventoryCommand => ({
  type: 'RecordPaymentResult',
  data: {
    orderId,
    outcome,
    providerEventId: `evt-${outcome}-${now}`,
    paymentId: 'pi_1',
    now,
    ...(reason === undefined ? {} : { reason }),
  },
});

describe('notifications of a batch', () => {
  it('confirms a paid order with its tickets, keyed by the order', () => {
    const notices = given(paying).when(result('succeeded', t(3)));
    expect(notices).toEqual([
      {
        key: `order_confirmed:${eventId}:${orderId}`,
        topic: 'order_confirmed',
        userId: alice,
        eventId,
        at: t(3),
        data: {
          orderId,
          amount: 18_000,
          currency: 'EUR',
          tickets: [
            { ticketId: `${orderId}-1`, seatId: 'ORCH-A-1' },
            { ticketId: `${orderId}-2`, seatId: 'ORCH-A-2' },
          ],
        },
      },
    ]);
  });

  it('tells a declined payment, with its reason', () => {
    expect(given(paying).when(result('failed', t(3), 'card_declined'))).toEqual([
      {
        key: `payment_failed:${eventId}:${orderId}`,
        topic: 'payment_failed',
        userId: alice,
        eventId,
        at: t(3),
        data: { orderId, amount: 18_000, currency: 'EUR', reason: 'card_declined', timedOut: false },
      },
    ]);
  });

  it('tells a payment that timed out, under the same key a failure would have', () => {
    const notices = given(paying).when({ type: 'TimeOutPayments', data: { now: t(3) + 600_000 } });
    expect(notices.map((notice) => [notice.key, notice.topic, notice.data])).toEqual([
      [
        `payment_failed:${eventId}:${orderId}`,
        'payment_failed',
        { orderId, amount: 18_000, currency: 'EUR', reason: 'timed_out', timedOut: true },
      ],
    ]);
  });

  it('tells nothing for a late success until its refund is done, then tells the refund', () => {
    const timedOut = history([{ type: 'TimeOutPayments', data: { now: t(700) } }], paying);
    expect(given(timedOut).when(result('succeeded', t(701)))).toEqual([]);
    const refundDue = history([result('succeeded', t(701))], timedOut);
    expect(given(refundDue).when({ type: 'RecordRefund', data: { orderId, refundId: 're_1', now: t(702) } })).toEqual([
      {
        key: `order_refunded:${eventId}:${orderId}`,
        topic: 'order_refunded',
        userId: alice,
        eventId,
        at: t(702),
        data: { orderId, amount: 18_000, currency: 'EUR', reason: 'late_payment' },
      },
    ]);
  });

  it('tells an admin refund once the provider has given the money back', () => {
    const paid = history([result('succeeded', t(3))], paying);
    const refunding = history([{ type: 'RefundOrder', data: { orderId, reason: 'show cancelled', now: t(4) } }], paid);
    expect(given(paid).when({ type: 'RefundOrder', data: { orderId, reason: 'show cancelled', now: t(4) } })).toEqual(
      [],
    );
    expect(
      given(refunding).when({ type: 'RecordRefund', data: { orderId, refundId: 're_1', now: t(5) } })[0]?.data,
    ).toEqual({ orderId, amount: 18_000, currency: 'EUR', reason: 'admin' });
  });

  it('tells a waitlist offer when a hold is placed for an entry, keyed by the hold', () => {
    const offer = waitlistHeld('e.w1-offer', 'bob', ['ORCH-A-3'], t(9), 'e.w1');
    expect(notificationsOf([held, offer], stateFrom([held, offer]))).toEqual([
      {
        key: `waitlist_offer:${eventId}:e.w1-offer`,
        topic: 'waitlist_offer',
        userId: 'bob',
        eventId,
        at: t(9),
        data: {
          entryId: 'e.w1',
          holdId: 'e.w1-offer',
          seatIds: ['ORCH-A-3'],
          quantity: 1,
          expiresAt: offer.data.expiresAt,
        },
      },
    ]);
  });

  it('tells nobody about seats gathered for a protected entry (held in no buyer’s name)', () => {
    const gathered = waitlistHeld('e.w1-gather-1', 'waitlist:e.w1', ['ORCH-A-3'], t(9), 'e.w1');
    expect(notificationsOf([held, gathered], stateFrom([held, gathered]))).toEqual([]);
  });

  it('tells nothing for holds, releases and orders being placed (the flash sale’s hot path)', () => {
    expect(given([]).when(holdSeats('e.h2', alice, ['ORCH-A-5'], T0))).toEqual([]);
    expect(given([held]).when(releaseHold('e.h1', alice, t(1)))).toEqual([]);
    expect(given([held]).when(placeOrder)).toEqual([]);
  });
});
