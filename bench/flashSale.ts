/**
 * The flash-sale benchmark for one hold mode: starts the server (`node --import tsx src/main.ts`, as `npm start`
 * does) with the mode's store and BENCH_HOLD_MODE, creates the venue and the event over REST, forks the load
 * processes (bench/flashSaleWorker.ts), samples the server's CPU and memory while they run, and checks afterwards
 * that no seat was ever acknowledged to two live holds at once. bench/run.ts runs every mode side by side.
 *
 *   npx tsx bench/flashSale.ts --mode actor [--seconds 10] [--workers 2] [--connections 50] [--profile dir]
 *     [--rows 100] [--seats-per-row 100] [--map-readers 50]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { api } from '../test/support/api.ts';
import { databaseUrl } from '../test/support/postgres.ts';
import { type BenchMode, metric, percentile, round, startBenchServer } from './benchServer.ts';
import { flashPatternOver } from './flashPattern.ts';
import type { GrantedHold, WorkerResult, WorkerTask } from './flashSaleWorker.ts';
import { clockTicksPerSecond, databaseTicks, machineTicks, processTicks, rssBytes } from './procStat.ts';
import { autocannonRun } from './reads.ts';

export type FlashSaleOptions = Readonly<{
  seconds: number;
  warmupSeconds: number;
  workers: number;
  connectionsPerWorker: number;
  rows: number;
  seatsPerRow: number;
  hotShare: number;
  hotSeatShare: number;
  keepShare: number;
  keptPerConnectionMax: number;
  thinkMs: number;
  /** When set, the server runs under `--cpu-prof` and writes its profiles here. */
  profileDir?: string;
  seed: number;
  /**
   * Readers hammering the sale's own seat map (compressed, `Accept-Encoding: br, gzip`) from warm-up to the end of the
   * window: autocannon connections in a process of their own. Set (0 included), the server's per-address read budget is
   * lifted for every run alike, since the readers share one address.
   */
  mapReaders?: number;
}>;

export const defaultFlashSale: FlashSaleOptions = {
  seconds: 20,
  warmupSeconds: 3,
  workers: 2,
  connectionsPerWorker: 50,
  rows: 100,
  seatsPerRow: 100,
  hotShare: 0.8,
  hotSeatShare: 0.2,
  keepShare: 0.05,
  keptPerConnectionMax: 4,
  thinkMs: 0,
  seed: 20_260_101,
};

export type FlashSaleResult = Readonly<{
  mode: BenchMode;
  seconds: number;
  connections: number;
  holdsPerSecond: number;
  grantedPerSecond: number;
  releasesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  releaseP99Ms: number;
  holdsAnswered: number;
  holdsGranted: number;
  refused: number;
  failed: number;
  failures: Record<string, number>;
  /** Seats acknowledged to two live holds at once (client records), plus kept holds the store does not show. */
  oversold: number | null;
  finalStateMismatches: number | null;
  eventsPerAppend: number | null;
  commandsPerAppend: number | null;
  serverCpuPercent: number;
  serverRssMaxMiB: number;
  /** Postgres and Redis processes (they do the baselines' work and the actor-on-Postgres appends). */
  databaseCpuPercent: number;
  machineCpuPercent: number;
  /** The map readers' side (null without `mapReaders`): answered reads per second, latency, answers by status. */
  mapReads: Readonly<{
    connections: number;
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    statuses: Record<string, number>;
    errors: number;
  }> | null;
  /**
   * The read side's lag behind the log, in events, per projection, sampled once a second from /metrics
   * (`projection_lag_events`) over the measured window: p50 and max. Null for modes without projections.
   */
  projectionLagEvents: Readonly<Record<string, { p50: number; max: number }>> | null;
}>;

/**
 * Holds surely live at the same instant on one seat: each granted hold is live from its ack until its release was
 * sent (or for good, when kept), so an ack that falls inside another hold's interval on the same seat is an oversell.
 */
export const countOversold = (granted: readonly Pick<GrantedHold, 'seatId' | 'ackAt' | 'releaseSentAt'>[]): number => {
  const bySeat = new Map<string, Pick<GrantedHold, 'seatId' | 'ackAt' | 'releaseSentAt'>[]>();
  for (const hold of granted) {
    const list = bySeat.get(hold.seatId);
    if (list === undefined) bySeat.set(hold.seatId, [hold]);
    else list.push(hold);
  }
  let oversold = 0;
  for (const holds of bySeat.values()) {
    holds.sort((a, b) => a.ackAt - b.ackAt);
    let liveUntil = Number.NEGATIVE_INFINITY;
    for (const hold of holds) {
      if (hold.ackAt < liveUntil) oversold += 1;
      liveUntil = Math.max(liveUntil, hold.releaseSentAt ?? Number.POSITIVE_INFINITY);
    }
  }
  return oversold;
};

/**
 * Kept holds that the store does not show as held by that hold (the actor's seat map, or the baseline's rows), plus
 * the difference between the held seats counted and the holds kept. Both load clients check with it.
 */
export const finalStateMismatches = async (
  mode: BenchMode,
  baseUrl: string,
  eventId: string,
  schema: string,
  kept: readonly Pick<GrantedHold, 'seatId' | 'holdId'>[],
): Promise<number | null> => {
  if (mode === 'ceiling') return null;
  if (mode === 'actor' || mode === 'actorPostgres') {
    const seatMap = (await api(baseUrl).seatMap(eventId)) as { seats: Record<string, { status: string }> };
    const held = Object.entries(seatMap.seats).filter(([, seat]) => seat.status === 'held');
    const keptSeats = new Set(kept.map((hold) => hold.seatId));
    const missing = [...keptSeats].filter((seatId) => seatMap.seats[seatId]?.status !== 'held').length;
    return missing + Math.abs(held.length - kept.length);
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query<{ seat_id: string; hold_id: string }>(
      `SELECT seat_id, hold_id FROM "${schema}".seats WHERE event_id = $1 AND status = 'held'`,
      [eventId],
    );
    const holdOfSeat = new Map(rows.rows.map((row) => [row.seat_id, row.hold_id]));
    const missing = kept.filter((hold) => holdOfSeat.get(hold.seatId) !== hold.holdId).length;
    return missing + Math.abs(rows.rows.length - kept.length);
  } finally {
    await client.end();
  }
};

/** `projection_lag_events` by projection (summed over the databases) from Prometheus text. */
export const projectionLags = (text: string): Map<string, number> => {
  const lags = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^projection_lag_events\{[^}]*projection="([^"]+)"[^}]*\} (\S+)$/.exec(line);
    if (match) lags.set(match[1]!, (lags.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return lags;
};

export const runFlashSale = async (mode: BenchMode, options: FlashSaleOptions): Promise<FlashSaleResult> => {
  const server = await startBenchServer(mode, {
    ...options,
    ...(options.mapReaders === undefined
      ? {}
      : { env: { SEATMAP_READS_PER_ADDRESS_MAX: '1000000', SEATMAP_BYTES_PER_SECOND_MAX: '1000000000000' } }),
  });
  const workers: ChildProcess[] = [];
  try {
    const { eventId } = server;
    const connections = options.workers * options.connectionsPerWorker;
    const tokens = await server.sessions(connections);
    for (let i = 0; i < options.workers; i++) {
      const worker = fork(new URL('./flashSaleWorker.ts', import.meta.url).pathname, [], {
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      workers.push(worker);
      await once(worker, 'message');
    }
    const startAt = Date.now() + 1_500;
    const measureFrom = startAt + options.warmupSeconds * 1000;
    const endAt = measureFrom + options.seconds * 1000;
    const results = workers.map(
      (worker) =>
        new Promise<WorkerResult>((resolve) =>
          worker.on('message', (m: WorkerResult) => m.type === 'result' && resolve(m)),
        ),
    );
    workers.forEach((worker, workerIndex) => {
      const task: WorkerTask = {
        type: 'run',
        workerIndex,
        baseUrl: server.baseUrl,
        eventId,
        tokens: tokens.slice(
          workerIndex * options.connectionsPerWorker,
          (workerIndex + 1) * options.connectionsPerWorker,
        ),
        ...flashPatternOver(options),
        thinkMs: options.thinkMs,
        startAt,
        measureFrom,
        endAt,
        ackTimeoutMs: 10_000,
        seed: options.seed + workerIndex,
      };
      worker.send(task);
    });
    const readers = options.mapReaders ?? 0;
    const mapReads =
      readers === 0
        ? undefined
        : new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now()))).then(() =>
            autocannonRun(
              `${server.baseUrl}/v1/events/${encodeURIComponent(eventId)}/seatmap`,
              { 'accept-encoding': 'br, gzip' },
              readers,
              Math.ceil((endAt - Date.now()) / 1000),
            ),
          );

    // Samples over the measured window only.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, measureFrom - Date.now())));
    const { pid } = server;
    const metricsBefore = await server.metrics();
    const serverBefore = processTicks(pid);
    const databaseBefore = databaseTicks();
    const machineBefore = machineTicks();
    let rssMax = rssBytes(pid);
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssBytes(pid))), 250);
    const lagSamples = new Map<string, number[]>();
    // Every mode is scraped alike (a baseline's metrics have no lag lines), so the scrape weighs on each the same.
    const lagSampler = setInterval(() => {
      server
        .metrics()
        .then((text) => {
          for (const [projection, lag] of projectionLags(text)) {
            const samples = lagSamples.get(projection) ?? [];
            samples.push(lag);
            lagSamples.set(projection, samples);
          }
        })
        .catch(() => undefined);
    }, 1_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, endAt - Date.now())));
    clearInterval(sampler);
    clearInterval(lagSampler);
    const serverTicks = processTicks(pid) - serverBefore;
    let databaseUsed = 0;
    for (const [dbPid, ticks] of databaseTicks()) databaseUsed += ticks - (databaseBefore.get(dbPid) ?? 0);
    const machineAfter = machineTicks();
    const metricsAfter = await server.metrics();
    const finished = await Promise.all(results);
    const reads = await mapReads;

    const holdLatencies = new Float64Array(finished.reduce((n, r) => n + r.holdLatencies.length, 0));
    let offset = 0;
    for (const r of finished) {
      holdLatencies.set(r.holdLatencies, offset);
      offset += r.holdLatencies.length;
    }
    holdLatencies.sort();
    const releaseLatencies = Float64Array.from(finished.flatMap((r) => [...r.releaseLatencies])).sort();
    const sum = (pick: (r: WorkerResult) => number) => finished.reduce((n, r) => n + pick(r), 0);
    const failures: Record<string, number> = {};
    for (const r of finished)
      for (const [code, n] of Object.entries(r.failures)) failures[code] = (failures[code] ?? 0) + n;
    const granted = finished.flatMap((r) => r.granted);
    const kept = granted.filter((hold) => hold.releaseSentAt === null);
    const appends = metric(metricsAfter, 'actor_appends_total') - metric(metricsBefore, 'actor_appends_total');
    const events = metric(metricsAfter, 'actor_events_total') - metric(metricsBefore, 'actor_events_total');
    const commands = metric(metricsAfter, 'actor_commands_total') - metric(metricsBefore, 'actor_commands_total');
    const isActor = mode === 'actor' || mode === 'actorPostgres';
    const window = options.seconds;
    return {
      mode,
      seconds: window,
      connections,
      holdsPerSecond: Math.round(sum((r) => r.holdsAnswered) / window),
      grantedPerSecond: Math.round(sum((r) => r.holdsGranted) / window),
      releasesPerSecond: Math.round(sum((r) => r.releases) / window),
      p50Ms: round(percentile(holdLatencies, 0.5)),
      p99Ms: round(percentile(holdLatencies, 0.99)),
      p999Ms: round(percentile(holdLatencies, 0.999)),
      releaseP99Ms: round(percentile(releaseLatencies, 0.99)),
      holdsAnswered: sum((r) => r.holdsAnswered),
      holdsGranted: sum((r) => r.holdsGranted),
      refused: sum((r) => r.refused),
      failed: sum((r) => r.failed),
      failures,
      oversold: mode === 'ceiling' ? null : countOversold(granted),
      finalStateMismatches: await finalStateMismatches(mode, server.baseUrl, eventId, server.schema, kept),
      eventsPerAppend: isActor ? round(events / Math.max(1, appends)) : null,
      commandsPerAppend: isActor ? round(commands / Math.max(1, appends)) : null,
      serverCpuPercent: round((serverTicks / clockTicksPerSecond / window) * 100, 1),
      serverRssMaxMiB: round(rssMax / 1024 / 1024, 1),
      databaseCpuPercent: round((databaseUsed / clockTicksPerSecond / window) * 100, 1),
      machineCpuPercent: round(
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100,
        1,
      ),
      mapReads:
        reads === undefined
          ? null
          : {
              connections: readers,
              requestsPerSecond: Math.round(reads.requests / reads.seconds),
              p50Ms: reads.p50Ms,
              p99Ms: reads.p99Ms,
              statuses: reads.statuses,
              errors: reads.errors,
            },
      projectionLagEvents:
        lagSamples.size === 0
          ? null
          : Object.fromEntries(
              [...lagSamples].map(([projection, samples]) => {
                const sorted = Float64Array.from(samples).sort();
                return [projection, { p50: percentile(sorted, 0.5), max: sorted.at(-1) ?? 0 }];
              }),
            ),
    };
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill();
    await server.stop();
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'actor' },
      seconds: { type: 'string', default: String(defaultFlashSale.seconds) },
      workers: { type: 'string', default: String(defaultFlashSale.workers) },
      connections: { type: 'string', default: String(defaultFlashSale.connectionsPerWorker) },
      profile: { type: 'string' },
      'think-ms': { type: 'string', default: String(defaultFlashSale.thinkMs) },
      rows: { type: 'string', default: String(defaultFlashSale.rows) },
      'seats-per-row': { type: 'string', default: String(defaultFlashSale.seatsPerRow) },
      'map-readers': { type: 'string' },
    },
  });
  const result = await runFlashSale(values.mode as BenchMode, {
    ...defaultFlashSale,
    seconds: Number(values.seconds),
    workers: Number(values.workers),
    connectionsPerWorker: Number(values.connections),
    thinkMs: Number(values['think-ms']),
    rows: Number(values.rows),
    seatsPerRow: Number(values['seats-per-row']),
    ...(values['map-readers'] === undefined ? {} : { mapReaders: Number(values['map-readers']) }),
    ...(values.profile === undefined ? {} : { profileDir: values.profile }),
  });
  console.log(JSON.stringify(result));
}
