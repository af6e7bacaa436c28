import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl, dropSchema, uniqueSchema } from '../../test/support/postgres.ts';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { openStore } from '../app/startServer.ts';
import { BookingError } from '../domain/bookingError.ts';
import { HeldEpochs } from '../persistence/fence.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations, type ReleaseReason } from './activations.ts';

const schema = uniqueSchema('fenced_actor');
afterAll(async () => {
  await dropSchema(schema);
});

const hold = (seat: number) => (now: number) => ({
  type: 'PlaceHold' as const,
  data: {
    holdId: `evt_test.h${seat}`,
    userId: `u${seat}`,
    requestId: `r${seat}`,
    request: { kind: 'seats' as const, seatIds: [`ORCH-A-${seat}`] },
    now,
  },
});

describe('an event actor on a fenced Postgres store (cluster mode)', () => {
  it('is refused by the epoch once another node claimed its event, acknowledges nothing more, and stops', async () => {
    const heldA = new HeldEpochs();
    const heldB = new HeldEpochs();
    const a = await openStore({ kind: 'postgres', url: databaseUrl, schema, fence: heldA });
    const b = await openStore({ kind: 'postgres', url: databaseUrl, schema, fence: heldB });
    try {
      const venue = gridVenue();
      await a.catalog.createVenue(venue);
      await a.catalog.createEvent(eventFor(venue));
      const clock = new ManualClock();
      const released: ReleaseReason[] = [];
      const recoveries: string[] = [];
      const activationsOf = (store: typeof a, held: HeldEpochs, node: string) =>
        new Activations({
          store: store.eventStore,
          catalog: store.catalog,
          clock,
          claim: async (eventId) =>
            held.hold(`event-${eventId}`, await store.ownerEpochs!.claim(`event-${eventId}`, node)),
          released: (_eventId, why) => released.push(why),
          onRecovery: (event) => recoveries.push(event),
        });
      const onA = activationsOf(a, heldA, 'node-a');
      const actorA = await onA.get('evt_test');
      await actorA.send(hold(1), { userId: 'u1', requestId: 'r1' });

      // Node B takes the event over (node A was paused past its lease): a new epoch, the log as A left it.
      const onB = activationsOf(b, heldB, 'node-b');
      const actorB = await onB.get('evt_test');
      expect(heldB.epochOf('event-evt_test')).toBe(2);

      // Node A wakes up and still believes it owns the event: its next batch is refused by the epoch.
      const refused = await actorA.send(hold(2), { userId: 'u2', requestId: 'r2' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BookingError);
      expect((refused as BookingError).code).toBe('UNAVAILABLE');
      expect(recoveries).toEqual(['fenced']);
      expect(released).toEqual(['retired']);
      // It stopped: a later command is refused at once, and A's activations no longer list the event.
      await expect(actorA.send(hold(3), { userId: 'u3', requestId: 'r3' })).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
      expect(onA.activeEventIds()).toEqual([]);

      // Nothing of A's refused batch is in the log; B serves the seat, and A's acknowledged hold is there.
      expect((await b.eventStore.readStream('event-evt_test')).map((stored) => stored.type)).toEqual(['HoldPlaced']);
      await actorB.send(hold(2), { userId: 'u2', requestId: 'r2' });
      const seats = (await actorB.seatMap()).seats;
      expect(seats['ORCH-A-1']?.status).toBe('held');
      expect(seats['ORCH-A-2']?.status).toBe('held');
      await onB.stopAll();
      await onA.stopAll();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
