import { describe, expect, it } from 'vitest';
import { streamIdOf } from '../actors/eventActor.ts';
import { config, expired, generalHeld, reserved, seatsHeld, t, venue } from '../domain/seatMap/inventoryFixture.ts';
import type { SeatMapView } from '../domain/seatMap/views.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { type ReplayFrame, replayPage } from './replay.ts';
import { createTemporalReads } from './temporal.ts';

/**
 * The replay's pages against temporal reads, on a log written by hand (the in-memory store): holds that lapse long
 * before the timer records it (a server that was down), one that never is swept, a batch whose events carry two
 * instants. At every instant, the frames at or before it, applied to the map before the sale, give `seatMapAt`.
 */
describe('replayPage', () => {
  const setUp = async () => {
    const store = openInMemoryStore();
    await store.catalog.createVenue(venue);
    await store.catalog.createEvent(config);
    const streamId = streamIdOf(config.id);
    const first = seatsHeld('h1', 'u1', ['ORCH-A-1', 'ORCH-A-2'], t(0));
    const floor = generalHeld('h2', 'u2', 3, t(10));
    const paid = seatsHeld('h3', 'u3', ['ORCH-B-1'], t(10));
    // Holds last 60 s. t(0): h1; t(10): the floor and h3 in one append; t(20) and t(25): one append of two instants; t(300): the
    // timer's sweep of h1, long after it lapsed at t(60). The floor's hold lapses at t(70) and is never swept.
    const appends = [[first], [floor, paid], [reserved(paid, 'o1', t(20)), seatsHeld('h4', 'u4', ['ORCH-C-1'], t(25))]];
    let version = 0;
    for (const events of [...appends, [expired(first, t(300))]]) {
      await store.eventStore.append(streamId, version, events);
      version += events.length;
    }
    const clock = new ManualClock(t(400));
    return { store, clock, deps: { store: store.eventStore, catalog: store.catalog, clock } };
  };

  /** The map before the sale with every frame at or before `atMs` applied. */
  const replayedAt = (initial: SeatMapView, frames: readonly ReplayFrame[], atMs: number) => {
    const seats = Object.fromEntries(Object.entries(initial.seats).map(([id, seat]) => [id, seat.status]));
    const general = Object.fromEntries(Object.entries(initial.general).map(([id, section]) => [id, section.available]));
    let version = 0;
    for (const frame of frames) {
      if (frame.at > atMs) break;
      for (const change of frame.changes) seats[change.seatId] = change.status;
      for (const change of frame.general) general[change.sectionId] = change.available;
      version = frame.version;
    }
    return { version, seats, general };
  };
  const shownOf = (map: SeatMapView) => ({
    version: map.version,
    seats: Object.fromEntries(Object.entries(map.seats).map(([id, seat]) => [id, seat.status])),
    general: Object.fromEntries(Object.entries(map.general).map(([id, section]) => [id, section.available])),
  });

  it('gives at every instant the map seatMapAt reads, whole or a batch per page', async () => {
    const { deps } = await setUp();
    const temporal = createTemporalReads(deps);
    const initial = await temporal.seatMapAt(config.id, t(-1));
    const whole = await replayPage(deps, config.id, { after: 0, limit: 1_000 });
    // Read from the log two events at a time, batches span reads: the same frames.
    expect(await replayPage({ ...deps, replayPageSize: 2 }, config.id, { after: 0, limit: 1_000 })).toEqual(whole);
    expect(whole.next).toBeUndefined();
    expect(whole.until).toBe(t(400));
    expect(whole.frames.map((frame) => [frame.kind, (frame.at - t(0)) / 1000])).toEqual([
      ['append', 0],
      ['append', 10],
      ['append', 20],
      ['append', 25],
      ['lapse', 60],
      ['lapse', 70],
      ['lapse', 85],
      ['append', 300],
    ]);
    const paged: ReplayFrame[] = [];
    for (let after: number | undefined = 0; after !== undefined; ) {
      const page = await replayPage(deps, config.id, { after, limit: 1 });
      expect(page.frames.filter((frame) => frame.kind === 'append')).toHaveLength(1);
      paged.push(...page.frames);
      after = page.next;
    }
    expect(paged).toEqual(whole.frames);
    for (const seconds of [-1, 0, 5, 10, 20, 22, 25, 59, 60, 61, 70, 84, 85, 100, 299, 300, 400]) {
      const want = shownOf(await temporal.seatMapAt(config.id, t(seconds)));
      expect(replayedAt(initial, whole.frames, t(seconds)), `at ${seconds} s`).toEqual(want);
    }
  });

  it('refuses a start beyond the log, and an unknown event', async () => {
    const { deps } = await setUp();
    await expect(replayPage(deps, config.id, { after: 99, limit: 10 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(replayPage(deps, 'nope', { after: 0, limit: 10 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
