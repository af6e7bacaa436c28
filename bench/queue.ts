/**
 * The waiting room's core at a million entries: bytes per entry (beside a naive string-and-Map layout, measured in
 * the same run), join cost, shuffle time, and the work of one tick (admission, position pushes) at 10,000, 100,000
 * and 1,000,000 waiting, to show it does not grow with the line. Prints a table and one JSON line; figures only, no
 * pass or fail. Needs `--expose-gc`:
 *
 *   flock /work/coord/heavy.lock node --expose-gc --import tsx bench/queue.ts [--entries 1000000] [--ticks 40]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decideQueue } from '../src/domain/queue/decide.ts';
import type { QueueEvent } from '../src/domain/queue/events.ts';
import { evolveQueue } from '../src/domain/queue/evolve.ts';
import { PositionPushCursor, positionPushes } from '../src/domain/queue/positionPushes.ts';
import { queueEntryOf } from '../src/domain/queue/read.ts';
import { roomConfigOf } from '../src/domain/queue/room.ts';
import { shuffleInPlace } from '../src/domain/queue/shuffle.ts';
import { fromQueueSnapshot, toQueueSnapshot } from '../src/domain/queue/snapshot.ts';
import { columnBytes, initialQueueState, type QueueState } from '../src/domain/queue/state.ts';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    ticks: { type: 'string', default: '40' },
    out: { type: 'string' },
  },
});
const entries = Number(values.entries);
const measuredTicks = Number(values.ticks);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const T0 = Date.UTC(2030, 0, 1, 10);
const seed = '5eed'.repeat(16);
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * User ids shaped like the gateway's (`u_` + 16 base64url characters from 12 random bytes), made fresh for each
 * join from a counter (xorshift), so the bench holds none of them and the room's own copy is what is measured.
 */
const userIdOf = (n: number): string => {
  let x = (n + 1) * 0x9e3779b1;
  let id = 'u_';
  for (let i = 0; i < 16; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    id += alphabet[(x >>> 0) & 63];
  }
  return id;
};

/** Heap plus array buffers (typed arrays live outside the JS heap), after full collections. */
const used = (): number => {
  gc();
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
};

const apply = (state: QueueState, events: readonly QueueEvent[]): void => {
  for (const event of events) evolveQueue(state, event);
};

const run = (state: QueueState, command: Parameters<typeof decideQueue>[0]): QueueEvent[] => {
  const events = decideQueue(command, state);
  apply(state, events);
  return events;
};

const roomOf = (admittedMax: number) => {
  const state = initialQueueState();
  const config = roomConfigOf({ enabled: true, saleStartsAt: T0, admittedMax, admissionSeconds: 600 });
  run(state, { type: 'SetUpRoom', data: { config, seed, now: T0 - 3_600_000 } });
  return state;
};

/** Joins `count` buyers through decide and evolve, as the actor would; returns the time per join. */
const joinAll = (state: QueueState, from: number, count: number, now: number): number => {
  const started = performance.now();
  for (let n = from; n < from + count; n++) run(state, { type: 'JoinQueue', data: { userId: userIdOf(n), now } });
  return ((performance.now() - started) * 1000) / count;
};

const figures: Record<string, number | string> = {};
const rows: [string, string][] = [];
const report = (name: string, value: number, unit: string, digits = 1): void => {
  figures[name] = Number(value.toFixed(digits + 2));
  rows.push([name, `${value.toLocaleString('en', { maximumFractionDigits: digits })} ${unit}`]);
};

// 1. Memory: the room with a million pre-queue entries, against a naive layout of the same buyers.
process.stderr.write(`joining ${entries.toLocaleString('en')} buyers ...\n`);
let before = used();
const big = roomOf(1_000);
const joinMicros = joinAll(big, 0, entries, T0 - 60_000);
const roomBytes = used() - before;
report('bytes per entry (room)', roomBytes / entries, 'B');
for (const [column, bytes] of Object.entries(columnBytes(big))) report(`  of which ${column}`, bytes / entries, 'B');
report('join, pre-queue (decide + evolve)', joinMicros, 'µs');

before = used();
const naive = { ids: [] as string[], index: new Map<string, number>(), status: [] as number[] };
for (let n = 0; n < entries; n++) {
  const id = userIdOf(n);
  naive.index.set(id, naive.ids.push(id) - 1);
  naive.status.push(0);
}
const naiveBytes = used() - before;
report('bytes per entry (naive: string[], Map, number[])', naiveBytes / entries, 'B');
figures['naive ÷ room memory'] = Number((naiveBytes / roomBytes).toFixed(2));
naive.ids.length = 0;
naive.index.clear();
naive.status.length = 0;

// 2. A buyer joining again (the idempotent answer) and reading their entry.
let started = performance.now();
const probes = 100_000;
for (let i = 0; i < probes; i++) {
  decideQueue({ type: 'JoinQueue', data: { userId: userIdOf((i * 7919) % entries), now: T0 - 30_000 } }, big);
}
report('join again (lookup, no events)', ((performance.now() - started) * 1000) / probes, 'µs', 2);

// 3. The shuffle: the whole PreQueueShuffled (collect, shuffle, tree), and the seeded Fisher–Yates alone.
started = performance.now();
const shuffleEvents = run(big, { type: 'ShufflePreQueue', data: { now: T0 } });
report('shuffle of the pre-queue (evolve PreQueueShuffled)', performance.now() - started, 'ms', 0);
if (shuffleEvents.length !== 1) throw new Error('the pre-queue was not shuffled');
const bare = Int32Array.from({ length: entries }, (_, i) => i);
started = performance.now();
shuffleInPlace(bare, seed);
report('  of which Fisher–Yates on SHA-256 words', performance.now() - started, 'ms', 0);

// 4. Reading a position, and joining behind the shuffled line.
started = performance.now();
for (let i = 0; i < probes; i++) queueEntryOf(big, userIdOf((i * 7919) % entries), T0);
report('position read (queueEntryOf)', ((performance.now() - started) * 1000) / probes, 'µs', 2);
report('join after the opening (FIFO)', joinAll(big, entries, 100_000, T0 + 1_000), 'µs');

// 5. Snapshot of the million-entry room.
started = performance.now();
const snapshotJson = JSON.stringify(toQueueSnapshot(big));
report('snapshot to JSON', performance.now() - started, 'ms', 0);
report('snapshot size per entry', snapshotJson.length / big.users.count, 'B');
started = performance.now();
fromQueueSnapshot(JSON.parse(snapshotJson));
report('snapshot from JSON (checked)', performance.now() - started, 'ms', 0);

// 6. Sell-out: one event ends every waiting entry.
started = performance.now();
run(big, { type: 'DeclareSoldOut', data: { now: T0 + 2_000 } });
report('sell-out of everyone waiting (one event)', performance.now() - started, 'ms', 1);

// 7. One tick at three lengths of line: admissions, the admitted finishing, and the position pushes.
const admittedPerTick = 50;
const tickAt = (waiting: number) => {
  const state = roomOf(admittedPerTick);
  run(state, { type: 'ShufflePreQueue', data: { now: T0 } });
  joinAll(state, 0, waiting, T0);
  const cursor = new PositionPushCursor();
  const stock = { available: 10_000_000, lapsing: 0 };
  let now = T0 + 1_000;
  const sums = { admitMicros: 0, admitted: 0, finishMicros: 0, finished: 0, pushMicros: 0, pushes: 0 };
  // A minute and more of warm-up, so the measured finish rate (a one-minute window) paces at its steady state.
  const warmupTicks = 70;
  for (let tick = 0; tick < warmupTicks + measuredTicks; tick++) {
    const measuring = tick >= warmupTicks;
    let t = performance.now();
    const granted = run(state, { type: 'AdmitNext', data: { stock, now } }).find((e) => e.type === 'AdmissionsGranted');
    if (measuring) sums.admitMicros += (performance.now() - t) * 1000;
    const admissions = granted?.type === 'AdmissionsGranted' ? granted.data.admissions : [];
    if (measuring) sums.admitted += admissions.length;
    t = performance.now();
    const pushes = positionPushes(state, cursor, now);
    if (measuring) {
      sums.pushMicros += (performance.now() - t) * 1000;
      sums.pushes += pushes.length;
    }
    now += 500;
    t = performance.now();
    for (const { userId } of admissions) {
      run(state, { type: 'FinishAdmission', data: { userId, outcome: 'ordered', now } });
    }
    if (measuring) {
      sums.finishMicros += (performance.now() - t) * 1000;
      sums.finished += admissions.length;
    }
    now += 500;
  }
  return sums;
};

const tickRows: Record<string, ReturnType<typeof tickAt>> = {};
for (const waiting of [10_000, 100_000, 1_000_000].filter((n) => n <= entries)) {
  process.stderr.write(`ticks with ${waiting.toLocaleString('en')} waiting ...\n`);
  const sums = tickAt(waiting);
  tickRows[waiting] = sums;
  const label = `${waiting.toLocaleString('en')} waiting`;
  report(`tick, ${label}: AdmitNext`, sums.admitMicros / measuredTicks, 'µs');
  report(`tick, ${label}: admitted per tick`, sums.admitted / measuredTicks, '', 1);
  report(`tick, ${label}: position pushes`, sums.pushMicros / measuredTicks, 'µs');
  report(`tick, ${label}: pushes per tick`, sums.pushes / measuredTicks, '', 0);
  report(`tick, ${label}: FinishAdmission each`, sums.finishMicros / Math.max(1, sums.finished), 'µs', 2);
}
const small = tickRows[10_000];
const large = tickRows[1_000_000];
if (small !== undefined && large !== undefined) {
  figures['AdmitNext per admission, 1M ÷ 10k'] = Number(
    (large.admitMicros / large.admitted / (small.admitMicros / small.admitted)).toFixed(2),
  );
  figures['position pushes per tick, 1M ÷ 10k'] = Number((large.pushMicros / small.pushMicros).toFixed(2));
}

const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
for (const [name, value] of Object.entries(figures))
  if (name.includes('÷')) console.log(`${name.padEnd(width)}  ${value}`);
const result = { at: new Date().toISOString(), node: process.version, entries, measuredTicks, figures };
console.log(JSON.stringify(result));
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
