import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { fairnessRecord, queueEntryOf } from '../domain/queue/read.ts';
import { verifyFairness } from '../domain/queue/shuffle.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { createBookingCore } from './bookingCore.ts';

/**
 * The waiting room in the event's actor: set up (seed committed) when the event is created, its events appended with
 * the event's stream, and rebuilt at activation, from the log alone or from a snapshot and the log after it.
 */
const saleStartsAt = Date.UTC(2026, 0, 1, 12);
const buyers = Array.from({ length: 12 }, (_, i) => `u_buyer${i}`);

const setup = async (snapshotEveryEvents: number) => {
  const memory = openInMemoryStore();
  const clock = new ManualClock(saleStartsAt - 10 * 60_000);
  const core = () =>
    createBookingCore({
      store: memory.eventStore,
      catalog: memory.catalog,
      clock,
      closeStore: async () => {},
      actor: {
        snapshotPolicy: { everyEvents: snapshotEveryEvents, intervalMinMs: 0 },
        checkInvariantsEveryBatch: true,
      },
    });
  const venue = gridVenue();
  const first = core();
  await first.createVenue(venue);
  const { id: eventId } = await first.createEvent(
    eventFor(venue, { id: 'evt_room', saleStartsAtMs: saleStartsAt, waitingRoom: { enabled: true, admittedMax: 3 } }),
  );
  return { memory, clock, core, first, eventId };
};

const join = (core: ReturnType<typeof createBookingCore>, eventId: string, userId: string) =>
  core.activations.get(eventId).then((actor) => actor.send((now) => ({ type: 'JoinQueue', data: { userId, now } })));

const places = (core: ReturnType<typeof createBookingCore>, eventId: string, now: number) =>
  core.activations.get(eventId).then((actor) =>
    actor.read((state) => ({
      entries: buyers.map((userId) => queueEntryOf(state.queue, userId, now)),
      fairness: fairnessRecord(state.queue),
    })),
  );

describe.each([
  ['the log alone', 1_000_000],
  ['a snapshot and the log after it', 3],
])('the waiting room across a restart, rebuilt from %s', (_, snapshotEveryEvents) => {
  it('publishes the commitment at creation, and keeps every place, the shuffle and the admissions', async () => {
    const { memory, clock, core, first, eventId } = await setup(snapshotEveryEvents);
    const before = await places(first, eventId, clock.now());
    expect(before.fairness?.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(before.fairness?.seed).toBeUndefined();
    for (const userId of buyers.slice(0, 8)) await join(first, eventId, userId);
    // The actor's timer ticks the room as the clock passes the opening: the shuffle, then the first admissions. The
    // read below joins the mailbox behind that tick, so it sees what the tick committed.
    clock.set(saleStartsAt + 1_000);
    const opened = await (await first.activations.get(eventId)).read((state) => ({
      shuffled: state.queue.shuffled,
      admitted: state.queue.admitted.size,
    }));
    expect(opened).toEqual({ shuffled: true, admitted: 3 });
    for (const userId of buyers.slice(8)) await join(first, eventId, userId);
    const running = await places(first, eventId, clock.now());
    expect(running.entries.map((entry) => entry?.state)).toEqual([
      ...running.entries.slice(0, 8).map((entry) => entry?.state),
      'queued',
      'queued',
      'queued',
      'queued',
    ]);
    expect(running.entries.filter((entry) => entry?.state === 'admitted')).toHaveLength(3);
    expect(verifyFairness(running.fairness!)).toEqual([]);

    // A crash: the first core is never stopped (no last snapshot); a second one activates the event from the store.
    const second = core();
    const after = await places(second, eventId, clock.now());
    expect(after).toEqual(running);
    // The restarted actor goes on from there: the next join is last in line.
    await join(second, eventId, 'u_late');
    const late = await (await second.activations.get(eventId)).read((state) =>
      queueEntryOf(state.queue, 'u_late', clock.now()),
    );
    expect(late?.position).toBe(8 - 3 + 4 + 1);
    const snapshot = await memory.eventStore.loadSnapshot('event-evt_room');
    if (snapshotEveryEvents > 100) expect(snapshot).toBeUndefined();
    else expect(snapshot?.version).toBeGreaterThan(0);
    await Promise.all([first.activations.stopAll(), second.activations.stopAll()]);
  });
});

describe('the waiting room in the event config', () => {
  it('sets no room up for an event without one, and answers joins QUEUE_CLOSED', async () => {
    const memory = openInMemoryStore();
    const core = createBookingCore({
      store: memory.eventStore,
      catalog: memory.catalog,
      clock: new ManualClock(saleStartsAt - 60_000),
      closeStore: async () => {},
    });
    const venue = gridVenue();
    await core.createVenue(venue);
    await core.createEvent(eventFor(venue, { id: 'evt_plain', saleStartsAtMs: saleStartsAt }));
    await expect(join(core, 'evt_plain', 'u_a')).rejects.toMatchObject({ code: 'QUEUE_CLOSED' });
    await core.activations.stopAll();
  });
});
