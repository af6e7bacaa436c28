/**
 * The light load client for one hold mode: the same server as the flash-sale benchmark (bench/benchServer.ts), driven
 * by raw WebSocket connections that speak socket.io with pre-encoded packets (bench/lightClient/), one request in
 * flight per connection. Two workloads:
 *   - `loop` (the default): each connection loops hold → release on a seat of its own, so nothing is refused and every
 *     request changes the inventory;
 *   - `flash`: the flash-sale benchmark's pattern (bench/flashPattern.ts, as bench/flashSale.ts loads it with
 *     socket.io-client): every hold a fresh pick, 80 % of them on the first 20 % of the seats, a refused hold followed
 *     at once by the next pick, 5 % of the grants kept (at most 4 per connection), the rest released. Each window
 *     takes a fresh event on the server's venue, and after it the grants are checked for oversold seats and the kept
 *     holds against the store, as the heavy client does.
 * It samples the server's CPU (per thread: the main thread, and the others, where PGlite's
 * worker is the busiest), the client processes' own CPU (so a reader sees the client is not the limit), Postgres
 * and Redis, and the machine. bench/run.ts runs the modes side by side.
 *
 *   npx tsx bench/lightLoad.ts --mode actor [--seconds 10] [--processes 2] [--connections 300] [--profile dir]
 *     [--workload loop|flash]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import {
  type BenchMode,
  type BenchServer,
  type BenchServerOptions,
  metric,
  percentile,
  round,
  startBenchServer,
} from './benchServer.ts';
import { type FlashPattern, flashPatternOver, type HoldTally, seatIdOf, sumHoldTallies } from './flashPattern.ts';
import { countOversold, defaultFlashSale, finalStateMismatches } from './flashSale.ts';
import type { ClientConnect, ClientMessage, ClientResult, ClientRun } from './lightClient/clientProcess.ts';
import {
  cpuMicroseconds,
  cpuPercent,
  databaseTicks,
  machineTicks,
  processTicks,
  rssBytes,
  threadTicks,
  ticksSince,
} from './procStat.ts';

export type LightLoadOptions = Readonly<{
  seconds: number;
  warmupSeconds: number;
  processes: number;
  connectionsPerProcess: number;
  rows: number;
  seatsPerRow: number;
  ackTimeoutMs: number;
  /** `loop`: hold → release on a seat of one's own; `flash`: the flash-sale pattern (see the top of this file). */
  workload: LightWorkload;
  /** The `flash` workload's pattern, as bench/flashSale.ts's defaults; `seed` + the connection's index seeds its picks. */
  hotShare: number;
  hotSeatShare: number;
  keepShare: number;
  keptPerConnectionMax: number;
  seed: number;
  /** When set, the server runs under `--cpu-prof` and writes its profiles here. */
  profileDir?: string;
}>;

export const lightWorkloads = ['loop', 'flash'] as const;
export type LightWorkload = (typeof lightWorkloads)[number];

export const parseWorkload = (text: string): LightWorkload => {
  if (!(lightWorkloads as readonly string[]).includes(text))
    throw new Error(`a workload is ${lightWorkloads.join(' or ')}, not ${text}`);
  return text as LightWorkload;
};

export const defaultLightLoad: LightLoadOptions = {
  seconds: 10,
  warmupSeconds: 2,
  processes: 2,
  connectionsPerProcess: 300,
  rows: 100,
  seatsPerRow: 100,
  ackTimeoutMs: 10_000,
  workload: 'loop',
  hotShare: defaultFlashSale.hotShare,
  hotSeatShare: defaultFlashSale.hotSeatShare,
  keepShare: defaultFlashSale.keepShare,
  keptPerConnectionMax: defaultFlashSale.keptPerConnectionMax,
  seed: defaultFlashSale.seed,
};

/** The `flash` workload's pattern over the options' venue. */
export const flashPatternOf = (options: LightLoadOptions): FlashPattern => flashPatternOver(options);

export type LightLoadResult = Readonly<{
  mode: BenchMode;
  client: 'light';
  workload: LightWorkload;
  seconds: number;
  connections: number;
  /** Completed hold → release loops per second (a loop counts when its release is acknowledged). */
  loopsPerSecond: number;
  /** Every answered request per second, holds and releases. */
  ackedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Answered holds per second (granted or refused: the heavy client's holds/s), and the granted ones. */
  holdsPerSecond: number;
  grantedPerSecond: number;
  /** The holds answered in the window: granted, refused SEAT_UNAVAILABLE, refused otherwise. */
  holds: HoldTally;
  /** Hold acks only (the heavy client's p50 / p99). */
  holdP50Ms: number;
  holdP99Ms: number;
  /**
   * `flash` only (null otherwise, and for the ceiling, which has no inventory): seats acknowledged to two live holds at
   * once, and kept holds the store does not show (bench/flashSale.ts).
   */
  oversold: number | null;
  finalStateMismatches: number | null;
  /**
   * Answers `{ok:false}` by code (`release:` before a release's); with `loop` none are expected, each seat being one
   * buyer's; with `flash` most holds are refused SEAT_UNAVAILABLE (a refused `flash` release is a failure instead).
   */
  refusals: Record<string, number>;
  /** Requests with no answer: ACK_TIMEOUT, CLOSED, or an ok hold without a hold id. */
  failures: Record<string, number>;
  eventsPerAppend: number | null;
  commandsPerAppend: number | null;
  /** The projection runner's batches in the window taken from the server's own appends in memory, not the log (0–1). */
  projectionBatchesFromMemory: number | null;
  /**
   * The server's garbage-collection pauses in the window (prom-client's `nodejs_gc_duration_seconds`, by kind): young
   * generation (scavenges) and mark-compacts, how many and their total milliseconds. A scavenge stops the main thread
   * for as long as it copies what is still alive, so these are latency the requests in flight wait through.
   */
  gc: Readonly<{ scavenges: number; scavengeMs: number; markCompacts: number; markCompactMs: number }>;
  /** The whole server process, 100 % = one core. */
  serverCpuPercent: number;
  serverMainThreadCpuPercent: number;
  /** The busiest thread besides the main one: PGlite's worker when the store is PGlite. */
  serverBusiestOtherThreadCpuPercent: number;
  serverOtherThreadsCpuPercent: number;
  serverRssMaxMiB: number;
  /** The client processes together, and each. */
  clientCpuPercent: number;
  clientCpuPercentEach: readonly number[];
  /**
   * CPU time per answered request (µs): the server's, and the client processes'. Steadier than rates on a shared
   * machine, and the client's should stay well under the server's.
   */
  serverCpuUsPerRequest: number;
  clientCpuUsPerRequest: number;
  /**
   * The Postgres backends this server opened (found by their application_name; 0 on PGlite, whose worker is a thread
   * of the server): their CPU, and per request. Unlike databaseCpuPercent, other users of the shared Postgres are not
   * in it.
   */
  storeBackendCpuPercent: number;
  storeBackendCpuUsPerRequest: number;
  /** The server and its own Postgres backends per request: the whole cost of a request on the serving side. */
  servingCpuUsPerRequest: number;
  databaseCpuPercent: number;
  machineCpuPercent: number;
  /** CPU the machine spent on anything but the server, the clients and the databases (others' work: noise). */
  otherCpuPercent: number;
}>;

const isActor = (mode: BenchMode) => mode === 'actor' || mode === 'actorPostgres';

/** `count` seat ids of the benchmark venue in venue order, from the `from`-th on (wrapping around). */
const seatIdsOf = (count: number, seatsPerRow: number, rows: number, from = 0) =>
  Array.from({ length: count }, (_, k) => seatIdOf((from + k) % (rows * seatsPerRow), seatsPerRow));

/** The `flash` workload's grants from every client process, as bench/flashSale.ts's oversold check reads them. */
const grantsOf = (finished: readonly ClientResult[], seatsPerRow: number) =>
  finished.flatMap(({ grants }) =>
    Array.from(grants.seatIndexes, (seatIndex, i) => ({
      seatId: seatIdOf(seatIndex, seatsPerRow),
      ackAt: grants.ackAts[i]!,
      releaseSentAt: Number.isNaN(grants.releaseSentAts[i]!) ? null : grants.releaseSentAts[i]!,
    })),
  );

const nextMessage = <T extends ClientMessage['type']>(child: ChildProcess, type: T) =>
  new Promise<Extract<ClientMessage, { type: T }>>((resolve, reject) => {
    const onMessage = (message: ClientMessage) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<ClientMessage, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`light client exited with ${code} before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

const sumInto = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
};

/**
 * One measured window against a server that is already up: fresh guest sessions, the client processes, warm-up, the
 * window. `seatFrom` picks which seats the `loop` connections loop on, so several windows against one server
 * (bench/ab.ts) each start on seats no earlier window left held; a `flash` window takes a fresh event instead.
 */
export const measureLightWindow = async (
  server: BenchServer,
  options: LightLoadOptions,
  seatFrom = 0,
): Promise<LightLoadResult> => {
  const { mode } = server;
  const connections = options.processes * options.connectionsPerProcess;
  const flash = options.workload === 'flash' ? flashPatternOf(options) : undefined;
  if (flash === undefined && connections > options.rows * options.seatsPerRow)
    throw new Error('more connections than seats');
  const children: ChildProcess[] = [];
  try {
    const eventId = flash === undefined ? server.eventId : await server.newEvent();
    const tokens = await server.sessions(connections);
    const seatIds = seatIdsOf(connections, options.seatsPerRow, options.rows, seatFrom);
    for (let i = 0; i < options.processes; i++) {
      const child = fork(new URL('./lightClient/clientProcess.ts', import.meta.url).pathname, [], {
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      await nextMessage(child, 'ready');
    }
    await Promise.all(
      children.map((child, i) => {
        const from = i * options.connectionsPerProcess;
        const to = from + options.connectionsPerProcess;
        const task: ClientConnect = {
          type: 'connect',
          baseUrl: server.baseUrl,
          eventId,
          targets: tokens
            .slice(from, to)
            .map((token, k) => ({ token, seatId: seatIds[from + k]!, seed: options.seed + from + k })),
          flash,
        };
        child.send(task);
        return nextMessage(child, 'connected');
      }),
    );

    const measureFrom = Date.now() + options.warmupSeconds * 1000;
    const endAt = measureFrom + options.seconds * 1000;
    const run: ClientRun = { type: 'run', measureFrom, endAt, ackTimeoutMs: options.ackTimeoutMs };
    const results = children.map((child) => nextMessage(child, 'result'));
    for (const child of children) child.send(run);

    // Samples over the measured window only.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, measureFrom - Date.now())));
    const { pid } = server;
    const clientPids = children.map((child) => child.pid!);
    const metricsBefore = await server.metrics();
    const threadsBefore = threadTicks(pid);
    const clientsBefore = clientPids.map(processTicks);
    const serverBefore = processTicks(pid);
    const backendPids = await server.backendPids();
    const backendsBefore = new Map(backendPids.map((backend) => [backend, processTicks(backend)]));
    const databaseBefore = databaseTicks();
    const machineBefore = machineTicks();
    let rssMax = rssBytes(pid);
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssBytes(pid))), 250);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, endAt - Date.now())));
    clearInterval(sampler);
    const serverTicks = processTicks(pid) - serverBefore;
    const threads = ticksSince(threadsBefore, threadTicks(pid));
    const clientTicks = clientPids.map((clientPid, i) => processTicks(clientPid) - clientsBefore[i]!);
    const databaseUsed = [...ticksSince(databaseBefore, databaseTicks()).values()].reduce((n, t) => n + t, 0);
    // A backend that closed inside the window reads 0: its ticks are lost rather than negative.
    const backendTicks = [...backendsBefore].reduce(
      (n, [backend, before]) => n + Math.max(0, processTicks(backend) - before),
      0,
    );
    const machineAfter = machineTicks();
    const metricsAfter = await server.metrics();
    const finished: ClientResult[] = await Promise.all(results);

    const latencies = new Float64Array(finished.reduce((n, r) => n + r.latencies.length, 0));
    let offset = 0;
    for (const r of finished) {
      latencies.set(r.latencies, offset);
      offset += r.latencies.length;
    }
    latencies.sort();
    const holdLatencies = new Float64Array(finished.reduce((n, r) => n + r.holdLatencies.length, 0));
    offset = 0;
    for (const r of finished) {
      holdLatencies.set(r.holdLatencies, offset);
      offset += r.holdLatencies.length;
    }
    holdLatencies.sort();
    const holds = sumHoldTallies(finished.map((r) => r.holds));
    const checked = flash !== undefined && mode !== 'ceiling';
    const kept = finished.flatMap((r) =>
      r.grants.unreleased.map(({ seatIndex, holdId }) => ({
        seatId: seatIdOf(seatIndex, options.seatsPerRow),
        holdId,
      })),
    );
    const refusals: Record<string, number> = {};
    const failures: Record<string, number> = {};
    for (const r of finished) {
      sumInto(refusals, r.refusals);
      sumInto(failures, r.failures);
    }
    const delta = (name: string) => metric(metricsAfter, name) - metric(metricsBefore, name);
    const appends = Math.max(1, delta('actor_appends_total'));
    const mainTicks = threads.get(pid) ?? 0;
    const others = [...threads].filter(([tid]) => tid !== pid).map(([, ticks]) => ticks);
    const window = options.seconds;
    return {
      mode,
      client: 'light',
      workload: options.workload,
      seconds: window,
      connections,
      loopsPerSecond: Math.round(finished.reduce((n, r) => n + r.loops, 0) / window),
      ackedPerSecond: Math.round(latencies.length / window),
      p50Ms: round(percentile(latencies, 0.5)),
      p99Ms: round(percentile(latencies, 0.99)),
      p999Ms: round(percentile(latencies, 0.999)),
      holdsPerSecond: Math.round((holds.granted + holds.refused + holds.otherRefusals) / window),
      grantedPerSecond: Math.round(holds.granted / window),
      holds,
      holdP50Ms: round(percentile(holdLatencies, 0.5)),
      holdP99Ms: round(percentile(holdLatencies, 0.99)),
      oversold: checked ? countOversold(grantsOf(finished, options.seatsPerRow)) : null,
      finalStateMismatches: checked
        ? await finalStateMismatches(mode, server.baseUrl, eventId, server.schema, kept)
        : null,
      refusals,
      failures,
      eventsPerAppend: isActor(mode) ? round(delta('actor_events_total') / appends) : null,
      commandsPerAppend: isActor(mode) ? round(delta('actor_commands_total') / appends) : null,
      projectionBatchesFromMemory: ((memory, log) => (memory + log === 0 ? null : round(memory / (memory + log))))(
        delta('projection_batches_total{source="memory"}'),
        delta('projection_batches_total{source="log"}'),
      ),
      gc: {
        scavenges: delta('nodejs_gc_duration_seconds_count{kind="minor"}'),
        scavengeMs: round(delta('nodejs_gc_duration_seconds_sum{kind="minor"}') * 1000, 1),
        markCompacts: delta('nodejs_gc_duration_seconds_count{kind="major"}'),
        markCompactMs: round(delta('nodejs_gc_duration_seconds_sum{kind="major"}') * 1000, 1),
      },
      serverCpuPercent: cpuPercent(serverTicks, window),
      serverMainThreadCpuPercent: cpuPercent(mainTicks, window),
      serverBusiestOtherThreadCpuPercent: cpuPercent(Math.max(0, ...others), window),
      serverOtherThreadsCpuPercent: cpuPercent(
        others.reduce((n, t) => n + t, 0),
        window,
      ),
      serverRssMaxMiB: round(rssMax / 1024 / 1024, 1),
      clientCpuPercent: cpuPercent(
        clientTicks.reduce((n, t) => n + t, 0),
        window,
      ),
      clientCpuPercentEach: clientTicks.map((ticks) => cpuPercent(ticks, window)),
      serverCpuUsPerRequest: cpuMicroseconds(serverTicks, latencies.length),
      clientCpuUsPerRequest: cpuMicroseconds(
        clientTicks.reduce((n, t) => n + t, 0),
        latencies.length,
      ),
      storeBackendCpuPercent: cpuPercent(backendTicks, window),
      storeBackendCpuUsPerRequest: cpuMicroseconds(backendTicks, latencies.length),
      servingCpuUsPerRequest: cpuMicroseconds(serverTicks + backendTicks, latencies.length),
      databaseCpuPercent: cpuPercent(databaseUsed, window),
      machineCpuPercent: round(
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100,
        1,
      ),
      otherCpuPercent: cpuPercent(
        Math.max(
          0,
          machineAfter.busy - machineBefore.busy - serverTicks - clientTicks.reduce((n, t) => n + t, 0) - databaseUsed,
        ),
        window,
      ),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
};

export const runLightLoad = async (
  mode: BenchMode,
  options: LightLoadOptions,
  server: Pick<BenchServerOptions, 'env' | 'cwd'> = {},
): Promise<LightLoadResult> => {
  const started = await startBenchServer(mode, { ...options, ...server });
  try {
    return await measureLightWindow(started, options);
  } finally {
    await started.stop();
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'actor' },
      seconds: { type: 'string', default: String(defaultLightLoad.seconds) },
      processes: { type: 'string', default: String(defaultLightLoad.processes) },
      connections: { type: 'string', default: String(defaultLightLoad.connectionsPerProcess) },
      workload: { type: 'string', default: defaultLightLoad.workload },
      profile: { type: 'string' },
    },
  });
  const result = await runLightLoad(values.mode as BenchMode, {
    ...defaultLightLoad,
    seconds: Number(values.seconds),
    processes: Number(values.processes),
    connectionsPerProcess: Number(values.connections),
    workload: parseWorkload(values.workload),
    ...(values.profile === undefined ? {} : { profileDir: values.profile }),
  });
  console.log(JSON.stringify(result, null, 2));
}
