import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { eventStoreContract, streamVersionsPlanContract } from '../eventStore.contract.ts';
import { orderIndexContract, ordersByUserPlanContract } from '../orderIndex.contract.ts';
import { outboxContract, outboxPlanContract } from '../outbox.contract.ts';
import { projectionStoreContract, settledOrderContract } from '../projectionStore.contract.ts';
import { StoreUnavailableError } from '../storeErrors.ts';
import { DataDirInUseError } from './dataDirLock.ts';
import { openPgliteStore, type PgliteStore } from './pgliteStore.ts';

// PGlite takes seconds to start in its worker, so the contract cases share one instance, emptied before each.
let shared: Promise<PgliteStore> | undefined;
/** The shared store with these tables emptied (`TRUNCATE` arguments), its close left to this file's afterAll. */
const sharedEmptied = (tables: string) => async () => {
  shared ??= openPgliteStore();
  const store = await shared;
  await store.sql.query(`TRUNCATE ${tables}`);
  return { ...store, close: async () => undefined };
};
eventStoreContract(
  'PGlite in memory',
  sharedEmptied(
    'events, snapshots, snapshot_parts, catalog_events, catalog_venues, server_secrets RESTART IDENTITY CASCADE',
  ),
);
streamVersionsPlanContract('PGlite', sharedEmptied('events RESTART IDENTITY'));
orderIndexContract('PGlite', sharedEmptied('events RESTART IDENTITY'));
ordersByUserPlanContract('PGlite', sharedEmptied('events RESTART IDENTITY'));
outboxContract('PGlite', sharedEmptied('events, outbox, buyer_contacts RESTART IDENTITY'));
outboxPlanContract('PGlite', sharedEmptied('events, outbox, buyer_contacts RESTART IDENTITY'));
projectionStoreContract('PGlite', sharedEmptied('projection_docs, projection_refs, projection_checkpoints'));
settledOrderContract('PGlite', sharedEmptied('events RESTART IDENTITY'));
afterAll(async () => (await shared)?.close());

describe('PGlite prepared statements', () => {
  it('prepares the append once in the worker and runs every later append of its shape from there', async () => {
    const store = await sharedEmptied('events RESTART IDENTITY')();
    const before = await appendRuns(store);
    await store.eventStore.append('prepared', 0, [{ type: 'A', data: { n: 1 } }]);
    await store.eventStore.append('prepared', 1, [
      { type: 'B', data: { n: 2 } },
      { type: 'C', data: null },
    ]);
    expect(await appendRuns(store)).toEqual({ statements: 1, runs: before.runs + 2 });
    expect((await store.eventStore.readStream('prepared')).map((e) => [e.type, e.data])).toEqual([
      ['A', { n: 1 }],
      ['B', { n: 2 }],
      ['C', null],
    ]);
  });

  it('answers a prepared statement Postgres refuses with its SQLSTATE, and keeps serving the next', async () => {
    const store = await sharedEmptied('events RESTART IDENTITY')();
    const insert = `INSERT INTO events (stream_id, stream_version, type, data) VALUES ($1, $2, 'T', '{}') RETURNING stream_version`;
    expect(await store.sql.query(insert, ['twice', 1], { prepare: true })).toEqual([{ stream_version: 1 }]);
    await expect(store.sql.query(insert, ['twice', 1], { prepare: true })).rejects.toMatchObject({ code: '23505' });
    expect(await store.sql.query(insert, ['twice', 2], { prepare: true })).toEqual([{ stream_version: 2 }]);
  });
});

/** The plain append's prepared statements in the worker's session, and how often they ran. */
const appendRuns = async (store: PgliteStore) => {
  const [row] = await store.sql.query<{ statements: number; runs: number }>(
    `SELECT count(*)::int AS statements, coalesce(sum(generic_plans + custom_plans), 0)::int AS runs
     FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO events%' AND statement NOT LIKE '%outbox%'
       AND statement NOT LIKE '%append_id%' AND statement NOT LIKE '%event_owner%'`,
  );
  return row!;
};

describe('PGlite transactions', () => {
  it('runs two transactions asked for together one after the other: a rollback undoes only its own', async () => {
    const store = await sharedEmptied('outbox RESTART IDENTITY')();
    const insert = (key: string) =>
      `INSERT INTO outbox (key, topic, user_id, payload, caused_at, due_at) VALUES ('${key}', 't', 'u', '{}', 1, 1)`;
    // Asked for in the same turn: on one connection they must not interleave (they did before a641aef).
    const [failed, committed] = await Promise.allSettled([
      store.sql.transaction(async (tx) => {
        await tx.query(insert('rolled-back'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      }),
      store.sql.transaction(async (tx) => {
        await tx.query(insert('committed'));
        await new Promise((resolve) => setTimeout(resolve, 40));
        await tx.query(insert('committed-2'));
      }),
    ]);
    expect(failed.status).toBe('rejected');
    expect(committed.status).toBe('fulfilled');
    expect(await store.sql.query('SELECT key FROM outbox ORDER BY key')).toEqual([
      { key: 'committed' },
      { key: 'committed-2' },
    ]);
  });
});

describe("PGlite: this process's appends kept for the projection runner", () => {
  it('keeps each committed append exactly as the log has it (positions, versions, transaction id, recorded_at)', async () => {
    shared ??= openPgliteStore();
    const store = await shared;
    await store.sql.query('TRUNCATE events RESTART IDENTITY');
    const projection = store.projections[0]!;
    const recent = projection.recent!;
    recent.follow(true);
    try {
      await store.eventStore.append('event-a', 0, [
        { type: 'HoldPlaced', data: { seatIds: ['A-1'], who: 'Zoë', at: 1 } },
        { type: 'HoldReleased', data: { seatIds: ['A-1'], at: 2 } },
      ]);
      await store.eventStore.append('event-b', 0, [{ type: 'HoldPlaced', data: { seatIds: ['B-1'], at: 3 } }]);
      // Refused (wrong version): nothing kept.
      await expect(store.eventStore.append('event-b', 0, [{ type: 'HoldPlaced', data: {} }])).rejects.toThrow();
      const start = { transactionId: '0', position: 0 };
      const { settled, count } = await projection.settledCount(start, 100);
      expect(count).toBe(3);
      expect(recent.size).toBe(3);
      expect(recent.settledAfter(start, settled)).toEqual(await projection.readSettled(start, 100));
    } finally {
      recent.follow(false);
    }
  });
});

describe('PGlite on disk', () => {
  it('keeps events, snapshots and the catalog across a close and reopen, and migrates only once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-store-'));
    try {
      const first = await openPgliteStore({ dataDir });
      await first.eventStore.append('event-a', 0, [{ type: 'SeatsHeld', data: { seats: ['a1'], who: 'Zoë' } }]);
      await first.eventStore.saveSnapshot('event-a', 1, { held: 1 });
      await first.close();

      const second = await openPgliteStore({ dataDir });
      try {
        const read = await second.eventStore.readStream('event-a');
        expect(read.map((e) => [e.streamVersion, e.type, e.data])).toEqual([
          [1, 'SeatsHeld', { seats: ['a1'], who: 'Zoë' }],
        ]);
        expect(await second.eventStore.loadSnapshot('event-a')).toMatchObject({ version: 1, state: { held: 1 } });
        const next = await second.eventStore.append('event-a', 1, [{ type: 'SeatsReleased', data: {} }]);
        expect(next.lastPosition).toBeGreaterThan(read[0]!.position);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('is opened by one store at a time: a second open of the folder is refused while the first is open', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-lock-'));
    try {
      const first = await openPgliteStore({ dataDir });
      const second = openPgliteStore({ dataDir });
      await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(second).rejects.toThrow(`is in use by another seatactor server (pid ${process.pid}`);
      await first.eventStore.append('still-mine', 0, [{ type: 'Written', data: {} }]);
      await first.close();
      const third = await openPgliteStore({ dataDir });
      expect(await third.eventStore.readStream('still-mine')).toHaveLength(1);
      await third.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('PGlite worker supervision', () => {
  /** Polls until `check` resolves true; PGlite takes seconds (tens on a loaded machine) to open a new worker. */
  const until = async (check: () => Promise<boolean>, timeoutMs = 50_000): Promise<void> => {
    const started = Date.now();
    while (!(await check().catch(() => false))) {
      if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const outcome = (call: Promise<unknown>) =>
    call.then(
      () => 'ok',
      (error: Error) => error.name,
    );

  it('answers StoreUnavailableError when the worker hangs or dies, and a new worker serves the same data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-supervised-'));
    const workers: Worker[] = [];
    const store = await openPgliteStore({
      dataDir,
      callTimeoutMs: 1_000,
      hangMs: 2_000,
      onWorker: (worker) => workers.push(worker),
    });
    try {
      await store.eventStore.append('event-a', 0, [{ type: 'Kept', data: {} }]);
      // A statement Postgres refuses is the statement's fault, not an outage.
      await expect(store.sql.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
      await expect(store.sql.query('SELECT * FROM no_such_table')).rejects.not.toBeInstanceOf(StoreUnavailableError);

      // A runaway statement holds the single connection: everything behind it times out, the ping fails at once.
      const runaway = outcome(store.sql.query('SELECT pg_sleep(600)'));
      const startedAt = Date.now();
      expect(await outcome(store.eventStore.readStream('event-a'))).toBe('StoreUnavailableError');
      expect(Date.now() - startedAt).toBeLessThan(3_000);
      expect(await runaway).toBe('StoreUnavailableError');
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      // After hangMs without an answer the worker is stopped and a new one opens the directory.
      await until(async () => (await store.eventStore.readStream('event-a')).length === 1);
      expect(workers).toHaveLength(2);
      await store.ping();

      // A worker that dies fails what waits on it, and is replaced the same way.
      const waiting = outcome(store.sql.query('SELECT pg_sleep(5)'));
      await workers[1]!.terminate();
      expect(await waiting).toBe('StoreUnavailableError');
      await until(async () => (await store.eventStore.readStream('event-a')).length === 1);
      expect(workers).toHaveLength(3);
      await store.eventStore.append('event-a', 1, [{ type: 'AfterRestarts', data: {} }]);
      expect((await store.eventStore.readStream('event-a')).map((event) => event.type)).toEqual([
        'Kept',
        'AfterRestarts',
      ]);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
    // PGlite opens three times here, each a few seconds (tens of them on a loaded machine).
  }, 180_000);

  it('in memory, a dead worker leaves the store unavailable: its data died with it', async () => {
    const workers: Worker[] = [];
    const store = await openPgliteStore({ onWorker: (worker) => workers.push(worker) });
    try {
      await store.ping();
      await workers[0]!.terminate();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.eventStore.readStream('event-a')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.catalog.listEvents(1)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
