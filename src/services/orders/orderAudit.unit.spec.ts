import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../../test/support/venues.ts';
import { Activations } from '../../actors/activations.ts';
import { type EventActor, streamIdOf } from '../../actors/eventActor.ts';
import { createSimulatedProvider } from '../../payments/simulated/simulatedProvider.ts';
import { eventStoreAuditLog } from '../../persistence/auditLog.ts';
import type { EventStore, StoredEvent } from '../../persistence/eventStore.ts';
import { openInMemoryStore } from '../../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../../platform/clock.ts';
import { createOrderAudit } from './orderAudit.ts';
import { createOrderReads } from './orderReads.ts';
import { createPaymentSaga } from './paymentSaga.ts';

/** The store as the service sees it, counting every event row any read hands back. */
const countingStore = (store: EventStore) => {
  const counter = { rows: 0 };
  const counted = async (read: Promise<StoredEvent[]>) => {
    const rows = await read;
    counter.rows += rows.length;
    return rows;
  };
  const wrapped: EventStore = {
    ...store,
    readStream: (streamId, afterVersion, limit) => counted(store.readStream(streamId, afterVersion, limit)),
    readStreamVersions: (streamId, versions) => counted(store.readStreamVersions(streamId, versions)),
    readAll: (afterPosition, limit) => counted(store.readAll(afterPosition, limit)),
  };
  return { wrapped, counter };
};

const holdSeat = (actor: EventActor, userId: string, holdId: string, seatId: string) =>
  actor.send((now) => ({
    type: 'PlaceHold',
    data: { holdId, userId, requestId: holdId, request: { kind: 'seats', seatIds: [seatId] }, now },
  }));
const releaseSeat = (actor: EventActor, userId: string, holdId: string) =>
  actor.send((now) => ({ type: 'ReleaseHold', data: { holdId, userId, requestId: `rel-${holdId}`, now } }));

describe('order history', () => {
  it('reads the rows of its own booking, not the whole stream, and they are the audit trail a full scan finds', async () => {
    const memory = openInMemoryStore();
    const venue = gridVenue();
    await memory.catalog.createVenue(venue);
    await memory.catalog.createEvent(eventFor(venue));
    const { wrapped, counter } = countingStore(memory.eventStore);
    const activations = new Activations({ store: wrapped, catalog: memory.catalog, clock: new ManualClock() });
    const log = eventStoreAuditLog(wrapped);
    const saga = createPaymentSaga({ reads: createOrderReads(activations), provider: createSimulatedProvider() });
    const audit = createOrderAudit({ reads: createOrderReads(activations), log });
    try {
      const actor = await activations.get('evt_test');
      // Other buyers make the stream long before and after our order: 2 × 1,500 events around it.
      const churn = async (tag: string) => {
        for (let i = 0; i < 750; i++) {
          await holdSeat(actor, 'other', `evt_test.${tag}${i}`, 'ORCH-D-10');
          await releaseSeat(actor, 'other', `evt_test.${tag}${i}`);
        }
      };
      await churn('before');
      await holdSeat(actor, 'buyer', 'evt_test.mine', 'ORCH-A-1');
      const { orderId } = await saga.placeOrder('evt_test.mine', 'buyer', 'order-1');
      await saga.pay(orderId, 'buyer', 'pm_card_visa');
      await churn('after');

      const rowsBefore = counter.rows;
      const history = await audit.history(orderId, 'buyer');
      const rowsRead = counter.rows - rowsBefore;

      const everything = await memory.eventStore.readStream(streamIdOf('evt_test'));
      expect(everything.length).toBeGreaterThan(3_000);
      const scanned = everything.filter((event) => {
        const data = event.data as { orderId?: string; holdId?: string };
        return data.orderId === orderId || data.holdId === 'evt_test.mine';
      });
      expect(history.map((entry) => entry.version)).toEqual(scanned.map((event) => event.streamVersion));
      expect(history.map((entry) => entry.type)).toEqual([
        'HoldPlaced',
        'OrderPlaced',
        'HoldReserved',
        'PaymentInitiated',
        'PaymentCardRecorded',
        'PaymentSucceeded',
        'ReservationSold',
        'TicketIssued',
      ]);
      expect(rowsRead).toBe(history.length);

      // The positions travel in the snapshot the stop takes: a new activation finds the same trail.
      await activations.stopAll();
      expect((await memory.eventStore.loadSnapshot(streamIdOf('evt_test')))?.version).toBe(everything.length);
      const again = new Activations({ store: wrapped, catalog: memory.catalog, clock: new ManualClock() });
      const reloaded = createOrderAudit({ reads: createOrderReads(again), log });
      try {
        expect(await reloaded.history(orderId, 'buyer')).toEqual(history);
      } finally {
        await again.stopAll();
      }
    } finally {
      await activations.stopAll();
    }
  });
});
