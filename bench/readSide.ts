/**
 * The read side's numbers (issue #13), on the embedded store (PGlite, a temporary DATA_DIR), in one process:
 *   - temporal: `seatmap?at=` (services/temporal.ts, without HTTP) on a stream of 100,000 events, at 15 instants spread
 *     over the sale, on one stream with the snapshots the store keeps for temporal reads (one every ≥ 5,000 events,
 *     written every 1,000 as the actor does) and on the same events without any snapshot; then the whole stream as the
 *     display's replay reads it (services/replay.ts `replayPage`, pages of 5,000 batches, without HTTP): time per page,
 *     frames and bytes of the wire's JSON;
 *   - lag: the projections' lag (settled events after each checkpoint) sampled every 100 ms while virtual buyers
 *     hold, order, pay and release through the booking core and order services as fast as the actor takes them, then the
 *     time to catch up once the load stops.
 *
 *   npx tsx bench/readSide.ts [--events 100000] [--seconds 15] [--buyers 200] [--sections temporal,lag]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../src/app/startServer.ts';
import { projections } from '../src/domain/projections/index.ts';
import type { InventoryCommand } from '../src/domain/seatMap/commands.ts';
import { decide } from '../src/domain/seatMap/decide.ts';
import type { InventoryEvent } from '../src/domain/seatMap/events.ts';
import type { EventConfig, Venue } from '../src/domain/venue.ts';
import {
  type EventStreamEvent,
  evolveEvent,
  initialEventState,
  toEventSnapshot,
} from '../src/domain/waitlist/index.ts';
import { replayPageView } from '../src/gateway/rest/routes.ts';
import { openPgliteStore } from '../src/persistence/pglite/pgliteStore.ts';
import { ManualClock, systemClock } from '../src/platform/clock.ts';
import { replayPage } from '../src/services/replay.ts';
import { createTemporalReads } from '../src/services/temporal.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '15' },
    buyers: { type: 'string', default: '200' },
    sections: { type: 'string', default: 'temporal,lag' },
  },
});
const sections = new Set(values.sections.split(','));

const rows = 50;
const seatsPerRow = 100;
const venue = (id: string): Venue => ({
  id,
  name: 'Bench Arena',
  sections: [
    {
      id: 'MAIN',
      name: 'Main',
      kind: 'seated',
      rows: Array.from({ length: rows }, (_, r) => ({
        id: `R${r}`,
        seats: Array.from({ length: seatsPerRow }, (_, s) => ({ id: `M-${r}-${s}`, priceTier: r < 10 ? 'A' : 'B' })),
      })),
    },
  ],
});
const t0 = Date.UTC(2030, 0, 1, 10);
const eventConfig = (id: string, venueId: string): EventConfig => ({
  id,
  venueId,
  name: `Bench ${id}`,
  startsAt: '2030-02-01T19:00:00.000Z',
  priceTiers: { A: { amount: 9000, currency: 'EUR' }, B: { amount: 5000, currency: 'EUR' } },
  holdTtlSeconds: 600,
  paymentTimeoutSeconds: 600,
  maxSeatsPerUser: 50,
  saleStartsAtMs: t0,
});

const quantiles = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1) ?? 0), count: samples.length };
};

/** 100,000 events of holds, releases and paid orders, decided by the real decider, written twice (with and without snapshots). */
const temporal = async (eventCount: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-temporal-'));
  const store = await openPgliteStore({ dataDir: dir });
  try {
    const hall = venue('bench-arena');
    await store.catalog.createVenue(hall);
    const withSnapshots = eventConfig('with-snapshots', hall.id);
    const without = eventConfig('without-snapshots', hall.id);
    await store.catalog.createEvent(withSnapshots);
    await store.catalog.createEvent(without);
    const state = initialEventState(hall, withSnapshots);
    const seats = rows * seatsPerRow;
    let now = t0;
    let pending: InventoryEvent[] = [];
    let lastSnapshot = 0;
    const writeStarted = performance.now();
    const flush = async () => {
      const from = state.inventory.version - pending.length;
      await store.eventStore.append('event-with-snapshots', from, pending);
      await store.eventStore.append('event-without-snapshots', from, pending);
      pending = [];
      if (state.inventory.version - lastSnapshot >= 1_000) {
        await store.eventStore.saveSnapshot('event-with-snapshots', state.inventory.version, toEventSnapshot(state));
        lastSnapshot = state.inventory.version;
      }
    };
    for (let n = 0; state.inventory.version < eventCount; n++) {
      now += 7;
      const seat = (n * 7919) % seats;
      const seatIds = [`M-${Math.floor(seat / seatsPerRow)}-${seat % seatsPerRow}`];
      const user = `u${n % 500}`;
      const commands: InventoryCommand[] = [
        {
          type: 'PlaceHold',
          data: { holdId: `h${n}`, userId: user, requestId: `r${n}`, request: { kind: 'seats', seatIds }, now },
        },
      ];
      // Every tenth cycle buys the seat and sells it back (refund), so the map keeps seats to hold.
      if (n % 10 === 0) {
        commands.push(
          {
            type: 'PlaceOrder',
            data: { orderId: `o${n}`, holdId: `h${n}`, userId: user, requestId: `p${n}`, now: now + 1 },
          },
          {
            type: 'RecordPaymentResult',
            data: {
              orderId: `o${n}`,
              outcome: 'succeeded',
              providerEventId: `e${n}`,
              received: { amount: seat < 1000 ? 9000 : 5000, currency: 'EUR' },
              now: now + 2,
            },
          },
          { type: 'RefundOrder', data: { orderId: `o${n}`, reason: 'bench', now: now + 3 } },
        );
      } else {
        commands.push({
          type: 'ReleaseHold',
          data: { holdId: `h${n}`, userId: user, requestId: `x${n}`, now: now + 1 },
        });
      }
      for (const command of commands) {
        for (const event of decide(command, state.inventory) as InventoryEvent[]) {
          evolveEvent(state, event as EventStreamEvent);
          pending.push(event);
        }
      }
      if (pending.length >= 200) await flush();
    }
    if (pending.length > 0) await flush();
    const writeMs = performance.now() - writeStarted;
    const end = now;
    const clock = new ManualClock(end + 60_000);
    const deps = { store: store.eventStore, catalog: store.catalog, clock };
    const reads = createTemporalReads(deps);
    const instants = Array.from({ length: 15 }, (_, i) => t0 + Math.floor(((i + 0.5) / 15) * (end - t0)));
    const measure = async (eventId: string) => {
      const samples: number[] = [];
      for (const at of instants) {
        const started = performance.now();
        const map = await reads.seatMapAt(eventId, at);
        samples.push(performance.now() - started);
        if (map.version === 0) throw new Error('an instant inside the sale read an empty stream');
      }
      return quantiles(samples);
    };
    // One unrecorded read each: the first read of a stream warms PGlite's caches.
    await reads.seatMapAt('with-snapshots', instants[0]!);
    await reads.seatMapAt('without-snapshots', instants[0]!);
    const withSnapshotsMs = await measure('with-snapshots');
    const withoutSnapshotsMs = await measure('without-snapshots');
    // The display's replay of the whole sale: every page, as the page asks for them.
    const pageMs: number[] = [];
    let [frames, bytes, lapses] = [0, 0, 0];
    const replayStarted = performance.now();
    for (let after: number | undefined = 0; after !== undefined; ) {
      const started = performance.now();
      const page = await replayPage(deps, 'with-snapshots', { after, limit: 5_000 });
      pageMs.push(performance.now() - started);
      // The bytes of the route's own JSON (UTF-8, uncompressed), not of a copy of its shape.
      bytes += Buffer.byteLength(JSON.stringify(replayPageView(page)));
      frames += page.frames.length;
      lapses += page.frames.filter((frame) => frame.kind === 'lapse').length;
      after = page.next;
    }
    return {
      events: state.inventory.version,
      seats,
      writeSeconds: Math.round(writeMs / 100) / 10,
      withSnapshotsMs,
      withoutSnapshotsMs,
      replay: {
        wholeMs: Math.round(performance.now() - replayStarted),
        pageMs: quantiles(pageMs),
        frames,
        lapses,
        megabytes: Math.round(bytes / 1e5) / 10,
      },
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Projection lag while buyers hold, order, pay and release as fast as the actor answers. */
const lag = async (seconds: number, buyers: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lag-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    store: { kind: 'pglite', dataDir: dir },
    adminToken: 'bench-admin',
    logLevel: 'silent',
    web: false,
    notifications: { outbox: false },
  });
  try {
    const { booking, orders, projections: runner } = server;
    const { id: venueId } = await booking.createVenue(venue('lag-arena'));
    const { id: _unused, ...config } = eventConfig('lag', venueId);
    const { id: eventId } = await booking.createEvent({ ...config, saleStartsAtMs: null });
    const projectionStore = runner.stores[0]!;
    const counts = { holds: 0, orders: 0, releases: 0, refused: 0 };
    let running = true;
    const buyer = async (index: number) => {
      const userId = `bench-${index}`;
      for (let n = 0; running; n++) {
        try {
          const hold = await booking.hold(eventId, userId, `h${index}-${n}`, { kind: 'bestAvailable', quantity: 2 });
          counts.holds += 1;
          if (n % 5 === 0) {
            const order = await orders.saga.placeOrder(hold.holdId, userId, `o${index}-${n}`);
            await orders.saga.pay(order.orderId, userId, `pm_card_test_b${index}_${n}`);
            counts.orders += 1;
          } else {
            await booking.release(hold.holdId, userId, `x${index}-${n}`);
            counts.releases += 1;
          }
        } catch {
          counts.refused += 1;
          // A refusal may be answered without any I/O: let the timers (the sampler) run.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    };
    const samples = new Map(projections.map((p) => [p.name, [] as number[]]));
    const sample = async () => {
      for (const projection of projections) {
        const checkpoint = await projectionStore.checkpoint(projection.name);
        samples.get(projection.name)!.push(await projectionStore.countSettled(checkpoint));
      }
    };
    const started = performance.now();
    const load = Promise.all(Array.from({ length: buyers }, (_, i) => buyer(i)));
    while (performance.now() - started < seconds * 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sample();
    }
    running = false;
    await load;
    const loadSeconds = (performance.now() - started) / 1_000;
    const stopped = performance.now();
    await runner.catchUp();
    const drainMs = performance.now() - stopped;
    const actor = await booking.activations.get(eventId);
    return {
      seconds: Math.round(loadSeconds * 10) / 10,
      buyers,
      events: actor.version,
      eventsPerSecond: Math.round(actor.version / loadSeconds),
      holdsPerSecond: Math.round(counts.holds / loadSeconds),
      counts,
      lagEvents: Object.fromEntries([...samples].map(([name, values]) => [name, quantiles(values)])),
      catchUpAfterLoadMs: Math.round(drainMs),
    };
  } finally {
    await server.drain();
    rmSync(dir, { recursive: true, force: true });
  }
};

const result: Record<string, unknown> = { at: new Date(systemClock.now()).toISOString() };
if (sections.has('temporal')) result.temporal = await temporal(Number(values.events));
if (sections.has('lag')) result.lag = await lag(Number(values.seconds), Number(values.buyers));
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
