/**
 * The store's cost per append, alone: one stream, appends of `--events` hold/release-shaped events one after another
 * through the real adapter (PGlite's worker, or the Postgres pool), nothing else running. Reports per append the wall
 * time, this process's CPU (every thread: PGlite's worker included) and, on Postgres, the CPU of the backends it opened
 * (found by application_name). Run it in two checkouts in alternation for a before/after of the append path.
 *
 *   npx tsx bench/appendCost.ts [--stores pglite,postgres] [--events 1,100] [--appends 200] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import type { EventStore } from '../src/persistence/eventStore.ts';
import { openPgliteStore } from '../src/persistence/pglite/pgliteStore.ts';
import { round } from './benchServer.ts';
import { holdReleaseBatch, openBenchPostgres } from './storeBench.ts';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'pglite,postgres' },
    events: { type: 'string', default: '1,100' },
    appends: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
  },
});

type Opened = { eventStore: EventStore; backendTicks: () => Promise<number>; close: () => Promise<void> };

const open = async (store: string): Promise<Opened> => {
  if (store === 'pglite') {
    const opened = await openPgliteStore();
    return { eventStore: opened.eventStore, backendTicks: async () => 0, close: opened.close };
  }
  const opened = await openBenchPostgres('appendcost');
  return { eventStore: opened.eventStore, backendTicks: opened.backendTicks, close: opened.close };
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const store of values.stores.split(',')) {
  const opened = await open(store);
  const appends = Number(values.appends);
  for (const size of values.events.split(',').map(Number)) {
    const batches = Array.from({ length: 10 }, () => holdReleaseBatch(size, Date.now()));
    const stream = `cost-${size}`;
    let version = 0;
    const run = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await opened.eventStore.append(stream, version, batches[i % batches.length]!);
        version += size;
      }
    };
    await run(Math.max(20, appends / 5)); // warm-up
    const windows: { wall: number; cpu: number; backend: number }[] = [];
    for (let r = 0; r < Number(values.rounds); r++) {
      const cpu0 = process.cpuUsage();
      const backend0 = await opened.backendTicks();
      const wall0 = performance.now();
      await run(appends);
      const wall = ((performance.now() - wall0) * 1000) / appends;
      const cpuUsed = process.cpuUsage(cpu0);
      const backend = (((await opened.backendTicks()) - backend0) * 10_000) / appends;
      windows.push({ wall, cpu: (cpuUsed.user + cpuUsed.system) / appends, backend });
    }
    const result = {
      store,
      eventsPerAppend: size,
      appends: appends * windows.length,
      wallUsPerAppend: round(median(windows.map((w) => w.wall)), 0),
      processCpuUsPerAppend: round(median(windows.map((w) => w.cpu)), 0),
      processCpuMinUs: round(Math.min(...windows.map((w) => w.cpu)), 0),
      backendCpuUsPerAppend: round(median(windows.map((w) => w.backend)), 0),
      backendCpuMinUs: round(Math.min(...windows.map((w) => w.backend)), 0),
    };
    console.log(JSON.stringify(result));
  }
  await opened.close();
}
