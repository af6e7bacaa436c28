import { Worker } from 'node:worker_threads';
import { systemClock } from '../../platform/clock.ts';
import type { Catalog } from '../catalog.ts';
import type { Contacts } from '../contacts.ts';
import type { EventStore } from '../eventStore.ts';
import { migrate } from '../migrations.ts';
import type { OrderIndex } from '../orderIndex.ts';
import type { Outbox } from '../outbox.ts';
import type { ProjectionStore } from '../projectionStore.ts';
import { RecentAppends } from '../recentAppends.ts';
import { sqlCatalog } from '../sqlCatalog.ts';
import type { QueryOptions, SqlClient } from '../sqlClient.ts';
import { sqlContacts } from '../sqlContacts.ts';
import { sqlEventStore } from '../sqlEventStore.ts';
import { sqlOrderIndex } from '../sqlOrderIndex.ts';
import { sqlOutbox } from '../sqlOutbox.ts';
import { sqlProjectionStore } from '../sqlProjectionStore.ts';
import { isTransientSqlState, StoreUnavailableError } from '../storeErrors.ts';
import { type DataDirLock, lockDataDir } from './dataDirLock.ts';

/** `sql` is the raw connection, for projections and tests. */
export type PgliteStore = Readonly<{
  eventStore: EventStore;
  catalog: Catalog;
  orderIndex: OrderIndex;
  /** This database's notification outbox (one per database: each shard has its own). */
  outboxes: readonly Outbox[];
  /** This database's projections (their log cursor, documents and checkpoints). */
  projections: readonly ProjectionStore[];
  contacts: Contacts;
  sql: SqlClient;
  /** Fails at once when the worker is gone or has not answered anything for a second; else one `SELECT 1`. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
}>;

export type PgliteStoreOptions = Readonly<{
  /** A directory on disk, or memory when undefined (tests). */
  dataDir?: string;
  /** Longest a call waits for its answer, its turn in the worker's queue included. Default 5 s. */
  callTimeoutMs?: number;
  /**
   * Calls waiting and no answer to anything for this long: the worker is hung (a runaway statement, a stuck
   * WebAssembly call). On disk it is stopped and a new one opens the same directory. Default 15 s.
   */
  hangMs?: number;
  /**
   * The worker's module: pgliteWorker.mjs by default. A test runs it under a recorder of the file system's flushes
   * (durability.int.spec.ts).
   */
  workerUrl?: URL;
  /** Told about every worker started (tests stop one to see the store recover). */
  onWorker?: (worker: Worker) => void;
  /** The lock on `dataDir` was lost (see below): the store has stopped writing for good. */
  onLockLost?: (error: Error) => void;
}>;

export const pgliteTimeoutsDefault = { callTimeoutMs: 5_000, hangMs: 15_000 };
/** The worker answered nothing for this long while calls waited: a ping fails without queueing behind them. */
const pingStallMs = 1_000;
const restartDelayMaxMs = 30_000;

type Reply = Readonly<{ id: number; rows?: unknown[]; error?: { message: string; code?: string; sqlError?: boolean } }>;
type Waiting = { resolve: (rows: unknown[]) => void; reject: (error: Error) => void; cancelTimer: () => void };

/**
 * Opens the embedded Postgres. PGlite runs in a worker thread (see pgliteWorker.mjs) so the event actors keep batching
 * while it writes. It is one connection: statements run in the order they are sent, and a transaction holds every other
 * statement back until it ends.
 *
 * A folder is locked for as long as the store is open (dataDirLock.ts): a second store on it, in this process or
 * another, is refused with DataDirInUseError. Should the lock be lost (its folder removed, or the process stalled past
 * the stale time so another server took it), the store stops writing at once, fails every statement (unavailable, for
 * good: no new worker is started), and tells `onLockLost`.
 *
 * The worker is supervised: every call is bounded by `callTimeoutMs`; a worker that exits, fails or hangs fails every
 * call waiting on it with StoreUnavailableError. On disk a new worker then opens the same directory (after the old one
 * has stopped, so PGlite is never open twice), with backoff if that fails too; in memory the data died with the worker,
 * so the store stays unavailable and the server never says ready again.
 */
export async function openPgliteStore(options: PgliteStoreOptions = {}): Promise<PgliteStore> {
  const { callTimeoutMs, hangMs } = { ...pgliteTimeoutsDefault, ...options };
  let lostLock: (error: Error) => void = () => undefined;
  const lock: DataDirLock | undefined =
    options.dataDir === undefined ? undefined : await lockDataDir(options.dataDir, (error) => lostLock(error));
  /** The lock on the folder is gone: nothing may write to it any more, and no worker is started again. */
  let fenced = false;
  const pending = new Map<number, Waiting>();
  let nextId = 0;
  let worker: Worker | undefined;
  let down: StoreUnavailableError | undefined;
  let closed = false;
  let restarts = 0;
  /** Messages sent and not yet answered (timed-out callers included: the worker still has them). */
  let inFlight = 0;
  /** Since when the worker has owed an answer without giving any; undefined while it owes none. */
  let awaitingSince: number | undefined;
  /**
   * The worker has answered once, so PGlite is open. Opening takes seconds, tens of them on a loaded machine, and is not
   * watched: calls made meanwhile time out on their own, and a worker that never opens leaves the store unavailable.
   */
  let opened = false;

  const failAll = (error: StoreUnavailableError) => {
    for (const waiting of pending.values()) {
      waiting.cancelTimer();
      waiting.reject(error);
    }
    pending.clear();
  };

  /** The worker is gone (exited, failed, or hung and stopped): fail what waits, and start another when on disk. */
  const lose = (lost: Worker, error: StoreUnavailableError) => {
    if (lost !== worker) return;
    worker = undefined;
    down = error;
    inFlight = 0;
    awaitingSince = undefined;
    failAll(error);
    const stopped = lost.terminate().catch(() => undefined);
    if (closed || fenced || options.dataDir === undefined) return;
    const delayMs = Math.min(restartDelayMaxMs, 500 * 2 ** restarts);
    restarts += 1;
    const timer = setTimeout(() => {
      void stopped.then(() => {
        if (!closed && !fenced) start();
      });
    }, delayMs);
    timer.unref();
  };

  const start = () => {
    const started = new Worker(options.workerUrl ?? new URL('./pgliteWorker.mjs', import.meta.url), {
      workerData: { dataDir: options.dataDir },
    });
    worker = started;
    down = undefined;
    opened = false;
    started.on('message', (reply: Reply) => {
      if (started !== worker) return;
      opened = true;
      inFlight = Math.max(0, inFlight - 1);
      awaitingSince = inFlight > 0 ? systemClock.now() : undefined;
      const waiting = pending.get(reply.id);
      if (waiting === undefined) return;
      pending.delete(reply.id);
      waiting.cancelTimer();
      if (reply.error === undefined) {
        restarts = 0;
        waiting.resolve(reply.rows ?? []);
        return;
      }
      const { message, code, sqlError } = reply.error;
      const error = Object.assign(new Error(message), { code });
      waiting.reject(
        sqlError && !(code !== undefined && isTransientSqlState(code))
          ? error
          : new StoreUnavailableError(`PGlite failed: ${message}`, { cause: error }),
      );
    });
    started.on('error', (error) =>
      lose(started, new StoreUnavailableError('the PGlite worker failed', { cause: error })),
    );
    started.on('exit', (code) => lose(started, new StoreUnavailableError(`the PGlite worker exited with ${code}`)));
    options.onWorker?.(started);
  };

  // A hung worker answers nothing at all; one that is merely busy answers something every few milliseconds.
  const watchdog = setInterval(
    () => {
      const current = worker;
      if (current === undefined || awaitingSince === undefined || !opened) return;
      if (systemClock.now() - awaitingSince > hangMs)
        lose(current, new StoreUnavailableError(`the PGlite worker answered nothing for ${hangMs} ms`));
    },
    Math.max(50, hangMs / 4),
  );
  watchdog.unref();

  const send = (message: Record<string, unknown>, timeoutMs: number): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      const current = worker;
      if (closed) return reject(new StoreUnavailableError('the embedded database is closed'));
      if (current === undefined) return reject(down ?? new StoreUnavailableError('the embedded database is down'));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new StoreUnavailableError(`the embedded database did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, cancelTimer: () => clearTimeout(timer) });
      inFlight += 1;
      awaitingSince ??= systemClock.now();
      current.postMessage({ id, ...message });
    });

  // While a transaction runs, other statements wait for it, since they would otherwise join it.
  let transactionDone: Promise<void> = Promise.resolve();
  type Run = (sql: string, params: readonly unknown[], options?: QueryOptions) => Promise<unknown[]>;
  const runWithin =
    (timeoutMs: number): Run =>
    (sql, params, options) =>
      send(
        options?.prepare === true ? { sql, params: [...params], prepare: true } : { sql, params: [...params] },
        timeoutMs,
      );
  const clientWith = (run: Run): SqlClient => ({
    async query<Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<Row[]> {
      await transactionDone;
      return (await run(sql, params, options)) as Row[];
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      // The turn is taken before waiting: two transactions asked for together run one after the other. (Both waiting
      // on the same promise first, they ran at once on the one connection: one's ROLLBACK undid the other's writes,
      // and the rest of its statements ran outside any transaction.)
      const previous = transactionDone;
      let finish!: () => void;
      transactionDone = new Promise((resolve) => (finish = resolve));
      await previous;
      const tx: SqlClient = {
        query: async <Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) =>
          (await run(sql, params, options)) as Row[],
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
  });
  const client = clientWith(runWithin(callTimeoutMs));

  lostLock = (error) => {
    fenced = true;
    const current = worker;
    if (current !== undefined)
      lose(current, new StoreUnavailableError(`lost the lock on DATA_DIR; no more writes: ${error.message}`));
    down = new StoreUnavailableError(`lost the lock on DATA_DIR; no more writes: ${error.message}`);
    options.onLockLost?.(error);
  };

  const close = async () => {
    if (closed) return;
    clearInterval(watchdog);
    const current = worker;
    if (current !== undefined && down === undefined) await send({ close: true }, callTimeoutMs).catch(() => undefined);
    closed = true;
    worker = undefined;
    failAll(new StoreUnavailableError('the embedded database is closed'));
    await current?.terminate();
    await lock?.release().catch(() => undefined);
  };

  const ping = async () => {
    if (worker === undefined) throw down ?? new StoreUnavailableError('the embedded database is down');
    if (awaitingSince !== undefined && systemClock.now() - awaitingSince > pingStallMs)
      throw new StoreUnavailableError(`the embedded database has answered nothing for ${pingStallMs} ms`);
    await client.query('SELECT 1');
  };

  start();
  try {
    // Opening and migrating wait as long as they need: a loaded machine takes tens of seconds to start PGlite.
    await migrate(clientWith(runWithin(2 ** 31 - 1)));
  } catch (error) {
    await close();
    throw error;
  }
  // This process's appends, kept for its projection runner while it follows the log (RecentAppends).
  const recent = new RecentAppends();
  return {
    eventStore: sqlEventStore(client, close, undefined, undefined, recent),
    catalog: sqlCatalog(client),
    orderIndex: sqlOrderIndex(client),
    outboxes: [sqlOutbox(client)],
    projections: [sqlProjectionStore(client, recent)],
    contacts: sqlContacts(client),
    sql: client,
    ping,
    close,
  };
}
