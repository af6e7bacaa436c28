/**
 * A/B under the light load client, made for a shared machine: every variant's server is started once, then the
 * variants are measured in alternation (ABBA: round 1 in order, round 2 reversed, …), the ceiling (no work) in every
 * round among them. Throughput on a machine others are using moves by a factor of 2–3 from one window to the next, so
 * beside req/s each window reports **CPU per acknowledged request** (the server process with every thread, PGlite's
 * worker included, plus the Postgres backends the server opened, found by application_name), which depends far less
 * on what else runs; and each figure's ratio to the ceiling of the **same round**. The summary is the median over the
 * rounds, with the range.
 *
 *   npx tsx bench/ab.ts --variants 'd1=actor,d2=actor+APPENDS_IN_FLIGHT_MAX=2' [--rounds 4] [--seconds 5]
 *     [--warmup 2] [--processes 2] [--connections 300] [--no-ceiling] [--out file.json]
 *
 * A variant is `name=mode[+KEY=VALUE…][@checkout]`: a bench mode (bench/benchServer.ts), extra server environment,
 * and optionally another checkout (a worktree of an older commit, with its own node_modules) whose src/main.ts runs,
 * so a before/after of the code is one alternated run too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchMode, type BenchServer, benchModes, round, startBenchServer } from './benchServer.ts';
import { defaultLightLoad, type LightLoadOptions, type LightLoadResult, measureLightWindow } from './lightLoad.ts';

export type Variant = Readonly<{ name: string; mode: BenchMode; env: Record<string, string>; cwd?: string }>;

export const parseVariant = (text: string): Variant => {
  const match = /^([\w.-]+)=([A-Za-z]+)((?:\+[A-Z_][A-Z0-9_]*=[^+@]*)*)(?:@(.+))?$/.exec(text.trim());
  if (!match) throw new Error(`a variant is name=mode[+KEY=VALUE…][@checkout], not ${text}`);
  const [, name, mode, pairs, cwd] = match;
  if (!(benchModes as readonly string[]).includes(mode!)) throw new Error(`unknown mode ${mode}`);
  const env: Record<string, string> = {};
  for (const pair of pairs!.split('+').slice(1)) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { name: name!, mode: mode as BenchMode, env, ...(cwd === undefined ? {} : { cwd }) };
};

/** Round r's order: ABBA, so a drift of the machine over the run weighs on every variant alike. */
export const roundOrder = <T>(items: readonly T[], round: number): T[] =>
  round % 2 === 0 ? [...items] : [...items].reverse();

export type AbWindow = Readonly<{
  variant: string;
  round: number;
  result: LightLoadResult;
  /** This window's acked req/s over the same round's ceiling. */
  throughputOverCeiling: number | null;
  /** The same round's ceiling µs/request over this window's: the share of the ceiling's rate a CPU-bound server reaches. */
  cpuOverCeiling: number | null;
}>;

const median = (values: readonly number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const range = (values: readonly number[]) => {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? '–' : `${round(Math.min(...finite), 2)}–${round(Math.max(...finite), 2)}`;
};

export const summarise = (variants: readonly Variant[], windows: readonly AbWindow[]) =>
  variants.map((variant) => {
    const mine = windows.filter((w) => w.variant === variant.name);
    const of = (pick: (w: AbWindow) => number | null) => mine.map(pick).map((v) => v ?? Number.NaN);
    const ratio = of((w) => w.throughputOverCeiling);
    const cpuRatio = of((w) => w.cpuOverCeiling);
    const serving = of((w) => w.result.servingCpuUsPerRequest);
    return {
      variant: variant.name,
      windows: mine.length,
      'acked/s': Math.round(median(of((w) => w.result.ackedPerSecond))),
      'acked/s range': range(of((w) => w.result.ackedPerSecond)),
      'p50 ms': round(median(of((w) => w.result.p50Ms)), 1),
      'p99 ms': round(median(of((w) => w.result.p99Ms)), 1),
      'server µs/req': Math.round(median(of((w) => w.result.serverCpuUsPerRequest))),
      'store µs/req': Math.round(median(of((w) => w.result.storeBackendCpuUsPerRequest))),
      'serving µs/req': Math.round(median(serving)),
      'serving range': range(serving),
      'events/append': round(median(of((w) => w.result.eventsPerAppend)), 1),
      'projection batches from memory': round(median(of((w) => w.result.projectionBatchesFromMemory)), 2),
      'req/s ÷ ceiling': round(median(ratio), 2),
      'ratio range': range(ratio),
      'ceiling µs ÷ µs': round(median(cpuRatio), 2),
      'cpu ratio range': range(cpuRatio),
      'others %': Math.round(median(of((w) => w.result.otherCpuPercent))),
      failures: mine.reduce((n, w) => n + Object.values(w.result.failures).reduce((a, b) => a + b, 0), 0),
      refusals: mine.reduce((n, w) => n + Object.values(w.result.refusals).reduce((a, b) => a + b, 0), 0),
    };
  });

export const runAb = async (
  variants: readonly Variant[],
  rounds: number,
  options: LightLoadOptions,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<AbWindow[]> => {
  const connections = options.processes * options.connectionsPerProcess;
  if (rounds * connections > options.rows * options.seatsPerRow)
    throw new Error('each round needs seats of its own: fewer rounds or connections, or a larger venue');
  const servers = new Map<string, BenchServer>();
  const windows: AbWindow[] = [];
  try {
    for (const variant of variants) {
      log(`starting ${variant.name} (${variant.mode} ${JSON.stringify(variant.env)}${variant.cwd ?? ''}) ...`);
      servers.set(variant.name, await startBenchServer(variant.mode, { ...options, ...variant }));
    }
    for (let r = 0; r < rounds; r++) {
      const roundWindows: { variant: string; result: LightLoadResult }[] = [];
      for (const variant of roundOrder(variants, r)) {
        // Every round loops on seats of its own: a hold answered after a window's end is never released.
        const result = await measureLightWindow(servers.get(variant.name)!, options, r * connections);
        roundWindows.push({ variant: variant.name, result });
        log(
          `round ${r + 1} ${variant.name}: ${result.ackedPerSecond} acked/s, p50 ${result.p50Ms} ms, ` +
            `server ${result.serverCpuUsPerRequest} µs/req + store ${result.storeBackendCpuUsPerRequest}, ` +
            `others ${result.otherCpuPercent} %`,
        );
      }
      const ceiling = roundWindows.find((w) => w.result.mode === 'ceiling')?.result;
      for (const { variant, result } of roundWindows)
        windows.push({
          variant,
          round: r + 1,
          result,
          throughputOverCeiling: ceiling ? round(result.ackedPerSecond / ceiling.ackedPerSecond, 3) : null,
          cpuOverCeiling: ceiling ? round(ceiling.servingCpuUsPerRequest / result.servingCpuUsPerRequest, 3) : null,
        });
    }
    return windows;
  } finally {
    for (const server of servers.values()) await server.stop();
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      variants: { type: 'string' },
      rounds: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      processes: { type: 'string', default: String(defaultLightLoad.processes) },
      connections: { type: 'string', default: String(defaultLightLoad.connectionsPerProcess) },
      'no-ceiling': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (values.variants === undefined) throw new Error("usage: ab.ts --variants 'a=actor,b=actor+KEY=VALUE' …");
  const variants = [
    ...(values['no-ceiling'] ? [] : [parseVariant('ceiling=ceiling')]),
    ...values.variants.split(',').map(parseVariant),
  ];
  const options: LightLoadOptions = {
    ...defaultLightLoad,
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
    processes: Number(values.processes),
    connectionsPerProcess: Number(values.connections),
  };
  const startedAt = new Date().toISOString();
  const windows = await runAb(variants, Number(values.rounds), options);
  const summary = summarise(variants, windows);
  console.table(summary);
  const report = { startedAt, endedAt: new Date().toISOString(), options, variants, summary, windows };
  if (values.out !== undefined) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  }
  console.log(JSON.stringify({ startedAt, summary }));
}
