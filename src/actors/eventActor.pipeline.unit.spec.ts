import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import type { BookingError } from '../domain/bookingError.ts';
import type { HoldPlaced } from '../domain/seatMap/events.ts';
import type { AppendChain, AppendResult, EventStore, NewEvent } from '../persistence/eventStore.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';
import type { CommittedBatch, EventActor } from './eventActor.ts';

/**
 * Pipelined appends: the actor sends batch N+1's append before batch N is durable. The store here holds every append
 * until the test lets it through (`commit`: into the in-memory store, in whatever order the test picks), fails it, or
 * answers it without writing (a store that answers out of order). Time is the manual clock's alone.
 */
type HeldAppend = Readonly<{
  expectedVersion: number;
  chain: AppendChain | undefined;
  events: readonly NewEvent[];
  commit: () => Promise<void>;
  fail: (error: Error) => void;
  answerWithoutWriting: () => void;
}>;

const heldStore = (inner: EventStore) => {
  const appends: HeldAppend[] = [];
  let loads = 0;
  const store: EventStore = {
    ...inner,
    append: (streamId, expectedVersion, events, outbox, chain) =>
      new Promise<AppendResult>((resolve, reject) => {
        appends.push({
          expectedVersion,
          chain,
          events,
          commit: () => inner.append(streamId, expectedVersion, events, outbox, chain).then(resolve, reject),
          fail: reject,
          answerWithoutWriting: () =>
            resolve({ fromVersion: expectedVersion + 1, toVersion: expectedVersion + events.length, lastPosition: 0 }),
        });
      }),
    loadSnapshot: (...args) => {
      loads += 1;
      return inner.loadSnapshot(...args);
    },
  };
  return { store, appends, loads: () => loads };
};

/** Pipelined (2 appends in flight) unless the case says otherwise. */
const setup = async (actor: { appendsInFlightMax?: number; snapshotEveryEvents?: number } = {}) => {
  const memory = openInMemoryStore();
  const venue = gridVenue();
  await memory.catalog.createVenue(venue);
  await memory.catalog.createEvent(eventFor(venue));
  const clock = new ManualClock();
  const held = heldStore(memory.eventStore);
  const committed: CommittedBatch[] = [];
  const activations = new Activations({
    store: held.store,
    catalog: memory.catalog,
    clock,
    actor: {
      checkInvariantsEveryBatch: true,
      sweepIntervalMs: 60_000,
      appendTimeoutMs: 800,
      appendsInFlightMax: actor.appendsInFlightMax ?? 2,
      snapshotPolicy: { everyEvents: actor.snapshotEveryEvents ?? 1_000, intervalMinMs: 0 },
    },
    onCommitted: (batch) => committed.push(batch),
  });
  const eventActor = await activations.get('evt_test');
  return { memory, clock, actor: eventActor, committed, ...held };
};

const hold = (actor: EventActor, userId: string, requestId: string, seatId: string) =>
  actor.send(
    (now) => ({
      type: 'PlaceHold',
      data: { holdId: `evt_test.${requestId}`, userId, requestId, request: { kind: 'seats', seatIds: [seatId] }, now },
    }),
    { userId, requestId },
  );

/** Runs everything already queued: promise callbacks and setImmediate. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Records the order in which replies settle, as 'name' or 'name CODE'. */
const recorder = () => {
  const settled: string[] = [];
  const track = (name: string, reply: Promise<unknown>) =>
    reply.then(
      () => void settled.push(name),
      (error: BookingError) => void settled.push(`${name} ${error.code}`),
    );
  return { settled, track };
};

const heldSeats = (events: readonly NewEvent[]) =>
  events.filter((event) => event.type === 'HoldPlaced').map((event) => (event.data as HoldPlaced['data']).seatIds[0]);

describe('event actor: pipelined appends', () => {
  it("sends the next batch's append before the one ahead is durable, expecting the version that one leaves", async () => {
    const { actor, appends } = await setup();
    const { settled, track } = recorder();
    const first = track('ann', hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    const second = track('ben', hold(actor, 'ben', 'b1', 'ORCH-A-2'));
    await settle();
    expect(appends.map((append) => [append.expectedVersion, heldSeats(append.events)])).toEqual([
      [0, ['ORCH-A-1']],
      [1, ['ORCH-A-2']],
    ]);
    // Chained on the append ahead itself, not only on its version.
    expect(appends[1]!.chain?.after).toBe(appends[0]!.chain?.id);
    expect(appends[0]!.chain?.after).toBeUndefined();
    expect(settled).toEqual([]);
    await appends[0]!.commit();
    await first;
    expect(settled).toEqual(['ann']);
    expect(actor.version).toBe(1);
    await appends[1]!.commit();
    await second;
    expect(settled).toEqual(['ann', 'ben']);
    expect(actor.version).toBe(2);
  });

  it('answers a batch only after every batch ahead of it, even when the store answers it first', async () => {
    const { actor, appends, committed } = await setup();
    const { settled, track } = recorder();
    const first = track('ann', hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    const second = track('ben', hold(actor, 'ben', 'b1', 'ORCH-A-2'));
    await settle();
    appends[1]!.answerWithoutWriting();
    await settle();
    expect(settled).toEqual([]);
    expect(actor.version).toBe(0);
    expect(committed).toEqual([]);
    await appends[0]!.commit();
    await Promise.all([first, second]);
    expect(settled).toEqual(['ann', 'ben']);
    expect(committed.map((batch) => [batch.diff.fromVersion, batch.diff.version])).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('keeps at most appendsInFlightMax appends in flight; what waits forms one batch', async () => {
    const { actor, appends } = await setup({ appendsInFlightMax: 2 });
    const replies = [hold(actor, 'ann', 'a1', 'ORCH-A-1')];
    await settle();
    replies.push(hold(actor, 'ben', 'b1', 'ORCH-A-2'));
    await settle();
    for (let i = 3; i <= 5; i++) {
      replies.push(hold(actor, `u${i}`, `r${i}`, `ORCH-A-${i}`));
      await settle();
    }
    expect(appends).toHaveLength(2);
    await appends[0]!.commit();
    await settle();
    expect(appends.map((append) => heldSeats(append.events))).toEqual([
      ['ORCH-A-1'],
      ['ORCH-A-2'],
      ['ORCH-A-3', 'ORCH-A-4', 'ORCH-A-5'],
    ]);
    expect(appends[2]!.expectedVersion).toBe(2);
    await appends[1]!.commit();
    await appends[2]!.commit();
    await Promise.all(replies);
    expect(actor.version).toBe(5);
  });

  it('with appendsInFlightMax 1, sends a batch only once the one ahead is durable', async () => {
    const { actor, appends } = await setup({ appendsInFlightMax: 1 });
    const first = hold(actor, 'ann', 'a1', 'ORCH-A-1');
    await settle();
    const second = hold(actor, 'ben', 'b1', 'ORCH-A-2');
    await settle();
    expect(appends).toHaveLength(1);
    await appends[0]!.commit();
    await first;
    await settle();
    expect(appends).toHaveLength(2);
    await appends[1]!.commit();
    await second;
  });

  it('fails every batch behind a failed one, reloads only once their appends have settled, and serves the store again', async () => {
    const { actor, appends, memory, loads } = await setup({ appendsInFlightMax: 3 });
    const { settled, track } = recorder();
    const replies = [track('ann', hold(actor, 'ann', 'a1', 'ORCH-A-1'))];
    await settle();
    replies.push(track('ben', hold(actor, 'ben', 'b1', 'ORCH-A-2')));
    await settle();
    replies.push(track('cy', hold(actor, 'cy', 'c1', 'ORCH-A-3')));
    await settle();
    expect(appends).toHaveLength(3);
    const loadsBefore = loads();
    appends[0]!.fail(new Error('constraint violated'));
    await Promise.all(replies);
    expect(settled).toEqual(['ann UNAVAILABLE', 'ben UNAVAILABLE', 'cy UNAVAILABLE']);
    // The chained appends are still at the store: a reload now would read the stream short of one that lands.
    await settle();
    expect(loads()).toBe(loadsBefore);
    // They reach the store in order; with the first never written, each finds the stream short of its version.
    await appends[1]!.commit();
    await settle();
    expect(loads()).toBe(loadsBefore);
    await appends[2]!.commit();
    await expect.poll(loads).toBe(loadsBefore + 1);
    expect(await memory.eventStore.readStream('event-evt_test')).toEqual([]);
    // Rebuilt from the store, the actor serves again, and the retries are decided anew.
    const retry = hold(actor, 'ben', 'b1', 'ORCH-A-2');
    await settle();
    expect(appends.at(-1)!.expectedVersion).toBe(0);
    await appends.at(-1)!.commit();
    await expect(retry).resolves.toMatchObject({ events: [{ type: 'HoldPlaced' }] });
    const map = await actor.seatMap();
    expect(['ORCH-A-1', 'ORCH-A-2', 'ORCH-A-3'].map((seat) => map.seats[seat]!.status)).toEqual([
      'available',
      'held',
      'available',
    ]);
  });

  it('shows a read the state of its own batch, not of the batch evolved behind it, and only once it is durable', async () => {
    const { actor, appends } = await setup();
    const { settled, track } = recorder();
    // One batch: a hold and a read.
    const first = track('ann', hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    const read = actor.seatMap();
    track('read', read);
    await settle();
    // The next batch, evolved on top before the first is durable.
    const second = track('ben', hold(actor, 'ben', 'b1', 'ORCH-A-2'));
    await settle();
    expect(appends).toHaveLength(2);
    expect(settled).toEqual([]);
    await appends[0]!.commit();
    const map = await read;
    expect(map.version).toBe(1);
    expect([map.seats['ORCH-A-1']!.status, map.seats['ORCH-A-2']!.status]).toEqual(['held', 'available']);
    await appends[1]!.commit();
    await Promise.all([first, second]);
    expect(settled).toEqual(['read', 'ann', 'ben']);
  });

  it('counts the stock of committed batches only, not of a batch evolved on top that is still in flight', async () => {
    const { actor, appends } = await setup();
    const floor = (userId: string, quantity: number) =>
      actor.send(
        (now) => ({
          type: 'PlaceHold',
          data: {
            holdId: `evt_test.${userId}`,
            userId,
            requestId: userId,
            request: { kind: 'general', sectionId: 'FLOOR', quantity },
            now,
          },
        }),
        { userId, requestId: userId },
      );
    const one = { kind: 'general', sectionId: 'FLOOR', quantity: 1 } as const;
    const first = floor('ann', 5);
    await settle();
    // The rest of the floor's 20 places, in the batch behind.
    const rest = ['ben', 'cy', 'dee'].map((userId) => floor(userId, 5));
    await settle();
    expect(appends).toHaveLength(2);
    await appends[0]!.commit();
    await first;
    expect(actor.soldOutRefusal('eve', 'e1', one)).toBeUndefined();
    await appends[1]!.commit();
    await Promise.all(rest);
    expect(actor.soldOutRefusal('eve', 'e1', one)?.code).toBe('SOLD_OUT');
  });

  it('saves a snapshot taken at a pipelined batch only once that batch is durable, and never when it fails', async () => {
    const { actor, appends, memory } = await setup({ snapshotEveryEvents: 1 });
    const { track } = recorder();
    const first = track('ann', hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    const second = track('ben', hold(actor, 'ben', 'b1', 'ORCH-A-2'));
    await settle();
    expect(await memory.eventStore.loadSnapshot('event-evt_test')).toBeUndefined();
    await appends[0]!.commit();
    await first;
    await expect.poll(async () => (await memory.eventStore.loadSnapshot('event-evt_test'))?.version).toBe(1);
    appends[1]!.fail(new Error('constraint violated'));
    await second;
    await settle();
    expect((await memory.eventStore.loadSnapshot('event-evt_test'))?.version).toBe(1);
  });

  it('answers UNAVAILABLE for the whole pipeline at the first append deadline, counting one timeout', async () => {
    const { actor, appends, clock } = await setup();
    const { settled, track } = recorder();
    const replies = [track('ann', hold(actor, 'ann', 'a1', 'ORCH-A-1'))];
    await settle();
    clock.advance(400);
    replies.push(track('ben', hold(actor, 'ben', 'b1', 'ORCH-A-2')));
    await settle();
    expect(appends).toHaveLength(2);
    clock.advance(399);
    await settle();
    expect(settled).toEqual([]);
    clock.advance(1);
    await Promise.all(replies);
    expect(settled).toEqual(['ann UNAVAILABLE', 'ben UNAVAILABLE']);
    expect(actor.stats.appendTimeouts).toBe(1);
    // The second append's own deadline no longer matters.
    clock.advance(400);
    await settle();
    expect(actor.stats.appendTimeouts).toBe(1);
  });
});
