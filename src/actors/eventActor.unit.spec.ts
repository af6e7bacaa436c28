import { describe, expect, it } from 'vitest';
import { settle } from '../../test/support/settle.ts';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import type { BookingError } from '../domain/bookingError.ts';
import { assertInventorySound } from '../domain/seatMap/invariants.ts';
import type { HoldRequest } from '../domain/seatMap/views.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';
import type { CommittedBatch, EventActor } from './eventActor.ts';

const setup = async (wrap: (store: EventStore) => EventStore = (store) => store, snapshotEveryEvents = 1_000) => {
  const memory = openInMemoryStore();
  const venue = gridVenue();
  const event = eventFor(venue);
  await memory.catalog.createVenue(venue);
  await memory.catalog.createEvent(event);
  const clock = new ManualClock();
  const store = wrap(memory.eventStore);
  const committed: CommittedBatch[] = [];
  const activations = new Activations({
    store,
    catalog: memory.catalog,
    clock,
    actor: {
      sweepIntervalMs: 10,
      snapshotPolicy: { everyEvents: snapshotEveryEvents, intervalMinMs: 0 },
      checkInvariantsEveryBatch: true,
    },
    onCommitted: (batch) => committed.push(batch),
  });
  const actor = await activations.get(event.id);
  return { memory, store, clock, activations, actor, event, committed };
};

let holdCount = 0;
const hold = (actor: EventActor, userId: string, requestId: string, request: HoldRequest) =>
  actor.send(
    (now) => ({ type: 'PlaceHold', data: { holdId: `evt_test.h${++holdCount}`, userId, requestId, request, now } }),
    {
      userId,
      requestId,
    },
  );

const seats = (...seatIds: string[]): HoldRequest => ({ kind: 'seats', seatIds });

describe('event actor', () => {
  it('commits a burst of commands as one batch, in one append, and answers each', async () => {
    let appends = 0;
    const { actor, committed } = await setup((store) => ({
      ...store,
      append: (...args) => {
        appends += 1;
        return store.append(...args);
      },
    }));
    const replies = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => hold(actor, `u${i}`, `r${i}`, seats(`ORCH-A-${(i % 10) + 1}`))),
    );
    expect(replies.filter((reply) => reply.status === 'fulfilled')).toHaveLength(10);
    const rejected = replies.filter((reply): reply is PromiseRejectedResult => reply.status === 'rejected');
    expect(rejected.map((reply) => (reply.reason as BookingError).code)).toEqual(Array(30).fill('SEAT_UNAVAILABLE'));
    expect(appends).toBe(1);
    expect(committed).toHaveLength(1);
    expect(committed[0]!.diff).toMatchObject({ fromVersion: 0, version: 10 });
    expect(committed[0]!.diff.changes).toHaveLength(10);
  });

  it('answers a retried request with the first answer, acting once', async () => {
    const { actor, memory } = await setup();
    const first = await hold(actor, 'alice', 'req-1', seats('ORCH-A-1'));
    const again = await hold(actor, 'alice', 'req-1', seats('ORCH-A-1'));
    expect(again.outcome).toEqual(first.outcome);
    expect(again.events).toEqual([]);
    await expect(hold(actor, 'bob', 'req-9', seats('ORCH-A-1'))).rejects.toMatchObject({ code: 'SEAT_UNAVAILABLE' });
    await expect(hold(actor, 'bob', 'req-9', seats('ORCH-A-1'))).rejects.toMatchObject({ code: 'SEAT_UNAVAILABLE' });
    // Another payload under a used request id is not a retry (src/actors/idempotency.unit.spec.ts).
    await expect(hold(actor, 'bob', 'req-9', seats('ORCH-A-2'))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(await memory.eventStore.readStream('event-evt_test')).toHaveLength(1);
  });

  it('answers UNAVAILABLE when the append fails, acknowledges nothing and reloads from the store', async () => {
    let failNext = false;
    const { actor } = await setup((store) => ({
      ...store,
      append: (...args) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('database down'));
        }
        return store.append(...args);
      },
    }));
    await hold(actor, 'alice', 'a1', seats('ORCH-A-1'));
    failNext = true;
    await expect(hold(actor, 'bob', 'b1', seats('ORCH-A-2'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect((await actor.seatMap()).seats['ORCH-A-2']!.status).toBe('available');
    expect((await actor.seatMap()).seats['ORCH-A-1']!.status).toBe('held');
    // The same request, retried, now succeeds: an UNAVAILABLE answer is not remembered as the first answer.
    await expect(hold(actor, 'bob', 'b1', seats('ORCH-A-2'))).resolves.toMatchObject({ outcome: { kind: 'hold' } });
    await actor.read((state) => assertInventorySound(state));
  });

  it('never shows a reader a change whose append has not committed', async () => {
    let failNext = false;
    let failAppend: (() => void) | undefined;
    const { actor } = await setup((store) => ({
      ...store,
      append: (...args) => {
        if (!failNext) return store.append(...args);
        failNext = false;
        return new Promise((_, reject) => {
          failAppend = () => reject(new Error('database down'));
        });
      },
    }));
    failNext = true;
    const replies = Promise.allSettled([hold(actor, 'carol', 'c1', seats('ORCH-A-3')), actor.seatMap()]);
    // The read joined the hold's batch and waits for its append, which fails only once it has been sent.
    await expect.poll(() => failAppend).toBeDefined();
    failAppend!();
    const [held, map] = await replies;
    expect(held.status).toBe('rejected');
    expect(map.status === 'fulfilled' && map.value.seats['ORCH-A-3']!.status).toBe('available');
    expect(map.status === 'fulfilled' && map.value.version).toBe(0);
  });

  it('acknowledges each batch only once its own append is durable, and a failed next batch leaves the last one standing', async () => {
    const gates: { resolve: () => void; reject: (error: Error) => void }[] = [];
    const { actor } = await setup((store) => ({
      ...store,
      append: (...args) =>
        new Promise((resolve, reject) => {
          gates.push({ resolve: () => store.append(...args).then(resolve, reject), reject });
        }),
    }));
    const settled: string[] = [];
    const first = hold(actor, 'ann', 'a', seats('ORCH-B-1')).then(() => settled.push('first'));
    await expect.poll(() => gates.length).toBe(1);
    const second = hold(actor, 'ben', 'b', seats('ORCH-B-2')).then(
      () => settled.push('second ok'),
      (error: BookingError) => settled.push(`second ${error.code}`),
    );
    await settle();
    expect(settled).toEqual([]);
    expect(actor.mailboxLength).toBe(1);
    gates[0]!.resolve();
    await first;
    // The second batch's append is sent as soon as the first is durable, before its answer is known.
    expect(gates.length).toBe(2);
    expect(settled).toEqual(['first']);
    expect(actor.version).toBe(1);
    gates[1]!.reject(new Error('database down'));
    await second;
    expect(settled).toEqual(['first', 'second UNAVAILABLE']);
    const map = await actor.seatMap();
    expect([map.seats['ORCH-B-1']!.status, map.seats['ORCH-B-2']!.status]).toEqual(['held', 'available']);
  });

  it('answers UNAVAILABLE and rebuilds from the store when a batch leaves the inventory unsound', async () => {
    const { actor, memory } = await setup();
    await hold(actor, 'dan', 'd1', seats('ORCH-C-9'));
    // Simulates a bug in evolve: the counts no longer add up.
    await actor.read((state) => {
      state.counts[0]! += 1;
    });
    const appended = await memory.eventStore.readStream('event-evt_test');
    await expect(hold(actor, 'eve', 'e1', seats('ORCH-C-10'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // Caught before its append: nothing of an unsound batch becomes durable.
    expect(await memory.eventStore.readStream('event-evt_test')).toHaveLength(appended.length);
    // Rebuilt from the store: the inventory is sound again, and the retry that UNAVAILABLE asks for is decided anew.
    await actor.read((state) => assertInventorySound(state));
    await expect(hold(actor, 'eve', 'e1', seats('ORCH-C-10'))).resolves.toMatchObject({
      events: [{ type: 'HoldPlaced' }],
      outcome: { kind: 'hold' },
    });
    const map = await actor.seatMap();
    expect([map.seats['ORCH-C-9']!.status, map.seats['ORCH-C-10']!.status]).toEqual(['held', 'held']);
  });

  it('expires a hold by its own timer and publishes the change without any read', async () => {
    const { actor, clock, committed } = await setup();
    await hold(actor, 'alice', 'a1', seats('ORCH-B-3', 'ORCH-B-4'));
    clock.advance(61_000);
    await expect.poll(() => committed.length, { timeout: 2_000 }).toBe(2);
    expect(committed[1]!.events.map((event) => event.type)).toEqual(['HoldExpired']);
    expect(committed[1]!.diff.changes.map((change) => change.status)).toEqual(['available', 'available']);
  });

  it('activates from the latest snapshot plus the events after it', async () => {
    const { actor, activations, memory, clock } = await setup(undefined, 3);
    for (let i = 1; i <= 5; i++) await hold(actor, `u${i}`, 'r', seats(`ORCH-C-${i}`));
    const before = await actor.seatMap();
    await actor.stop();
    const snapshot = await memory.eventStore.loadSnapshot('event-evt_test');
    expect(snapshot?.version).toBe(5);
    const reloaded = await activations.load('evt_test');
    expect(reloaded.inventory.version).toBe(5);
    const fresh = new Activations({ store: memory.eventStore, catalog: memory.catalog, clock });
    const again = await fresh.get('evt_test');
    expect(await again.seatMap()).toEqual(before);
    await again.stop();
  });

  it('refuses commands beyond the mailbox limit with UNAVAILABLE', async () => {
    const memory = openInMemoryStore();
    const venue = gridVenue();
    await memory.catalog.createVenue(venue);
    await memory.catalog.createEvent(eventFor(venue));
    const activations = new Activations({
      store: memory.eventStore,
      catalog: memory.catalog,
      clock: new ManualClock(),
      actor: { mailboxLengthMax: 5 },
    });
    const actor = await activations.get('evt_test');
    const replies = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => hold(actor, `u${i}`, 'r', seats(`ORCH-D-${(i % 10) + 1}`))),
    );
    const codes = replies.map((reply) => (reply.status === 'fulfilled' ? 'ok' : (reply.reason as BookingError).code));
    expect(codes.filter((code) => code === 'UNAVAILABLE').length).toBeGreaterThan(0);
    expect(codes.filter((code) => code === 'ok').length).toBeGreaterThan(0);
  });
});
