import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import type { SeatMapFrame } from '../domain/seatMap/seatMapFrame.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';
import type { CommittedBatch, EventActor } from './eventActor.ts';
import { SeatMapCache, type SeatMapCacheOptions } from './seatMapCache.ts';

const setup = async (
  options: SeatMapCacheOptions = {},
  wrap: (store: EventStore) => EventStore = (store) => store,
  onCommitted: (batch: CommittedBatch) => void = () => {},
) => {
  const memory = openInMemoryStore();
  const venue = gridVenue();
  const event = eventFor(venue);
  await memory.catalog.createVenue(venue);
  await memory.catalog.createEvent(event);
  const clock = new ManualClock();
  const activations = new Activations({
    store: wrap(memory.eventStore),
    catalog: memory.catalog,
    clock,
    actor: { sweepIntervalMs: 3_600_000, checkInvariantsEveryBatch: true },
    onCommitted: (batch) => onCommitted(batch),
  });
  const actor = await activations.get(event.id);
  const renders: { form: string; version: number }[] = [];
  const cache = new SeatMapCache(actor, clock, {
    ...options,
    onRendered: (form: string, frame: SeatMapFrame) => renders.push({ form, version: frame.version }),
  });
  return { actor, cache, clock, renders, activations };
};

let holds = 0;
const hold = (actor: EventActor, seatId: string) => {
  const holdId = `evt_test.h${++holds}`;
  return actor.send((now) => ({
    type: 'PlaceHold',
    data: { holdId, userId: `u${holds}`, requestId: holdId, request: { kind: 'seats', seatIds: [seatId] }, now },
  }));
};

const statusOf = (json: string, seatId: string): string => JSON.parse(json).seats[seatId].status;

describe('seat-map cache', () => {
  it('renders each form once per version, however many read it, and the same bytes to all', async () => {
    const { actor, cache, renders, activations } = await setup();
    const first = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    const bodies = first.map((map) => map.body());
    expect(new Set(first).size).toBe(1);
    expect(new Set(bodies).size).toBe(1);
    expect(renders).toEqual([
      { form: 'json', version: 0 },
      { form: 'body', version: 0 },
    ]);
    await hold(actor, 'ORCH-A-1');
    const second = await Promise.all(Array.from({ length: 20 }, () => cache.get().then((map) => map.body())));
    expect(new Set(second).size).toBe(1);
    expect(statusOf(second[0]!.toString(), 'ORCH-A-1')).toBe('held');
    // Reading again without a commit renders nothing; socket acks take the JSON text, already rendered.
    (await cache.get()).json();
    expect(renders.map(({ form, version }) => `${form}@${version}`)).toEqual(['json@0', 'body@0', 'json@1', 'body@1']);
    await activations.stopAll();
  });

  it('never answers older than a version committed before the read, even one announced a moment ago (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ seat: fc.integer({ min: 1, max: 10 }), reads: fc.nat(3), awaitHold: fc.boolean() }), {
          minLength: 1,
          maxLength: 15,
        }),
        async (steps) => {
          const checks: Promise<void>[] = [];
          let cacheRef: SeatMapCache | undefined;
          // A subscriber that saw version v in a diff and asks for the map at once must get v or newer.
          const onCommitted = (batch: CommittedBatch) => {
            const seen = batch.diff.version;
            checks.push(cacheRef!.get().then((map) => expect(map.version).toBeGreaterThanOrEqual(seen)));
          };
          const { actor, cache, activations } = await setup({}, undefined, onCommitted);
          cacheRef = cache;
          let lastSeen = 0;
          const placements: Promise<unknown>[] = [];
          for (const step of steps) {
            const placed = hold(actor, `ORCH-B-${step.seat}`).catch(() => undefined);
            placements.push(placed);
            for (let i = 0; i < step.reads; i++) {
              const floor = actor.version;
              checks.push(
                cache.get().then((map) => {
                  expect(map.version).toBeGreaterThanOrEqual(floor);
                  expect(JSON.parse(map.json()).version).toBe(map.version);
                }),
              );
            }
            if (step.awaitHold) {
              await placed;
              // One reader reading after another: never backwards.
              const map = await cache.get();
              expect(map.version).toBeGreaterThanOrEqual(Math.max(lastSeen, actor.version));
              lastSeen = map.version;
            }
          }
          await Promise.all(placements);
          // Checks keep arriving from commits until the last one; wait for all of them.
          for (let done = 0; done < checks.length; done = checks.length) await Promise.all(checks);
          await activations.stopAll();
        },
      ),
      { seed: 8, numRuns: 40 },
    );
  });

  it('shows committed state only: a hold whose append fails never appears in a frame', async () => {
    let failNext = false;
    const { actor, cache, activations } = await setup({}, (store) => ({
      ...store,
      append: (...args) => {
        if (!failNext) return store.append(...args);
        failNext = false;
        return Promise.reject(new Error('the disk is full'));
      },
    }));
    failNext = true;
    const [placed, map] = await Promise.allSettled([hold(actor, 'ORCH-A-2'), cache.get()]);
    expect(placed.status).toBe('rejected');
    expect(map.status === 'fulfilled' && statusOf(map.value.json(), 'ORCH-A-2')).toBe('available');
    expect(map.status === 'fulfilled' && map.value.version).toBe(0);
    await activations.stopAll();
  });

  it('takes a new frame when a hold lapses unswept, with its own ETag, and 304-able ETags stay per frame', async () => {
    const { actor, cache, clock, renders, activations } = await setup();
    await hold(actor, 'ORCH-C-1');
    const held = await cache.get();
    expect(held.etag).toBe('"1"');
    expect(statusOf(held.json(), 'ORCH-C-1')).toBe('held');
    clock.advance(59_999);
    expect(await cache.get()).toBe(held);
    clock.advance(1);
    // Lapsed and not swept (the sweep runs every hour here): the map frees it lazily, as a new frame of version 1.
    const lapsed = await cache.get();
    expect(lapsed.version).toBe(1);
    expect(lapsed.etag).toBe('"1.1"');
    expect(statusOf(lapsed.json(), 'ORCH-C-1')).toBe('available');
    expect(renders.filter((render) => render.form === 'json')).toHaveLength(2);
    await activations.stopAll();
  });

  it('offers the current frame synchronously only while get() would answer it without a new frame', async () => {
    const { actor, cache, clock, activations } = await setup();
    expect(cache.current()).toBeUndefined();
    const first = await cache.get();
    expect(cache.current()).toBe(first);
    await hold(actor, 'ORCH-D-1');
    // Committed after the frame: not current until a read takes the new one.
    expect(cache.current()).toBeUndefined();
    const held = await cache.get();
    expect(held.version).toBe(1);
    expect(cache.current()).toBe(held);
    // The hold lapses (unswept): the frame that shows it held is no longer current.
    clock.advance(60_000);
    expect(cache.current()).toBeUndefined();
    await activations.stopAll();
  });

  it('spaces frames by the render time it measured, and readers who arrive meanwhile share the next one', async () => {
    // The stopwatch reads: before the first capture, after it, then around the first render, which takes 10 ms.
    const script = [0, 0, 0, 10];
    let cpu = 1;
    const waits: number[] = [];
    let endWait: (() => void) | undefined;
    const { actor, cache, renders, activations } = await setup({
      renderShareMax: 0.2,
      stopwatch: () => script.shift() ?? cpu,
      wait: (ms) => {
        waits.push(ms);
        return new Promise<void>((resolve) => {
          endWait = resolve;
        });
      },
    });
    const first = await cache.get();
    first.json();
    expect(first.renderMs).toBe(10);
    await hold(actor, 'ORCH-D-1');
    const early = cache.get();
    await hold(actor, 'ORCH-D-2');
    const late = cache.get();
    // 10 ms of rendering at most 20 % of the time: the next frame 40 ms after the first, 39 ms from now.
    expect(waits).toEqual([39]);
    cpu += 39;
    endWait!();
    const [a, b] = await Promise.all([early, late]);
    expect(a).toBe(b);
    expect(a.version).toBe(2);
    a.body();
    expect(renders.filter((render) => render.form === 'json').map((render) => render.version)).toEqual([0, 2]);
    await activations.stopAll();
  });

  it('lets the next read try again after a capture failed', async () => {
    const { actor, cache, activations } = await setup();
    await activations.stopAll();
    await expect(cache.get()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(cache.get()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(actor.version).toBe(0);
  });
});
