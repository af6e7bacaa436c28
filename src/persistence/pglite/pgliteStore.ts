import { Worker } from 'node:worker_threads';
import type { Catalog } from '../catalog.ts';
import type { EventStore } from '../eventStore.ts';
import { migrate } from '../migrations.ts';
import { sqlCatalog } from '../sqlCatalog.ts';
import type { SqlClient } from '../sqlClient.ts';
import { sqlEventStore } from '../sqlEventStore.ts';
import { type DataDirLock, lockDataDir } from './dataDirLock.ts';

/** `sql` is the raw connection, for projections and tests. */
export type PgliteStore = Readonly<{
  eventStore: EventStore;
  catalog: Catalog;
  sql: SqlClient;
  close: () => Promise<void>;
}>;

type Reply = Readonly<{ id: number; rows?: unknown[]; error?: { message: string; code?: string } }>;

/**
 * Opens the embedded Postgres: a directory on disk, or memory when `dataDir` is undefined (tests).
 * PGlite runs in a worker thread (see pgliteWorker.mjs) so the event actors keep batching while it writes.
 * It is one connection: statements run in the order they are sent, and a transaction holds every other
 * statement back until it ends. A folder is locked for as long as the store is open (dataDirLock.ts): a second
 * store on it, in this process or another, is refused with DataDirInUseError. Should the lock be lost (its folder
 * removed, or the process stalled past the stale time so another server took it), the store stops writing at once,
 * fails every statement, and tells `onLockLost`.
 */
export async function openPgliteStore(
  options: { dataDir?: string; onLockLost?: (error: Error) => void } = {},
): Promise<PgliteStore> {
  let lostLock: (error: Error) => void = () => undefined;
  const lock: DataDirLock | undefined =
    options.dataDir === undefined ? undefined : await lockDataDir(options.dataDir, (error) => lostLock(error));
  const worker = new Worker(new URL('./pgliteWorker.mjs', import.meta.url), {
    workerData: { dataDir: options.dataDir },
  });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let exited: Error | undefined;
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error === undefined) waiting?.resolve(reply.rows ?? []);
    else waiting?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
  });
  const failAll = (error: Error) => {
    // The first cause is the one worth reporting (a lost lock, then the worker's exit it caused).
    exited ??= error;
    for (const waiting of pending.values()) waiting.reject(exited);
    pending.clear();
  };
  worker.on('error', failAll);
  lostLock = (error) => {
    failAll(new Error(`lost the lock on DATA_DIR; no more writes: ${error.message}`));
    void worker.terminate();
    options.onLockLost?.(error);
  };
  worker.on('exit', (code) => failAll(new Error(`PGlite worker exited with ${code}`)));

  const send = (message: Record<string, unknown>): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      if (exited !== undefined) return reject(exited);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });

  // While a transaction runs, other statements wait for it, since they would otherwise join it.
  let transactionDone: Promise<void> = Promise.resolve();
  const run = (sql: string, params: readonly unknown[]) => send({ sql, params: [...params] });
  const client: SqlClient = {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      await transactionDone;
      return (await run(sql, params)) as Row[];
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      await transactionDone;
      let finish!: () => void;
      transactionDone = new Promise((resolve) => (finish = resolve));
      const tx: SqlClient = {
        query: async <Row>(sql: string, params: readonly unknown[] = []) => (await run(sql, params)) as Row[],
        transaction: (inner) => inner(tx),
      };
      try {
        await run('BEGIN', []);
        const result = await fn(tx);
        await run('COMMIT', []);
        return result;
      } catch (error) {
        await run('ROLLBACK', []).catch(() => undefined);
        throw error;
      } finally {
        finish();
      }
    },
  };

  const close = async () => {
    if (exited === undefined) await send({ close: true }).catch(() => undefined);
    await worker.terminate();
    await lock?.release().catch(() => undefined);
  };
  try {
    await migrate(client);
  } catch (error) {
    await close();
    throw error;
  }
  return { eventStore: sqlEventStore(client, close), catalog: sqlCatalog(client), sql: client, close };
}
