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
 *     [--warmup 2] [--processes 2] [--connections 300] [--no-ceiling] [--out file.json] [--workload loop|flash]
 *     [--versus <variant>]
 *
 * `--workload flash` runs the flash-sale pattern (bench/lightLoad.ts) instead of hold → release on one's own seat:
 * each window a fresh event, most holds refused SEAT_UNAVAILABLE; the summary adds holds/s (the heavy client's figure),
 * granted/s, the hold acks' p50 / p99, and the oversold and final-state checks. `--versus optimistic` adds each
 * variant's ratios to that variant's window of the same round (req/s, holds/s, and by CPU).
 *
 * A variant is `name=mode[+KEY=VALUE…][@checkout]`: a bench mode (bench/benchServer.ts), extra server environment,
 * and optionally another checkout (a worktree of an older commit, with its own node_modules) whose src/main.ts runs,
 * so a before/after of the code is one alternated run too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchMode, type BenchServer, benchModes, round, startBenchServer } from './benchServer.ts';
import {
  defaultLightLoad,
  type LightLoadOptions,
  type LightLoadResult,
  measureLightWindow,
  parseWorkload,
} from './lightLoad.ts';

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
  /** This window's answered holds per second over the same round's ceiling's. */
  holdsOverCeiling: number | null;
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

/**
 * Each window's ratios to the `versus` variant's window of the same round: req/s and holds/s over its, and its µs per
 * request over this one's (how many times less CPU a request costs here).
 */
export const versusRatios = (windows: readonly AbWindow[], versus: string, window: AbWindow) => {
  const other = windows.find((w) => w.variant === versus && w.round === window.round)?.result;
  const ratio = (x: number, y: number | undefined) => (y === undefined || y === 0 ? Number.NaN : round(x / y, 3));
  return {
    acked: ratio(window.result.ackedPerSecond, other?.ackedPerSecond),
    holds: ratio(window.result.holdsPerSecond, other?.holdsPerSecond),
    cpu: ratio(other?.servingCpuUsPerRequest ?? Number.NaN, window.result.servingCpuUsPerRequest),
  };
};

export const summarise = (variants: readonly Variant[], windows: readonly AbWindow[], versus?: string) =>
  variants.map((variant) => {
    const mine = windows.filter((w) => w.variant === variant.name);
    const of = (pick: (w: AbWindow) => number | null) => mine.map(pick).map((v) => v ?? Number.NaN);
    const ratio = of((w) => w.throughputOverCeiling);
    const cpuRatio = of((w) => w.cpuOverCeiling);
    const serving = of((w) => w.result.servingCpuUsPerRequest);
    const flash = mine.some((w) => w.result.workload === 'flash');
    const holdsRatio = of((w) => w.holdsOverCeiling);
    const vs = versus === undefined ? [] : mine.map((w) => versusRatios(windows, versus, w));
    const sumOf = (pick: (w: AbWindow) => number | null) =>
      mine.some((w) => pick(w) !== null) ? mine.reduce((n, w) => n + (pick(w) ?? 0), 0) : 'n/a';
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
      'scavenges/s': round(median(of((w) => w.result.gc.scavenges / w.result.seconds)), 1),
      'ms/scavenge': round(median(of((w) => w.result.gc.scavengeMs / Math.max(1, w.result.gc.scavenges))), 1),
      'req/s ÷ ceiling': round(median(ratio), 2),
      'ratio range': range(ratio),
      'ceiling µs ÷ µs': round(median(cpuRatio), 2),
      'cpu ratio range': range(cpuRatio),
      ...(flash
        ? {
            'holds/s': Math.round(median(of((w) => w.result.holdsPerSecond))),
            'granted/s': Math.round(median(of((w) => w.result.grantedPerSecond))),
            'refused %': Math.round(
              median(
                of((w) => {
                  const { granted, refused, otherRefusals } = w.result.holds;
                  return (100 * refused) / Math.max(1, granted + refused + otherRefusals);
                }),
              ),
            ),
            'hold p50 ms': round(median(of((w) => w.result.holdP50Ms)), 1),
            'hold p99 ms': round(median(of((w) => w.result.holdP99Ms)), 1),
            'holds/s ÷ ceiling': round(median(holdsRatio), 2),
            'holds ratio range': range(holdsRatio),
            oversold: sumOf((w) => w.result.oversold),
            'final-state mismatches': sumOf((w) => w.result.finalStateMismatches),
          }
        : {}),
      ...(versus === undefined
        ? {}
        : {
            [`req/s ÷ ${versus}`]: round(median(vs.map((v) => v.acked)), 2),
            [`holds/s ÷ ${versus}`]: round(median(vs.map((v) => v.holds)), 2),
            [`holds ÷ ${versus} range`]: range(vs.map((v) => v.holds)),
            [`${versus} µs ÷ µs`]: round(median(vs.map((v) => v.cpu)), 2),
          }),
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
  // A flash window takes a fresh event; loop windows share the server's one event, each round on seats of its own.
  if (options.workload === 'loop' && rounds * connections > options.rows * options.seatsPerRow)
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
            (result.workload === 'flash'
              ? `${result.holdsPerSecond} holds/s (${result.grantedPerSecond} granted), hold p99 ${result.holdP99Ms} ms, ` +
                `oversold ${result.oversold ?? 'n/a'}, mismatches ${result.finalStateMismatches ?? 'n/a'}, `
              : '') +
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
          holdsOverCeiling: ceiling ? round(result.holdsPerSecond / ceiling.holdsPerSecond, 3) : null,
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
      workload: { type: 'string', default: defaultLightLoad.workload },
      versus: { type: 'string' },
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
    workload: parseWorkload(values.workload),
  };
  if (values.versus !== undefined && !variants.some((variant) => variant.name === values.versus))
    throw new Error(`--versus names a variant: ${variants.map((variant) => variant.name).join(', ')}`);
  const startedAt = new Date().toISOString();
  const windows = await runAb(variants, Number(values.rounds), options);
  const summary = summarise(variants, windows, values.versus);
  console.table(summary);
  const report = { startedAt, endedAt: new Date().toISOString(), options, variants, summary, windows };
  if (values.out !== undefined) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  }
  console.log(JSON.stringify({ startedAt, summary }));
}
