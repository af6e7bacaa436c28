/**
 * `npm run bench`: the flash-sale benchmark in every hold mode, one after the other on this machine, then memory per
 * seat and activation time. Prints a table, then one JSON line with every figure and the actor's ratios to the
 * baselines; writes the JSON and its chart to bench/results/ (ignored by git). Only `--update-docs` (a full run) writes
 * what the docs cite: docs/benchmarks.json and docs/benchmarks.svg.
 *
 *   npm run bench                 full: 20 s measured per mode, a CPU profile of the actor's server
 *   npm run bench -- --update-docs   the same, and the docs' figures become this run's
 *   npm run bench -- --quick      under 90 s: 5 s per mode, no profile
 *   npm run bench -- --modes actor,optimistic --seconds 10 --connections 250 --workers 2
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeChart } from './chart.ts';
import { type BenchMode, benchModes, defaultFlashSale, type FlashSaleResult, runFlashSale } from './flashSale.ts';
import { type ProfileSummary, summarise } from './profileSummary.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    modes: { type: 'string', default: benchModes.join(',') },
    seconds: { type: 'string' },
    workers: { type: 'string', default: String(defaultFlashSale.workers) },
    connections: { type: 'string', default: '250' },
    'think-ms': { type: 'string', default: '0' },
    profile: { type: 'boolean' },
    out: { type: 'string' },
    'update-docs': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
if (values['update-docs'] && quick) throw new Error('--update-docs takes a full run: the docs cite full runs only');
const seconds = Number(values.seconds ?? (quick ? 5 : 20));
const options = {
  ...defaultFlashSale,
  seconds,
  warmupSeconds: quick ? 1 : 3,
  workers: Number(values.workers),
  connectionsPerWorker: Number(values.connections),
  thinkMs: Number(values['think-ms']),
};
const modes = values.modes.split(',') as BenchMode[];
for (const mode of modes) if (!benchModes.includes(mode)) throw new Error(`unknown mode ${mode}`);

const startedAt = new Date();
const results: Partial<Record<BenchMode, FlashSaleResult>> = {};
for (const mode of modes) {
  process.stderr.write(`flash sale: ${mode} ...\n`);
  results[mode] = await runFlashSale(mode, options);
}

// The profile is a separate actor run, so the measured figures above carry no profiler overhead. Every thread's
// profile is kept: the main thread (gateway, actors) and the PGlite worker.
let profile: ProfileSummary[] | undefined;
if (values.profile ?? !quick) {
  process.stderr.write('flash sale: actor under --cpu-prof ...\n');
  const dir = mkdtempSync(join(tmpdir(), 'seatactor-prof-'));
  await runFlashSale('actor', { ...options, seconds: Math.min(seconds, 10), profileDir: dir });
  const busy = (s: ProfileSummary) => s.byArea.filter((a) => a.area !== '(idle)').reduce((n, a) => n + a.selfMs, 0);
  profile = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarise(join(dir, name), 12))
    .sort((a, b) => busy(b) - busy(a));
  rmSync(dir, { recursive: true, force: true });
}

process.stderr.write('memory and activation ...\n');
const memoryRun = spawnSync(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', 'bench/memory.ts', '--repeats', quick ? '3' : '7'],
  { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
);
if (memoryRun.status !== 0) throw new Error(`bench/memory.ts failed: ${memoryRun.stderr}`);
const { memory, activation } = JSON.parse(memoryRun.stdout.trim().split('\n').at(-1)!) as {
  memory: Record<string, unknown>;
  activation: Record<string, unknown>;
};

const ratio = (a: BenchMode, b: BenchMode) => {
  const x = results[a]?.holdsPerSecond;
  const y = results[b]?.holdsPerSecond;
  return x === undefined || y === undefined || y === 0 ? null : Number((x / y).toFixed(2));
};
const report = {
  startedAt: startedAt.toISOString(),
  quick,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  load: {
    seconds,
    warmupSeconds: options.warmupSeconds,
    workers: options.workers,
    connections: options.workers * options.connectionsPerWorker,
    seats: options.rows * options.seatsPerRow,
    hotShare: options.hotShare,
    hotSeatShare: options.hotSeatShare,
    keepShare: options.keepShare,
    thinkMs: options.thinkMs,
  },
  modes: results,
  ratios: {
    actorOverOptimistic: ratio('actor', 'optimistic'),
    actorOverRedisLock: ratio('actor', 'redisLock'),
    actorOverCeiling: ratio('actor', 'ceiling'),
    actorPostgresOverOptimistic: ratio('actorPostgres', 'optimistic'),
    actorPostgresOverRedisLock: ratio('actorPostgres', 'redisLock'),
    actorPostgresOverCeiling: ratio('actorPostgres', 'ceiling'),
  },
  memory,
  activation,
  ...(profile === undefined ? {} : { profile }),
};

console.table(
  Object.values(results).map((r) => ({
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
  })),
);
console.log(JSON.stringify(report));
const resultsDir = join('bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const name = quick ? 'quick' : 'latest';
const out = values.out ?? join(resultsDir, `${name}.json`);
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
writeChart(report, join(resultsDir, `${name}.svg`));
process.stderr.write(`wrote ${out} and ${join(resultsDir, `${name}.svg`)}\n`);
if (values['update-docs']) {
  writeFileSync(join('docs', 'benchmarks.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeChart(report, join('docs', 'benchmarks.svg'));
  process.stderr.write(
    'wrote docs/benchmarks.json and docs/benchmarks.svg: update the figures in docs/benchmarks.md\n',
  );
}
