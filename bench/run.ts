/**
 * `npm run bench`: every section below, one after the other on this machine, then one JSON line with every figure
 * and the ratios; writes the JSON and the flash-sale chart to bench/results/ (ignored by git). Only `--update-docs`
 * (a full run of every section) writes what the docs cite: docs/benchmarks.json and docs/benchmarks.svg.
 *   - flash: the flash-sale benchmark (socket.io-client load, hot seats) in every hold mode;
 *   - light: the light load client (raw WebSockets, pre-encoded packets, hold → release on a seat of one's own) in
 *     the modes of issue #16: ceiling, actor on Postgres, actor on PGlite, optimistic locking;
 *   - inProcess: the actor with no transport, on the in-memory store, PGlite and Postgres;
 *   - memory: bytes per seat and activation time;
 *   - reads: seat-map reads with autocannon and wrk (bench/reads.ts): demo map vs /healthz, a 50,000-seat map compressed,
 *     its status form, a conditional read with the current ETag, and the bytes of every form.
 * A full run also profiles the actor (PGlite) under each load client (`--cpu-prof`, bench/profileSummary.ts).
 *
 *   npm run bench                 full: 20 s per flash mode, 10 s per light mode, 5 s per in-process level, profiles
 *   npm run bench -- --update-docs   the same, and the docs' figures become this run's
 *   npm run bench -- --quick      5 s per flash mode, 3 s per light mode, 2 s per in-process level, no profile
 *   npm run bench -- --sections light,inProcess --light-seconds 10 --light-connections 300 --light-processes 2
 *   npm run bench -- --modes actor,optimistic --seconds 10 --connections 250 --workers 2
 *   npm run bench -- --sections flash,light --seconds 10 --no-profile --light-workload flash --light-connections 250 \
 *     --light-modes ceiling,actor,actorPostgres,optimistic,redisLock   # the flash sale under both load clients
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchMode, benchModes } from './benchServer.ts';
import { writeChart } from './chart.ts';
import { defaultFlashSale, type FlashSaleResult, runFlashSale } from './flashSale.ts';
import { defaultInProcess, type InProcessResult, inProcessStores, runInProcess } from './inProcess.ts';
import { defaultLightLoad, type LightLoadResult, parseWorkload, runLightLoad } from './lightLoad.ts';
import { waitForQuietMachine } from './procStat.ts';
import { type ProfileSummary, summariseDir } from './profileSummary.ts';
import { defaultReads, type ReadsResult, runReads } from './reads.ts';

const sectionNames = ['flash', 'light', 'inProcess', 'memory', 'reads'] as const;
type Section = (typeof sectionNames)[number];

const { values } = parseArgs({
  // `--no-profile` skips the full run's profile runs.
  allowNegative: true,
  options: {
    quick: { type: 'boolean', default: false },
    sections: { type: 'string', default: sectionNames.join(',') },
    modes: { type: 'string', default: benchModes.join(',') },
    seconds: { type: 'string' },
    workers: { type: 'string', default: String(defaultFlashSale.workers) },
    connections: { type: 'string', default: '250' },
    'think-ms': { type: 'string', default: '0' },
    'light-modes': { type: 'string', default: 'ceiling,actorPostgres,actor,optimistic' },
    'light-seconds': { type: 'string' },
    'light-processes': { type: 'string', default: String(defaultLightLoad.processes) },
    'light-connections': { type: 'string', default: String(defaultLightLoad.connectionsPerProcess) },
    /** The light client's workload: `loop` (hold → release on one's own seat) or `flash` (the flash-sale pattern). */
    'light-workload': { type: 'string', default: defaultLightLoad.workload },
    'reads-seconds': { type: 'string' },
    'reads-connections': { type: 'string', default: String(defaultReads.connections) },
    /** How long each light mode waits for the shared machine to go quiet (under 20 % busy) before it starts. */
    'quiet-wait-seconds': { type: 'string' },
    profile: { type: 'boolean' },
    out: { type: 'string' },
    'update-docs': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const profiling = values.profile ?? !quick;
const sections = new Set(values.sections.split(',') as Section[]);
for (const section of sections) if (!sectionNames.includes(section)) throw new Error(`unknown section ${section}`);
if (values['update-docs'] && (quick || sections.size < sectionNames.length))
  throw new Error('--update-docs takes a full run of every section: the docs cite full runs only');
const modesOf = (list: string): BenchMode[] => {
  const modes = list.split(',') as BenchMode[];
  for (const mode of modes) if (!benchModes.includes(mode)) throw new Error(`unknown mode ${mode}`);
  return modes;
};

const seconds = Number(values.seconds ?? (quick ? 5 : 20));
const flashOptions = {
  ...defaultFlashSale,
  seconds,
  warmupSeconds: quick ? 1 : 3,
  workers: Number(values.workers),
  connectionsPerWorker: Number(values.connections),
  thinkMs: Number(values['think-ms']),
};
const lightOptions = {
  ...defaultLightLoad,
  seconds: Number(values['light-seconds'] ?? (quick ? 3 : defaultLightLoad.seconds)),
  warmupSeconds: quick ? 1 : defaultLightLoad.warmupSeconds,
  processes: Number(values['light-processes']),
  connectionsPerProcess: Number(values['light-connections']),
  workload: parseWorkload(values['light-workload']),
};
const quietWaitMs = Number(values['quiet-wait-seconds'] ?? (quick ? 10 : 60)) * 1000;
const inProcessOptions = { ...defaultInProcess, seconds: quick ? 2 : defaultInProcess.seconds };

/** Runs `run` with the server under `--cpu-prof` in a temporary folder, and summarises every thread's profile. */
const profiled = async (run: (profileDir: string) => Promise<unknown>): Promise<ProfileSummary[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'seatactor-prof-'));
  try {
    await run(dir);
    return summariseDir(dir, 12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const startedAt = new Date();

const flash: Partial<Record<BenchMode, FlashSaleResult>> = {};
let flashProfile: ProfileSummary[] | undefined;
if (sections.has('flash')) {
  for (const mode of modesOf(values.modes)) {
    process.stderr.write(`flash sale: ${mode} ...\n`);
    flash[mode] = await runFlashSale(mode, flashOptions);
  }
  // The profiles are separate actor runs, so the measured figures carry no profiler overhead. Every thread's
  // profile is kept: the main thread (gateway, actors) and the PGlite worker.
  if (profiling) {
    process.stderr.write('flash sale: actor under --cpu-prof ...\n');
    flashProfile = await profiled((profileDir) =>
      runFlashSale('actor', { ...flashOptions, seconds: Math.min(seconds, 10), profileDir }),
    );
  }
}

const light: Partial<Record<BenchMode, LightLoadResult & { machineBusyBeforePercent: number }>> = {};
let lightProfile: ProfileSummary[] | undefined;
if (sections.has('light')) {
  for (const mode of modesOf(values['light-modes'])) {
    // The machine is shared: wait (a while, not forever) for others' work to settle, and record what was left.
    const machineBusyBeforePercent = await waitForQuietMachine(20, quietWaitMs);
    process.stderr.write(`light client: ${mode} (machine ${machineBusyBeforePercent} % busy before) ...\n`);
    light[mode] = { ...(await runLightLoad(mode, lightOptions)), machineBusyBeforePercent };
  }
  if (profiling) {
    process.stderr.write('light client: actor under --cpu-prof ...\n');
    lightProfile = await profiled((profileDir) => runLightLoad('actor', { ...lightOptions, profileDir }));
  }
}

let inProcess: InProcessResult[] | undefined;
if (sections.has('inProcess')) {
  const machineBusyBeforePercent = await waitForQuietMachine(20, quietWaitMs);
  process.stderr.write(`in-process limit (machine ${machineBusyBeforePercent} % busy before) ...\n`);
  inProcess = runInProcess(inProcessStores, inProcessOptions);
}

let memory: Record<string, unknown> | undefined;
let activation: Record<string, unknown> | undefined;
if (sections.has('memory')) {
  process.stderr.write('memory and activation ...\n');
  const memoryRun = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'bench/memory.ts', '--repeats', quick ? '3' : '7'],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (memoryRun.status !== 0) throw new Error(`bench/memory.ts failed: ${memoryRun.stderr}`);
  ({ memory, activation } = JSON.parse(memoryRun.stdout.trim().split('\n').at(-1)!) as {
    memory: Record<string, unknown>;
    activation: Record<string, unknown>;
  });
}

let reads: ReadsResult | undefined;
if (sections.has('reads')) {
  process.stderr.write('reads ...\n');
  reads = await runReads({
    seconds: Number(values['reads-seconds'] ?? (quick ? 3 : defaultReads.seconds)),
    connections: Number(values['reads-connections']),
  });
}

const ratioOf = (x: number | undefined, y: number | undefined) =>
  x === undefined || y === undefined || y === 0 ? null : Number((x / y).toFixed(2));
const flashRatio = (a: BenchMode, b: BenchMode) => ratioOf(flash[a]?.holdsPerSecond, flash[b]?.holdsPerSecond);
const lightRatio = (a: BenchMode, b: BenchMode) => ratioOf(light[a]?.ackedPerSecond, light[b]?.ackedPerSecond);
const lightHoldsRatio = (a: BenchMode, b: BenchMode) => ratioOf(light[a]?.holdsPerSecond, light[b]?.holdsPerSecond);
const report = {
  startedAt: startedAt.toISOString(),
  quick,
  sections: [...sections],
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  load: {
    seconds,
    warmupSeconds: flashOptions.warmupSeconds,
    workers: flashOptions.workers,
    connections: flashOptions.workers * flashOptions.connectionsPerWorker,
    seats: flashOptions.rows * flashOptions.seatsPerRow,
    hotShare: flashOptions.hotShare,
    hotSeatShare: flashOptions.hotSeatShare,
    keepShare: flashOptions.keepShare,
    thinkMs: flashOptions.thinkMs,
  },
  modes: flash,
  ratios: {
    actorOverOptimistic: flashRatio('actor', 'optimistic'),
    actorOverRedisLock: flashRatio('actor', 'redisLock'),
    actorOverCeiling: flashRatio('actor', 'ceiling'),
    actorPostgresOverOptimistic: flashRatio('actorPostgres', 'optimistic'),
    actorPostgresOverRedisLock: flashRatio('actorPostgres', 'redisLock'),
    actorPostgresOverCeiling: flashRatio('actorPostgres', 'ceiling'),
  },
  light: {
    load: {
      seconds: lightOptions.seconds,
      warmupSeconds: lightOptions.warmupSeconds,
      processes: lightOptions.processes,
      connections: lightOptions.processes * lightOptions.connectionsPerProcess,
      workload: lightOptions.workload,
    },
    modes: light,
    ratios: {
      actorOverCeiling: lightRatio('actor', 'ceiling'),
      actorPostgresOverCeiling: lightRatio('actorPostgres', 'ceiling'),
      actorOverOptimistic: lightRatio('actor', 'optimistic'),
      actorPostgresOverOptimistic: lightRatio('actorPostgres', 'optimistic'),
      ...(lightOptions.workload === 'flash'
        ? {
            holds: {
              actorOverCeiling: lightHoldsRatio('actor', 'ceiling'),
              actorPostgresOverCeiling: lightHoldsRatio('actorPostgres', 'ceiling'),
              actorOverOptimistic: lightHoldsRatio('actor', 'optimistic'),
              actorPostgresOverOptimistic: lightHoldsRatio('actorPostgres', 'optimistic'),
            },
          }
        : {}),
    },
  },
  ...(inProcess === undefined ? {} : { inProcess }),
  ...(memory === undefined ? {} : { memory, activation }),
  ...(reads === undefined ? {} : { reads }),
  ...(flashProfile === undefined ? {} : { profile: flashProfile }),
  ...(lightProfile === undefined ? {} : { lightProfile }),
};

if (sections.has('flash'))
  console.table(
    Object.values(flash).map((r) => ({
      mode: r.mode,
      'holds/s': r.holdsPerSecond,
      'granted/s': r.grantedPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'p999 ms': r.p999Ms,
      failed: r.failed,
      oversold: r.oversold ?? 'n/a',
      'events/append': r.eventsPerAppend ?? '',
      'server CPU %': r.serverCpuPercent,
      'server RSS MiB': r.serverRssMaxMiB,
      'db CPU %': r.databaseCpuPercent,
      'machine CPU %': r.machineCpuPercent,
      'projection lag p50/max events':
        r.projectionLagEvents === null
          ? ''
          : Object.entries(r.projectionLagEvents)
              .map(([projection, lag]) => `${projection} ${lag.p50}/${lag.max}`)
              .join(', '),
    })),
  );
if (sections.has('light'))
  console.table(
    Object.values(light).map((r) => ({
      'light client': r.mode,
      'loops/s': r.loopsPerSecond,
      'acked/s': r.ackedPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      ...(r.workload === 'flash'
        ? {
            'holds/s': r.holdsPerSecond,
            'granted/s': r.grantedPerSecond,
            'hold p99 ms': r.holdP99Ms,
            oversold: r.oversold ?? 'n/a',
            mismatches: r.finalStateMismatches ?? 'n/a',
          }
        : {}),
      refused: Object.values(r.refusals).reduce((n, c) => n + c, 0),
      failed: Object.values(r.failures).reduce((n, c) => n + c, 0),
      'events/append': r.eventsPerAppend ?? '',
      'server CPU %': r.serverCpuPercent,
      'main thread %': r.serverMainThreadCpuPercent,
      'other thread %': r.serverBusiestOtherThreadCpuPercent,
      'client CPU %': r.clientCpuPercent,
      'server µs/req': r.serverCpuUsPerRequest,
      'client µs/req': r.clientCpuUsPerRequest,
      'db CPU %': r.databaseCpuPercent,
      'machine CPU %': r.machineCpuPercent,
      'others %': r.otherCpuPercent,
    })),
  );
if (inProcess !== undefined)
  console.table(
    inProcess.map((r) => ({
      'in-process': r.store,
      concurrency: r.concurrency,
      'commands/s': r.commandsPerSecond,
      'appends/s': r.appendsPerSecond,
      'events/append': r.eventsPerAppend,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'CPU %': r.cpuPercent,
      'main thread %': r.mainThreadCpuPercent,
      'other thread %': r.busiestOtherThreadCpuPercent,
      'CPU µs/command': r.cpuUsPerCommand,
    })),
  );
if (reads !== undefined) {
  console.table(
    reads.runs.map((r) => ({
      read: r.name,
      client: r.client,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'MB/s': Number((r.bytesPerSecond / 1e6).toFixed(1)),
      'server µs/req': r.serverCpuUsPerRequest,
      'server main %': r.serverMainThreadPercent,
      'client µs/req': r.clientCpuUsPerRequest,
      'machine %': r.machineBusyPercent,
      bound: r.bound,
      errors: r.errors,
    })),
  );
  console.table(reads.bytes);
}
console.log(JSON.stringify(report));
const resultsDir = join('bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const name = quick ? 'quick' : 'latest';
const out = values.out ?? join(resultsDir, `${name}.json`);
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`wrote ${out}\n`);
if (sections.has('flash')) {
  writeChart(report, join(resultsDir, `${name}.svg`));
  process.stderr.write(`wrote ${join(resultsDir, `${name}.svg`)}\n`);
}
if (values['update-docs']) {
  writeFileSync(join('docs', 'benchmarks.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeChart(report, join('docs', 'benchmarks.svg'));
  process.stderr.write(
    'wrote docs/benchmarks.json and docs/benchmarks.svg: update the figures in docs/benchmarks.md\n',
  );
}
