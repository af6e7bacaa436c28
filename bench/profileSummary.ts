/**
 * Summarises V8 CPU profiles (`node --cpu-prof`) of the server: self time by function and by where the code lives
 * (our src/ modules, a package, node internals, idle/GC), so docs/benchmarks.md can say where the time goes.
 *
 *   npx tsx bench/profileSummary.ts <profile.cpuprofile | dir> [--top 20] [--last-seconds N]
 *
 * `--last-seconds` keeps only the samples of the profile's last N seconds: a benchmark server is profiled from its
 * start (tsx compiling, warm-up), and its measured window is the end of its life.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

type ProfileNode = Readonly<{
  id: number;
  callFrame: Readonly<{ functionName: string; url: string; lineNumber: number }>;
}>;
type CpuProfile = Readonly<{
  nodes: readonly ProfileNode[];
  samples: readonly number[];
  timeDeltas: readonly number[];
  startTime: number;
  endTime: number;
}>;

export type ProfileSummary = Readonly<{
  file: string;
  /** `main` for the main thread (gateway, actors), `worker <id>` for a worker thread (PGlite's, in that store). */
  thread: string;
  totalMs: number;
  topFunctions: readonly Readonly<{ name: string; where: string; selfMs: number; percent: number }>[];
  byArea: readonly Readonly<{ area: string; selfMs: number; percent: number }>[];
}>;

/** Where a frame's code lives, coarse enough to read: our modules by folder, packages by name. */
const areaOf = (url: string, name: string): string => {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  if (url === '') return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (ours) return ours[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return url.split('/').slice(-2).join('/');
};

export const summarise = (file: string, top = 20, lastSeconds = Number.POSITIVE_INFINITY): ProfileSummary => {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const fromUs = profile.endTime - lastSeconds * 1e6;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    const where = url === '' ? '' : `${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}`;
    const key = `${name} ${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const area = areaOf(url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
    totalUs += us;
  }
  const percent = (us: number) => Number(((us / totalUs) * 100).toFixed(1));
  // Node names a profile CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile; thread 0 is the main thread.
  const threadId = basename(file).split('.').at(-3);
  return {
    file,
    thread: threadId === '0' ? 'main' : `worker ${threadId}`,
    totalMs: Math.round(totalUs / 1000),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: Math.round(f.us / 1000), percent: percent(f.us) })),
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, us]) => ({ area, selfMs: Math.round(us / 1000), percent: percent(us) })),
  };
};

/** Every profile in a folder, busiest thread first. */
export const summariseDir = (dir: string, top = 20, lastSeconds = Number.POSITIVE_INFINITY): ProfileSummary[] => {
  const busy = (s: ProfileSummary) => s.byArea.filter((a) => a.area !== '(idle)').reduce((n, a) => n + a.selfMs, 0);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarise(join(dir, name), top, lastSeconds))
    .sort((a, b) => busy(b) - busy(a));
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '20' }, 'last-seconds': { type: 'string' } },
  });
  const target = positionals[0];
  if (target === undefined) throw new Error('usage: profileSummary.ts <profile | dir>');
  const files = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(target, name))
    : [target];
  for (const file of files) {
    const summary = summarise(file, Number(values.top), Number(values['last-seconds'] ?? Number.POSITIVE_INFINITY));
    console.log(`\n${summary.file}: ${summary.thread} thread (${summary.totalMs} ms sampled)`);
    console.table(summary.byArea);
    console.table(summary.topFunctions);
  }
}
