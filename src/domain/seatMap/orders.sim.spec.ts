import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBookingError } from '../bookingError.ts';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { InventoryEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { inventoryViolations } from './invariants.ts';
import { config, freshState, paymentTimeoutMs, T0, venue } from './inventoryFixture.ts';
import { orderView } from './read.ts';
import { fromSnapshot, toSnapshot } from './snapshot.ts';

/**
 * Payments arrive in any order: results before their creation is recorded, duplicates, failures after
 * successes, successes after timeouts, timer sweeps at any moment, retried orders, resales of released seats.
 * Whatever the interleaving, each order that the provider reports paid ends as exactly one sold booking or
 * exactly one refund, no seat is sold twice, and the inventory stays sound after every step.
 */
const seats = ['ORCH-A-1', 'ORCH-A-2', 'ORCH-A-3', 'ORCH-B-1'];
const buyers = ['ann', 'ben', 'cat'];

const step = fc.oneof(
  fc.record({
    kind: fc.constant('hold' as const),
    buyer: fc.nat(2),
    seats: fc.subarray(seats, { minLength: 1, maxLength: 2 }),
    ga: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('order' as const), pick: fc.nat(3), retry: fc.boolean() }),
  fc.record({ kind: fc.constant('initiate' as const), pick: fc.nat(3) }),
  fc.record({
    kind: fc.constant('result' as const),
    pick: fc.nat(3),
    succeeded: fc.boolean(),
    eventId: fc.nat(3),
    // What the provider says it took: mostly the order's amount, sometimes less, or the same number in another currency.
    received: fc.constantFrom('order', 'order', 'order', 'less', 'currency'),
  }),
  fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat(3) }),
  fc.record({ kind: fc.constant('timeout' as const) }),
  fc.record({
    kind: fc.constant('advance' as const),
    ms: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 20_000 }), weight: 3 },
      { arbitrary: fc.integer({ min: 0, max: paymentTimeoutMs + 60_000 }), weight: 1 },
    ),
  }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(3), refund: fc.boolean() }),
);

describe('orders under any interleaving of payments, timeouts, retries and webhooks (simulation)', () => {
  it('ends each paid order as exactly one sold booking or one refund, and sells no seat twice', () => {
    // A fixed default keeps CI reproducible; SIM_SEED explores others.
    const seed = Number(process.env.SIM_SEED ?? 20_260_101);
    console.log(`orders.sim seed ${seed} (replay with SIM_SEED=${seed})`);
    const reached = { sold: 0, refunded: 0, failed: 0, timedOut: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.array(step, { minLength: 30, maxLength: 120 }), (steps) => {
        const state = freshState({ ...config, maxSeatsPerUser: 10 });
        const log: InventoryEvent[] = [];
        const holds: { holdId: string; userId: string }[] = [];
        const orders: { orderId: string; holdId: string; userId: string; requestId: string }[] = [];
        const results: InventoryCommand[] = [];
        const reportedPaid = new Set<string>();
        let now = T0;
        // Picks favour recent entries, so holds become orders and orders get results before they lapse.
        const recent = <T>(list: readonly T[], pick: number): T | undefined =>
          list[list.length - 1 - (pick % Math.max(1, list.length))];
        let counter = 0;
        const run = (command: InventoryCommand): boolean => {
          let events: InventoryEvent[];
          try {
            events = decide(command, state);
          } catch (error) {
            if (isBookingError(error)) return false;
            throw error;
          }
          for (const event of events) evolve(state, event);
          log.push(...events);
          expect(inventoryViolations(state), `seed ${seed}, after ${command.type}`).toEqual([]);
          return true;
        };
        for (const s of steps) {
          counter += 1;
          switch (s.kind) {
            case 'hold': {
              const holdId = `e.h${counter}`;
              const userId = buyers[s.buyer]!;
              const request = s.ga
                ? { kind: 'general' as const, sectionId: 'FLOOR', quantity: s.seats.length }
                : { kind: 'seats' as const, seatIds: s.seats };
              if (run({ type: 'PlaceHold', data: { holdId, userId, requestId: `h${counter}`, request, now } }))
                holds.push({ holdId, userId });
              break;
            }
            case 'order': {
              const previous = recent(orders, s.pick);
              const hold = s.retry && previous !== undefined ? previous : recent(holds, s.pick);
              if (hold === undefined) break;
              const order =
                s.retry && previous !== undefined
                  ? previous
                  : { orderId: `e.o${counter}`, holdId: hold.holdId, userId: hold.userId, requestId: `o${counter}` };
              // A retry reuses the first attempt's hold and request id with a fresh order id, as a second POST would.
              const accepted = run({
                type: 'PlaceOrder',
                data: { ...order, orderId: s.retry ? `e.o${counter}` : order.orderId, now },
              });
              if (accepted && !orders.includes(order)) orders.push(order);
              break;
            }
            case 'initiate': {
              const order = recent(orders, s.pick);
              if (order !== undefined)
                run({
                  type: 'RecordPaymentInitiated',
                  data: { orderId: order.orderId, provider: 'sim', paymentId: `pi-${order.orderId}`, now },
                });
              break;
            }
            case 'result': {
              const order = recent(orders, s.pick);
              if (order === undefined) break;
              const outcome = s.succeeded ? 'succeeded' : 'failed';
              const amount = state.orders.get(order.orderId)?.amount ?? 0;
              const received =
                s.received === 'order'
                  ? { amount, currency: 'EUR' }
                  : s.received === 'less'
                    ? { amount: Math.max(0, amount - 1), currency: 'EUR' }
                    : { amount, currency: 'USD' };
              const command: InventoryCommand = {
                type: 'RecordPaymentResult',
                data: {
                  orderId: order.orderId,
                  outcome,
                  providerEventId: `${order.orderId}:${outcome}:${s.eventId}`,
                  paymentId: `pi-${order.orderId}`,
                  received,
                  now,
                },
              };
              if (s.succeeded && state.orders.has(order.orderId)) reportedPaid.add(order.orderId);
              results.push(command);
              run(command);
              break;
            }
            case 'redeliver': {
              const first = recent(results, s.pick);
              if (first !== undefined) run({ ...first, data: { ...first.data, now } } as InventoryCommand);
              break;
            }
            case 'timeout':
              run({ type: 'TimeOutPayments', data: { now } });
              break;
            case 'advance':
              now += s.ms;
              break;
            case 'settle': {
              const order = recent(orders, s.pick);
              if (order === undefined) break;
              run(
                s.refund
                  ? { type: 'RecordRefund', data: { orderId: order.orderId, refundId: `re-${order.orderId}`, now } }
                  : { type: 'RecordPaymentCancelled', data: { orderId: order.orderId, now } },
              );
              break;
            }
            default: {
              const _exhaustive: never = s;
              throw new Error(`unknown step ${JSON.stringify(_exhaustive)}`);
            }
          }
        }

        const soldSeats = new Map<string, number>();
        for (const event of log) {
          if (event.type === 'ReservationSold')
            for (const seatId of event.data.seatIds) soldSeats.set(seatId, (soldSeats.get(seatId) ?? 0) + 1);
        }
        for (const [seatId, times] of soldSeats) expect(times, `seed ${seed}: ${seatId} sold ${times} times`).toBe(1);

        for (const orderId of reportedPaid) {
          const ofOrder = log.filter((event) => 'orderId' in event.data && event.data.orderId === orderId);
          // A success is recorded once: as paid (in time or late), or as rejected for the wrong amount or currency.
          const successes = ofOrder.filter(
            (event) => event.type === 'PaymentSucceeded' || event.type === 'PaymentRejected',
          );
          const soldBookings = ofOrder.filter((event) => event.type === 'ReservationSold').length;
          const refunds = ofOrder.filter((event) => event.type === 'RefundRequested').length;
          const refunded = ofOrder.filter((event) => event.type === 'PaymentRefunded').length;
          const order = state.orders.get(orderId)!;
          expect(successes, `seed ${seed}: ${orderId} recorded paid ${successes.length} times`).toHaveLength(1);
          expect(soldBookings + refunds, `seed ${seed}: ${orderId} sold ${soldBookings}, refunds ${refunds}`).toBe(1);
          expect(refunded).toBeLessThanOrEqual(1);
          expect(order.status).toBe(soldBookings === 1 ? 'succeeded' : 'refunded');
          if (soldBookings === 1) expect(order.ticketIds).toHaveLength(order.quantity);
        }
        for (const event of log) {
          if (event.type === 'ReservationSold') reached.sold += 1;
          if (event.type === 'RefundRequested') reached.refunded += 1;
          if (event.type === 'PaymentFailed') reached.failed += 1;
          if (event.type === 'PaymentTimedOut') reached.timedOut += 1;
          if (event.type === 'PaymentRejected') reached.rejected += 1;
        }
        // An order nobody reported paid was never sold.
        for (const order of state.orders.values())
          if (!reportedPaid.has(order.orderId)) expect(order.status).not.toBe('succeeded');

        const restored = fromSnapshot(venue, state.config, JSON.parse(JSON.stringify(toSnapshot(state))));
        expect(inventoryViolations(restored)).toEqual([]);
        for (const order of state.orders.values())
          expect(orderView(restored, restored.orders.get(order.orderId)!)).toEqual(orderView(state, order));
      }),
      { seed, numRuns: 400 },
    );
    // The generator must reach every ending, or the property above proves little.
    for (const [ending, count] of Object.entries(reached))
      expect(count, `seed ${seed}: no run reached ${ending}`).toBeGreaterThan(0);
    // 400 runs took 2.9 and 5.3 s in two runs at load average ~11 (past vitest's 5 s default); the timeout leaves room.
  }, 60_000);
});
