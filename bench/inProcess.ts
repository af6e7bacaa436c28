/**
 * The in-process limit of the design, with no transport: commands go straight into one event's actor (the real
 * Activations and EventActor of src/actors/) and through decide → evolve → one append per batch, on the in-memory
 * store, PGlite and Postgres. `concurrency` virtual buyers each loop hold → release on a seat of their own with one
 * command in flight, like the light load client's connections, so every other figure is a fraction of this one.
 * Each store runs in a process of its own (a fresh heap, and its CPU is the process's).
 *
 *   npx tsx bench/inProcess.ts [--stores memory,pglite,postgres] [--seconds 5] [--concurrency 1,600]
 *     [--appends-in-flight N]   the actor's appendsInFlightMax (default: the actor's own)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Activations } from '../src/actors/activations.ts';
import type { EventActor } from '../src/actors/eventActor.ts';
import { openStore, type StoreConfig } from '../src/app/startServer.ts';
import { systemClock } from '../src/platform/clock.ts';
import { newHoldId } from '../src/platform/ids.ts';
import { priceTiers, venueBody } from '../test/support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../test/support/postgres.ts';
import { percentile, round } from './benchServer.ts';
import { cpuMicroseconds, cpuPercent, threadTicks, ticksSince } from './procStat.ts';

export const inProcessStores = ['memory', 'pglite', 'postgres'] as const;
export type InProcessStore = (typeof inProcessStores)[number];

export type InProcessOptions = Readonly<{
  seconds: number;
  warmupSeconds: number;
  concurrency: readonly number[];
  rows: number;
  seatsPerRow: number;
  /** The actor's appendsInFlightMax; undefined = its default. */
  appendsInFlightMax?: number;
}>;

export const defaultInProcess: InProcessOptions = {
  seconds: 5,
  warmupSeconds: 1,
  concurrency: [1, 600],
  rows: 100,
  seatsPerRow: 100,
};

export type InProcessResult = Readonly<{
  store: InProcessStore;
  concurrency: number;
  seconds: number;
  /** Commands acknowledged (durable) per second: holds and releases. */
  commandsPerSecond: number;
  loopsPerSecond: number;
  /** Appends (one per batch) per second, and what each carried. */
  appendsPerSecond: number;
  eventsPerAppend: number;
  commandsPerAppend: number;
  p50Ms: number;
  p99Ms: number;
  /** This process, 100 % = one core: all threads, the main thread, and the busiest other (PGlite's worker). */
  cpuPercent: number;
  mainThreadCpuPercent: number;
  busiestOtherThreadCpuPercent: number;
  /** CPU time per acknowledged command (µs): the whole process, and its main thread (the actor's share). */
  cpuUsPerCommand: number;
  mainThreadCpuUsPerCommand: number;
  failures: Record<string, number>;
}>;

/** One level of concurrency against an active actor: warm-up, then the measured window. */
const measure = async (
  actor: EventActor,
  store: InProcessStore,
  concurrency: number,
  options: InProcessOptions,
): Promise<InProcessResult> => {
  const measureFrom = performance.now() + options.warmupSeconds * 1000;
  const endAt = measureFrom + options.seconds * 1000;
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let loops = 0;
  // The window's edges are checked inline after each answer: with the in-memory store every await is a microtask,
  // so a timer would never get to run while the buyers loop.
  let statsBefore = { ...actor.stats };
  let threadsBefore = threadTicks(process.pid);
  let statsAfter = statsBefore;
  let threadsAfter = threadsBefore;
  let phase = 'warmup' as 'warmup' | 'measuring' | 'done';
  const onAnswer = (at: number) => {
    if (phase === 'warmup' && at >= measureFrom) {
      phase = 'measuring';
      statsBefore = { ...actor.stats };
      threadsBefore = threadTicks(process.pid);
    } else if (phase === 'measuring' && at >= endAt) {
      phase = 'done';
      statsAfter = { ...actor.stats };
      threadsAfter = threadTicks(process.pid);
    }
  };

  const buyer = async (index: number) => {
    const userId = `buyer-${concurrency}-${index}`;
    const seatIds = [`ORCH-${Math.floor(index / options.seatsPerRow) + 1}-${(index % options.seatsPerRow) + 1}`];
    let request = 0;
    const timed = async (send: () => Promise<unknown>) => {
      const sentAt = performance.now();
      try {
        await send();
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'ERROR';
        onAnswer(performance.now());
        if (sentAt >= measureFrom) failures[code] = (failures[code] ?? 0) + 1;
        return false;
      }
      const at = performance.now();
      onAnswer(at);
      if (at >= measureFrom && at < endAt) latencies.push(at - sentAt);
      return true;
    };
    while (performance.now() < endAt) {
      const holdId = newHoldId(actor.eventId);
      const requestId = `r${request++}`;
      const held = await timed(() =>
        actor.send(
          (now) => ({
            type: 'PlaceHold',
            data: { holdId, userId, requestId, request: { kind: 'seats', seatIds }, now },
          }),
          {
            userId,
            requestId,
          },
        ),
      );
      if (!held) continue;
      const releaseId = `r${request++}`;
      const released = await timed(() =>
        actor.send((now) => ({ type: 'ReleaseHold', data: { holdId, userId, requestId: releaseId, now } }), {
          userId,
          requestId: releaseId,
        }),
      );
      const at = performance.now();
      if (released && at >= measureFrom && at < endAt) loops += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => buyer(i)));
  // The last answers may all have come in just before endAt.
  if (phase === 'measuring') onAnswer(Number.POSITIVE_INFINITY);
  if (phase !== 'done') throw new Error(`the run ended in its ${phase}`);
  const threads = ticksSince(threadsBefore, threadsAfter);
  const others = [...threads].filter(([tid]) => tid !== process.pid).map(([, ticks]) => ticks);
  const batches = Math.max(1, statsAfter.batches - statsBefore.batches);
  const sorted = Float64Array.from(latencies).sort();
  const window = options.seconds;
  return {
    store,
    concurrency,
    seconds: window,
    commandsPerSecond: Math.round(sorted.length / window),
    loopsPerSecond: Math.round(loops / window),
    appendsPerSecond: Math.round(batches / window),
    eventsPerAppend: round((statsAfter.events - statsBefore.events) / batches),
    commandsPerAppend: round((statsAfter.commands - statsBefore.commands) / batches),
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    cpuPercent: cpuPercent(
      [...threads.values()].reduce((n, t) => n + t, 0),
      window,
    ),
    mainThreadCpuPercent: cpuPercent(threads.get(process.pid) ?? 0, window),
    busiestOtherThreadCpuPercent: cpuPercent(Math.max(0, ...others), window),
    cpuUsPerCommand: cpuMicroseconds(
      [...threads.values()].reduce((n, t) => n + t, 0),
      sorted.length,
    ),
    mainThreadCpuUsPerCommand: cpuMicroseconds(threads.get(process.pid) ?? 0, sorted.length),
    failures,
  };
};

/** Opens the store, creates the venue and the event, activates its actor, and measures each concurrency level. */
const measureStore = async (store: InProcessStore, options: InProcessOptions): Promise<InProcessResult[]> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-inprocess-'));
  const schema = uniqueSchema('inprocess');
  const config: StoreConfig =
    store === 'memory'
      ? { kind: 'memory' }
      : store === 'pglite'
        ? { kind: 'pglite', dataDir }
        : { kind: 'postgres', url: databaseUrl, schema };
  const opened = await openStore(config);
  const activations = new Activations({
    store: opened.eventStore,
    catalog: opened.catalog,
    clock: systemClock,
    ...(options.appendsInFlightMax === undefined ? {} : { actor: { appendsInFlightMax: options.appendsInFlightMax } }),
  });
  try {
    const venueId = 'ven_inprocess';
    await opened.catalog.createVenue({ id: venueId, ...venueBody(options.rows, options.seatsPerRow) });
    const eventId = 'evt_inprocess';
    await opened.catalog.createEvent({
      id: eventId,
      venueId,
      name: 'In-process limit',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
      holdTtlSeconds: 3600,
      paymentTimeoutSeconds: 600,
      maxSeatsPerUser: 5,
      saleStartsAtMs: null,
    });
    const actor = await activations.get(eventId);
    const results: InProcessResult[] = [];
    for (const concurrency of options.concurrency) results.push(await measure(actor, store, concurrency, options));
    return results;
  } finally {
    await activations.stopAll();
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(schema);
  }
};

/** Runs each store in a child process of its own, one after the other. */
export const runInProcess = (stores: readonly InProcessStore[], options: InProcessOptions): InProcessResult[] =>
  stores.flatMap((store) => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL(import.meta.url).pathname,
        '--store',
        store,
        '--seconds',
        String(options.seconds),
        '--warmup',
        String(options.warmupSeconds),
        '--concurrency',
        options.concurrency.join(','),
        ...(options.appendsInFlightMax === undefined
          ? []
          : ['--appends-in-flight', String(options.appendsInFlightMax)]),
      ],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    if (child.status !== 0) throw new Error(`bench/inProcess.ts --store ${store} failed: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as InProcessResult[];
  });

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      store: { type: 'string' },
      stores: { type: 'string', default: inProcessStores.join(',') },
      seconds: { type: 'string', default: String(defaultInProcess.seconds) },
      warmup: { type: 'string', default: String(defaultInProcess.warmupSeconds) },
      concurrency: { type: 'string', default: defaultInProcess.concurrency.join(',') },
      'appends-in-flight': { type: 'string' },
    },
  });
  const options: InProcessOptions = {
    ...defaultInProcess,
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
    concurrency: values.concurrency.split(',').map(Number),
    ...(values['appends-in-flight'] === undefined ? {} : { appendsInFlightMax: Number(values['appends-in-flight']) }),
  };
  const parseStore = (name: string): InProcessStore => {
    if (!(inProcessStores as readonly string[]).includes(name)) throw new Error(`unknown store ${name}`);
    return name as InProcessStore;
  };
  if (values.store !== undefined) {
    // The child: one store, one JSON line.
    console.log(JSON.stringify(await measureStore(parseStore(values.store), options)));
    process.exit(0);
  }
  const results = runInProcess(values.stores.split(',').map(parseStore), options);
  console.table(results.map(({ failures, ...figures }) => ({ ...figures, failed: Object.keys(failures).length })));
  console.log(JSON.stringify(results));
}
