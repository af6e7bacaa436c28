/**
 * CPU time from /proc, for the benchmarks' server, client and database figures. Linux only; a process that is gone
 * reads as 0 ticks. 100 ticks a second (USER_HZ), so ticks / 100 / seconds * 100 = % of one core.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const clockTicksPerSecond = 100;

/** utime + stime of a stat line (`/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat`), in clock ticks. */
const ticksOfStat = (path: string): number => {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};

/**
 * utime + stime of this process's children that have exited and been waited for (cutime + cstime of /proc/self/stat),
 * in clock ticks: a load client run as a child process is counted here once it exits, whole (its /proc entry is gone
 * by then).
 */
export const exitedChildrenTicks = (): number => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
};

/** utime + stime of a whole process (every thread), in clock ticks; 0 once it is gone. */
export const processTicks = (pid: number): number => ticksOfStat(`/proc/${pid}/stat`);

/** Each thread's utime + stime, by thread id (the main thread's id is the pid). */
export const threadTicks = (pid: number): Map<number, number> => {
  const ticks = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ticks.set(Number(tid), ticksOfStat(`/proc/${pid}/task/${tid}/stat`));
  } catch {}
  return ticks;
};

export const rssBytes = (pid: number): number => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
};

/** Every Postgres and Redis server process on the machine, with its CPU ticks so far. */
export const databaseTicks = (): Map<number, number> => {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres' || comm === 'redis-server') ticks.set(Number(entry), processTicks(Number(entry)));
    } catch {}
  }
  return ticks;
};

/** Busy and total ticks of the whole machine (all cores). */
export const machineTicks = (): { busy: number; total: number } => {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
};

/** Ticks used between two readings of per-pid (or per-thread) counters; ids absent before count from 0. */
export const ticksSince = (
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): Map<number, number> => new Map([...after].map(([id, ticks]) => [id, ticks - (before.get(id) ?? 0)]));

/** CPU microseconds per unit of work (a request, a command); NaN when there was none. */
export const cpuMicroseconds = (ticks: number, count: number): number =>
  count === 0 ? Number.NaN : Math.round(((ticks / clockTicksPerSecond) * 1e6) / count);

/** Ticks over a window of `seconds` as % of one core. */
export const cpuPercent = (ticks: number, seconds: number): number =>
  Number(((ticks / clockTicksPerSecond / seconds) * 100).toFixed(1));

/** The machine's busy share (% of all cores) over `sampleMs`. */
export const machineBusyPercent = async (sampleMs = 1000): Promise<number> => {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = machineTicks();
  return Number((((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100).toFixed(1));
};

/**
 * Waits (up to `waitMaxMs`) for the shared machine to be quiet before a measurement, and returns how busy it was
 * when the wait ended, so a report can say what it ran beside.
 */
export const waitForQuietMachine = async (busyMaxPercent = 20, waitMaxMs = 60_000): Promise<number> => {
  const deadline = Date.now() + waitMaxMs;
  for (;;) {
    const busy = await machineBusyPercent();
    if (busy <= busyMaxPercent || Date.now() >= deadline) return busy;
  }
};
