/**
 * Memory and activation of one big event: bytes per seat of an actor's inventory for a 100,000-seat venue (fresh,
 * and with a share of the seats held), where those bytes go, and how long activating the actor from a snapshot
 * takes on the embedded store and on Postgres. Needs `--expose-gc`:
 *
 *   node --expose-gc --import tsx bench/memory.ts [--seats 100000] [--held 0.1] [--postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Activations } from '../src/actors/activations.ts';
import { streamIdOf } from '../src/actors/eventActor.ts';
import { decide } from '../src/domain/seatMap/decide.ts';
import { evolve } from '../src/domain/seatMap/evolve.ts';
import { SeatIndex } from '../src/domain/seatMap/seatIndex.ts';
import { toSnapshot } from '../src/domain/seatMap/snapshot.ts';
import { type InventoryState, initialState } from '../src/domain/seatMap/state.ts';
import type { EventConfig, Venue } from '../src/domain/venue.ts';
import { openPgliteStore } from '../src/persistence/pglite/pgliteStore.ts';
import { openPostgresStore } from '../src/persistence/postgres/postgresStore.ts';
import { systemClock } from '../src/platform/clock.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../test/support/postgres.ts';

const { values } = parseArgs({
  options: {
    seats: { type: 'string', default: '100000' },
    held: { type: 'string', default: '0.1' },
    postgres: { type: 'boolean', default: true },
    repeats: { type: 'string', default: '5' },
  },
});
const seatCount = Number(values.seats);
const heldShare = Number(values.held);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const sectionsCount = 10;
const rowsPerSection = 50;
const seatsPerRow = seatCount / sectionsCount / rowsPerSection;

/** A fresh venue object each call (as the catalog returns one), so the state keeps no strings the caller shares. */
const makeVenue = (): Venue => ({
  id: 'ven_big',
  name: 'Stadium',
  sections: Array.from({ length: sectionsCount }, (_, s) => ({
    id: `S${s + 1}`,
    name: `Section ${s + 1}`,
    kind: 'seated' as const,
    rows: Array.from({ length: rowsPerSection }, (_, r) => ({
      id: `R${r + 1}`,
      seats: Array.from({ length: seatsPerRow }, (_, n) => ({
        id: `S${s + 1}-R${r + 1}-${n + 1}`,
        priceTier: r < 10 ? 'A' : 'B',
      })),
    })),
  })),
});

const config: EventConfig = {
  id: 'evt_big',
  venueId: 'ven_big',
  name: 'Big night',
  startsAt: '2027-01-01T20:00:00.000Z',
  priceTiers: { A: { amount: 9000, currency: 'EUR' }, B: { amount: 5000, currency: 'EUR' } },
  holdTtlSeconds: 3600,
  paymentTimeoutSeconds: 600,
  maxSeatsPerUser: 5,
  saleStartsAtMs: null,
};

/** Heap plus array buffers (typed arrays live outside the JS heap), after full collections. */
const used = (): number => {
  gc();
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
};

/** Bytes the value returned by `make` keeps alive, measured as the heap grows while it is held. */
const measure = <T>(make: () => T): { bytes: number; value: T } => {
  const before = used();
  const value = make();
  const bytes = used() - before;
  return { bytes, value };
};

const now = Date.parse('2026-12-01T10:00:00Z');
/** Holds one seat per buyer on every `1/heldShare`-th seat, through decide and evolve as the actor does. */
const fillHolds = (state: InventoryState): number => {
  const step = Math.max(1, Math.round(1 / heldShare));
  let holds = 0;
  for (let i = 0; i < state.layout.seats.count; i += step) {
    const seatId = state.layout.seats.id(i);
    const events = decide(
      {
        type: 'PlaceHold',
        data: {
          holdId: `evt_big.h${i}`,
          userId: `usr_${i}`,
          requestId: `r${i}`,
          request: { kind: 'seats', seatIds: [seatId] },
          now,
        },
      },
      state,
    );
    for (const event of events) evolve(state, event);
    holds += 1;
  }
  return holds;
};

const perSeat = (bytes: number) => Number((bytes / seatCount).toFixed(1));

// Fresh state: what a 100,000-seat event costs before anyone books.
const fresh = measure(() => {
  const venue = makeVenue();
  return initialState(venue, config);
});
// With holds: the same, plus hold records, per-user sets, the expiry queue and remembered request ids.
const held = measure(() => {
  const state = initialState(makeVenue(), config);
  fillHolds(state);
  return state;
});
const holds = held.value.holds.size;

// Where a fresh state's bytes go: the seat index (ids and positions) built alone, and the per-seat arrays.
const seatIdList = Array.from({ length: seatCount }, (_, i) => `S${(i % 10) + 1}-R${(i % 50) + 1}-${i}`);
const seatIndex = measure(() => new SeatIndex(seatIdList));
const typedArrays =
  fresh.value.status.byteLength +
  fresh.value.seatVersion.byteLength +
  fresh.value.holdOfSeat.byteLength +
  fresh.value.layout.tierOf.byteLength;

/** Saves a snapshot of the held state, then times activations (load = snapshot + replay + invariant check). */
const activation = async (kind: 'pglite' | 'postgres') => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-mem-'));
  const schema = uniqueSchema('benchmem');
  const store =
    kind === 'pglite'
      ? await openPgliteStore({ dataDir })
      : await openPostgresStore({ connectionString: databaseUrl, schema });
  try {
    await store.catalog.createVenue(makeVenue());
    await store.catalog.createEvent(config);
    const snapshot = toSnapshot(held.value);
    const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshot));
    await store.eventStore.saveSnapshot(streamIdOf(config.id), snapshot.version, snapshot);
    const timings: number[] = [];
    for (let i = 0; i < Number(values.repeats); i++) {
      const activations = new Activations({
        store: store.eventStore,
        catalog: store.catalog,
        clock: { ...systemClock, now: () => now },
      });
      const started = performance.now();
      const actor = await activations.get(config.id);
      timings.push(performance.now() - started);
      if (actor.version !== held.value.version) throw new Error('activated at the wrong version');
      await actor.stop();
    }
    timings.sort((a, b) => a - b);
    return {
      store: kind,
      snapshotKiB: Math.round(snapshotBytes / 1024),
      firstMs: Number(timings[0]!.toFixed(1)),
      medianMs: Number(timings[Math.floor(timings.length / 2)]!.toFixed(1)),
      maxMs: Number(timings[timings.length - 1]!.toFixed(1)),
    };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (kind === 'postgres') await dropSchema(schema);
  }
};

const activations = [await activation('pglite')];
if (values.postgres) activations.push(await activation('postgres'));

console.log(
  JSON.stringify({
    memory: {
      seats: seatCount,
      bytesPerSeatFresh: perSeat(fresh.bytes),
      heldShare,
      holds,
      bytesPerSeatWithHolds: perSeat(held.bytes),
      bytesPerHold: Math.round((held.bytes - fresh.bytes) / holds),
      breakdownBytesPerSeat: {
        seatIndex: perSeat(seatIndex.bytes),
        typedArrays: perSeat(typedArrays),
        rest: perSeat(fresh.bytes - seatIndex.bytes - typedArrays),
      },
    },
    activation: { seats: seatCount, holds, runs: activations },
  }),
);
