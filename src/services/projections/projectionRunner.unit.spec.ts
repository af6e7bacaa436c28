import { describe, expect, it } from 'vitest';
import {
  type AnyProjection,
  collectAll,
  isLogProjection,
  type LoggedEvent,
  type LogProjection,
  type Projection,
  projectAll,
} from '../../domain/projections/index.ts';
import type { StoredEvent } from '../../persistence/eventStore.ts';
import { inMemoryProjections } from '../../persistence/inMemory/inMemoryProjections.ts';
import type { ProjectionStore } from '../../persistence/projectionStore.ts';
import { RecentAppends } from '../../persistence/recentAppends.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ProjectionRunner } from './projectionRunner.ts';

/** Counts events per key; the three differ only in how they key an event, so their documents differ. */
const counting = (name: string, keyOf: (event: LoggedEvent) => string): Projection<{ n: number }> => ({
  name,
  keysOf: (event) => [keyOf(event)],
  evolve: (doc, _event) => ({ n: (doc?.n ?? 0) + 1 }),
});
/** Append-only: each event adds its position under its type; every type's references share one bucket. */
const positionsByType: LogProjection<number> = {
  kind: 'log',
  name: 'positions-by-type',
  entriesOf: (event) => [{ key: event.type, entry: event.position }],
  bucketOf: () => 'all',
};
const projections: AnyProjection[] = [
  counting('by-stream', (event) => event.streamId),
  counting('by-type', (event) => event.type),
  counting('by-parity', (event) => String(event.position % 2)),
  positionsByType,
];

const log: StoredEvent[] = Array.from({ length: 2_500 }, (_, index) => ({
  position: index + 1,
  streamId: `event-${index % 7}`,
  streamVersion: Math.floor(index / 7) + 1,
  type: index % 3 === 0 ? 'HoldPlaced' : 'HoldReleased',
  data: {},
  recordedAt: new Date(1_700_000_000_000 + index),
}));
const asLogged = (event: StoredEvent): LoggedEvent => ({ ...event, recordedAt: event.recordedAt.getTime() });

/** The in-memory projection store over `log`, counting how often the log is read. */
const storeOverLog = () => {
  const store = inMemoryProjections(async (after, limit) => log.filter((e) => e.position > after).slice(0, limit));
  const counted = { reads: 0 };
  const counting: ProjectionStore = {
    ...store,
    readSettled: (after, limit) => {
      counted.reads += 1;
      return store.readSettled(after, limit);
    },
  };
  return { store: counting, counted };
};

/** What the store holds for a projection, by key, and what folding the whole log in memory gives. */
const storedAndFolded = async (store: ProjectionStore, runner: ProjectionRunner, projection: AnyProjection) => {
  if (isLogProjection(projection)) {
    const folded = collectAll(projection, log.map(asLogged));
    const stored = await Promise.all(
      [...folded.keys()].map(async (key) => [key, await runner.entries(projection.name, key)]),
    );
    return { stored: Object.fromEntries(stored), folded: Object.fromEntries(folded) };
  }
  const folded = projectAll(projection, log.map(asLogged));
  return {
    stored: Object.fromEntries(await store.docs(projection.name, [...folded.keys()])),
    folded: Object.fromEntries(folded),
  };
};

describe('projection runner: the background pass', () => {
  it('reads the log once per batch for every projection together, and each ends as a fold of the whole log', async () => {
    const { store, counted } = storeOverLog();
    const runner = new ProjectionRunner({
      stores: [store],
      projections,
      clock: new ManualClock(0),
      batchSizeMax: 1_000,
    });
    expect(await runner.catchUp()).toBe(4 * 2_500);
    // 1,000 + 1,000 + 500: three reads, not three per projection.
    expect(counted.reads).toBe(3);
    for (const projection of projections) {
      const { stored, folded } = await storedAndFolded(store, runner, projection);
      expect(stored, projection.name).toEqual(folded);
    }
    expect((await runner.status()).map((row) => row.lagEvents)).toEqual([0, 0, 0, 0]);
  });

  it("commits every projection's batch in one call; one whose checkpoint a rival runner moved meanwhile writes nothing, the others land", async () => {
    const { store } = storeOverLog();
    const commits: string[][] = [];
    const rival = new ProjectionRunner({
      stores: [store],
      projections,
      clock: new ManualClock(0),
      batchSizeMax: 1_000,
    });
    const watched: ProjectionStore = {
      ...store,
      commit: async (batches) => {
        commits.push(batches.map((batch) => batch.name));
        // Between this pass's read of the checkpoints and its commit, a rival runner (another node) catches by-type up
        // from the same checkpoint and commits first.
        if (commits.length === 1) expect(await rival.catchUp('by-type')).toBe(2_500);
        return store.commit(batches);
      },
    };
    const runner = new ProjectionRunner({
      stores: [watched],
      projections,
      clock: new ManualClock(0),
      batchSizeMax: 1_000,
    });
    // by-type's 2,500 events were applied by the rival, once; this runner applied the other three's.
    expect(await runner.catchUp()).toBe(3 * 2_500);
    const names = projections.map((projection) => projection.name);
    // One commit per batch with every projection's batch in it; by-type has none once the rival moved it to the end.
    expect(commits).toEqual([
      names,
      names.filter((name) => name !== 'by-type'),
      names.filter((name) => name !== 'by-type'),
    ]);
    for (const projection of projections) {
      const { stored, folded } = await storedAndFolded(store, runner, projection);
      expect(stored, projection.name).toEqual(folded);
    }
    expect((await runner.status()).map((row) => row.lagEvents)).toEqual([0, 0, 0, 0]);
  });

  it('brings a projection that is behind up from its own checkpoint, and counts nothing twice for the others', async () => {
    const { store } = storeOverLog();
    const runner = new ProjectionRunner({
      stores: [store],
      projections,
      clock: new ManualClock(0),
      batchSizeMax: 1_000,
    });
    // One projection caught up alone to the middle of the log, the others not at all; then it is reset to the start.
    await runner.catchUp('by-type');
    await runner.catchUp('positions-by-type');
    await store.reset('by-stream');
    await store.reset('positions-by-type');
    await runner.catchUp();
    for (const projection of projections) {
      const { stored, folded } = await storedAndFolded(store, runner, projection);
      expect(stored, projection.name).toEqual(folded);
    }
  });
});

describe('projection runner: a read that must see what was committed before it', () => {
  it('waits until every transaction running at the call has ended, then catches up; past its bound it reads what there is', async () => {
    const { store, counted } = storeOverLog();
    // The database's horizon, as the test moves it: a transaction (id 7) was open when the read was asked for.
    let settled = 7;
    let calls = 0;
    let readsWhileWaiting = -1;
    const horizonOf: ProjectionStore = {
      ...store,
      horizon: async () => {
        calls += 1;
        // The open transaction ends after the read has looked three times.
        if (calls === 4) {
          readsWhileWaiting = counted.reads;
          settled = 12;
        }
        return { settled: String(settled), committed: '12' };
      },
    };
    const runner = new ProjectionRunner({ stores: [horizonOf], projections, clock: new ManualClock(0) });
    await runner.catchUpForRead('by-type');
    expect(calls).toBe(4);
    // No pass while the transaction was open; one after.
    expect(readsWhileWaiting).toBe(0);
    expect(counted.reads).toBeGreaterThan(0);
    expect((await runner.status()).find((row) => row.projection === 'by-type')?.lagEvents).toBe(0);

    // Nothing else running at the call: one look at the horizon, no wait.
    let looks = 0;
    const quiet: ProjectionStore = {
      ...store,
      horizon: async () => {
        looks += 1;
        return { settled: '12', committed: '12' };
      },
    };
    await new ProjectionRunner({ stores: [quiet], projections, clock: new ManualClock(0) }).catchUpForRead('by-type');
    expect(looks).toBe(1);

    // Stuck: the transaction never ends within the bound; the pass runs anyway and the read is served.
    const stuck: ProjectionStore = { ...store, horizon: async () => ({ settled: '3', committed: '12' }) };
    const bounded = new ProjectionRunner({
      stores: [stuck],
      projections,
      clock: new ManualClock(0),
      readWaitMaxMs: 20,
    });
    const before = counted.reads;
    await bounded.catchUpForRead('by-stream');
    expect(counted.reads).toBeGreaterThan(before);
  });
});

describe("projection runner: this process's own appends, from memory", () => {
  /** The log's events from `from` (1-based position) on, kept as this process's appends of one event each. */
  const keep = (recent: RecentAppends, from = 1, except: readonly number[] = []) => {
    for (const event of log) {
      if (event.position < from || except.includes(event.position)) continue;
      // In the in-memory store an event's transaction id is its position.
      recent.add({
        transactionId: String(event.position),
        streamId: event.streamId,
        firstVersion: event.streamVersion,
        firstPosition: event.position,
        recordedAt: event.recordedAt,
        events: [{ type: event.type, data: event.data }],
      });
    }
  };
  const runnerOver = (store: ProjectionStore, ownAppends = true) =>
    new ProjectionRunner({ stores: [store], projections, clock: new ManualClock(0), batchSizeMax: 1_000, ownAppends });
  const expectFolds = async (store: ProjectionStore, runner: ProjectionRunner) => {
    for (const projection of projections) {
      const { stored, folded } = await storedAndFolded(store, runner, projection);
      expect(stored, projection.name).toEqual(folded);
    }
  };

  it('folds them without reading the log back when the log has no other settled event', async () => {
    const { store, counted } = storeOverLog();
    const recent = new RecentAppends();
    const runner = runnerOver({ ...store, recent });
    runner.start();
    keep(recent);
    expect(await runner.catchUp()).toBe(4 * 2_500);
    expect(counted.reads).toBe(0);
    // All 2,500 in one batch (memory has them: the log's batch size does not cut them), checked against the log's count.
    expect(runner.batches).toEqual({ fromMemory: 1, fromLog: 0 });
    await expectFolds(store, runner);
    expect((await runner.status()).map((row) => row.lagEvents)).toEqual([0, 0, 0, 0]);
    await runner.stop();
    expect(recent.active).toBe(false);
    expect(recent.size).toBe(0);
  });

  it('reads the log for what it did not keep (written before a restart), then goes on from memory', async () => {
    const { store, counted } = storeOverLog();
    const recent = new RecentAppends();
    const runner = runnerOver({ ...store, recent });
    runner.start();
    keep(recent, 601);
    await runner.catchUp();
    // The log has 600 events more than memory: the first batch comes from the log (1..1,000); from there memory has
    // every one of them, taken in one batch.
    expect(counted.reads).toBe(1);
    expect(runner.batches).toEqual({ fromMemory: 1, fromLog: 1 });
    await expectFolds(store, runner);
  });

  it('reads the log when another writer committed an event between its own, and never skips it', async () => {
    const { store, counted } = storeOverLog();
    const recent = new RecentAppends();
    const runner = runnerOver({ ...store, recent });
    runner.start();
    keep(recent, 1, [2_222]);
    await runner.catchUp();
    // Every batch until the checkpoint passes the other writer's event is read from the log.
    expect(counted.reads).toBe(3);
    expect(runner.batches.fromLog).toBe(3);
    await expectFolds(store, runner);
  });

  it('counts past what memory held when it asked: appends answered while the count was on its way are kept too', async () => {
    const { store, counted } = storeOverLog();
    const recent = new RecentAppends();
    // The last 500 events' appends are answered after the count was sent and before its answer (they ran before it).
    const late: ProjectionStore = {
      ...store,
      recent,
      settledCount: async (after, limit) => {
        const answer = await store.settledCount(after, limit);
        if (recent.size === 2_000) keep(recent, 2_001);
        return answer;
      },
    };
    const runner = runnerOver(late);
    runner.start();
    keep(
      recent,
      1,
      log.slice(2_000).map((event) => event.position),
    );
    expect(recent.size).toBe(2_000);
    await runner.catchUp();
    expect(counted.reads).toBe(0);
    expect(runner.batches).toEqual({ fromMemory: 1, fromLog: 0 });
    await expectFolds(store, runner);
  });

  it('keeps nothing unless the background pass follows the log with ownAppends', async () => {
    const { store, counted } = storeOverLog();
    const recent = new RecentAppends();
    const runner = runnerOver({ ...store, recent }, false);
    runner.start();
    keep(recent);
    expect(recent.size).toBe(0);
    await runner.catchUp();
    expect(counted.reads).toBe(3);
    expect(runner.batches).toEqual({ fromMemory: 0, fromLog: 3 });
  });
});
