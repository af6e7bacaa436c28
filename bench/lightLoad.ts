/**
 * The light load client for one hold mode: the same server as the flash-sale benchmark (bench/benchServer.ts), driven
 * by raw WebSocket connections that speak socket.io with pre-encoded packets (bench/lightClient/). Each connection
 * loops hold → release on a seat of its own, one request in flight, so nothing is refused and every request
 * changes the inventory. It samples the server's CPU (per thread: the main thread, and the others, where PGlite's
 * worker is the busiest), the client processes' own CPU (so a reader sees the client is not the limit), Postgres
 * and Redis, and the machine. bench/run.ts runs the modes side by side.
 *
 *   npx tsx bench/lightLoad.ts --mode actor [--seconds 10] [--processes 2] [--connections 300] [--profile dir]
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
  /** When set, the server runs under `--cpu-prof` and writes its profiles here. */
  profileDir?: string;
}>;

export const defaultLightLoad: LightLoadOptions = {
  seconds: 10,
  warmupSeconds: 2,
  processes: 2,
  connectionsPerProcess: 300,
  rows: 100,
  seatsPerRow: 100,
  ackTimeoutMs: 10_000,
};

export type LightLoadResult = Readonly<{
  mode: BenchMode;
  client: 'light';
  seconds: number;
  connections: number;
  /** Completed hold → release loops per second (a loop counts when its release is acknowledged). */
  loopsPerSecond: number;
  /** Every answered request per second, holds and releases. */
  ackedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Answers `{ok:false}` by code (`release:` before a release's); none are expected, each seat being one buyer's. */
  refusals: Record<string, number>;
  /** Requests with no answer: ACK_TIMEOUT, CLOSED, or an ok hold without a hold id. */
  failures: Record<string, number>;
  eventsPerAppend: number | null;
  commandsPerAppend: number | null;
  /** The projection runner's batches in the window taken from the server's own appends in memory, not the log (0–1). */
  projectionBatchesFromMemory: number | null;
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
  Array.from({ length: count }, (_, k) => {
    const i = (from + k) % (rows * seatsPerRow);
    return `ORCH-${Math.floor(i / seatsPerRow) + 1}-${(i % seatsPerRow) + 1}`;
  });

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
 * window. `seatFrom` picks which seats the connections loop on, so several windows against one server (bench/ab.ts)
 * each start on seats no earlier window left held.
 */
export const measureLightWindow = async (
  server: BenchServer,
  options: LightLoadOptions,
  seatFrom = 0,
): Promise<LightLoadResult> => {
  const { mode } = server;
  const connections = options.processes * options.connectionsPerProcess;
  if (connections > options.rows * options.seatsPerRow) throw new Error('more connections than seats');
  const children: ChildProcess[] = [];
  try {
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
          eventId: server.eventId,
          targets: tokens.slice(from, to).map((token, k) => ({ token, seatId: seatIds[from + k]! })),
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
      seconds: window,
      connections,
      loopsPerSecond: Math.round(finished.reduce((n, r) => n + r.loops, 0) / window),
      ackedPerSecond: Math.round(latencies.length / window),
      p50Ms: round(percentile(latencies, 0.5)),
      p99Ms: round(percentile(latencies, 0.99)),
      p999Ms: round(percentile(latencies, 0.999)),
      refusals,
      failures,
      eventsPerAppend: isActor(mode) ? round(delta('actor_events_total') / appends) : null,
      commandsPerAppend: isActor(mode) ? round(delta('actor_commands_total') / appends) : null,
      projectionBatchesFromMemory: ((memory, log) => (memory + log === 0 ? null : round(memory / (memory + log))))(
        delta('projection_batches_total{source="memory"}'),
        delta('projection_batches_total{source="log"}'),
      ),
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
      profile: { type: 'string' },
    },
  });
  const result = await runLightLoad(values.mode as BenchMode, {
    ...defaultLightLoad,
    seconds: Number(values.seconds),
    processes: Number(values.processes),
    connectionsPerProcess: Number(values.connections),
    ...(values.profile === undefined ? {} : { profileDir: values.profile }),
  });
  console.log(JSON.stringify(result, null, 2));
}
