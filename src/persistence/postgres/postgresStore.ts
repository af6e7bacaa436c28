import pg from 'pg';
import type { Catalog } from '../catalog.ts';
import type { Contacts } from '../contacts.ts';
import type { EventStore } from '../eventStore.ts';
import type { Fence, OwnerEpochs } from '../fence.ts';
import { migrate, quoteSchemaName } from '../migrations.ts';
import type { OrderIndex } from '../orderIndex.ts';
import type { Outbox } from '../outbox.ts';
import type { ProjectionStore } from '../projectionStore.ts';
import { RecentAppends } from '../recentAppends.ts';
import { sqlCatalog } from '../sqlCatalog.ts';
import type { OrderedQuery, QueryOptions, SqlClient } from '../sqlClient.ts';
import { sqlContacts } from '../sqlContacts.ts';
import { sqlEventStore } from '../sqlEventStore.ts';
import { sqlOrderIndex } from '../sqlOrderIndex.ts';
import { sqlOutbox } from '../sqlOutbox.ts';
import { sqlOwnerEpochs } from '../sqlOwnerEpochs.ts';
import { sqlProjectionStore } from '../sqlProjectionStore.ts';
import { isTransientSqlState, StoreUnavailableError } from '../storeErrors.ts';
import { orderedLanes } from './orderedLanes.ts';
import { queryConfig } from './queryConfig.ts';
import { servingPool } from './servingPool.ts';

export type PostgresStore = Readonly<{
  eventStore: EventStore;
  catalog: Catalog;
  /** One `SELECT 1` on a connection of its own (not the pool's), bounded by `pingTimeoutMs`. */
  ping: () => Promise<void>;
  orderIndex: OrderIndex;
  /** This database's notification outbox (one per database: each shard has its own). */
  outboxes: readonly Outbox[];
  /** This database's projections (their log cursor, documents and checkpoints). */
  projections: readonly ProjectionStore[];
  contacts: Contacts;
  /** The owner epochs that fence this database's streams (cluster mode). */
  ownerEpochs: OwnerEpochs;
  close: () => Promise<void>;
}>;

export type PostgresStoreOptions = Readonly<{
  connectionString: string;
  /** Tables live in this schema, created if missing; tests give each run its own. Default: `public`. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** Longest wait for a new connection, or for a free one from a full pool. Default 1 s. */
  connectTimeoutMs?: number;
  /**
   * Longest a statement may run on the server (`statement_timeout`); the driver gives up half a second later when the
   * server itself does not answer (a frozen or unreachable host). Default 2 s. Migrations at start are not bounded.
   */
  statementTimeoutMs?: number;
  /** Bound of a health ping, connecting included. Default 1 s. */
  pingTimeoutMs?: number;
  /** Cluster mode: every append requires the epoch this process holds for its stream (fence.ts). Unset: unfenced. */
  fence?: Fence;
}>;

export const postgresTimeoutsDefault = { connectTimeoutMs: 1_000, statementTimeoutMs: 2_000, pingTimeoutMs: 1_000 };
/** How much later than the server's statement_timeout the driver stops waiting for an answer. */
const queryTimeoutGraceMs = 500;
/** The longest `close` waits for the pool's connections to say goodbye. */
const closeWaitMsMax = 2_000;

/**
 * Opens a pooled connection to a Postgres server and migrates it. With `schema`, every connection starts with
 * `search_path` set to it (a startup option, so no connection can be handed out before it is set), and the same SQL as
 * PGlite runs unqualified. Every pooled call is bounded in time, and a connection failure or timeout reaches callers
 * as StoreUnavailableError.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const { connectTimeoutMs, statementTimeoutMs, pingTimeoutMs } = { ...postgresTimeoutsDefault, ...options };
  const connection = {
    connectionString: options.connectionString,
    keepAlive: true,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${quoteSchemaName(options.schema)}` }),
  };
  // Migrations run on a connection of their own without the serving timeouts: a migration may rewrite a big table, and
  // nodes starting together wait for each other's migration on the advisory lock.
  const migrator = new pg.Client({ ...connection, connectionTimeoutMillis: connectTimeoutMs });
  // Losing the server between two migration statements fails the next one; the 'error' event must not crash us.
  migrator.on('error', () => {});
  await migrator.connect();
  try {
    await migrate(singleConnectionClient(migrator), options.schema === undefined ? {} : { schema: options.schema });
  } finally {
    await migrator.end();
  }
  const pool = servingPool({
    ...connection,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + queryTimeoutGraceMs,
  });
  const client = poolClient(pool);
  const lanes = orderedLanes(pool, types);
  const ordered: OrderedQuery = <Row>(key: string, sql: string, params: readonly unknown[], options?: QueryOptions) =>
    lanes<Row>(key, sql, params, options).catch((error: unknown) => {
      throw postgresErrorToStoreError(error);
    });
  const pinger = createPinger({ ...connection, connectionTimeoutMillis: pingTimeoutMs, query_timeout: pingTimeoutMs });
  const close = async () => {
    await pinger.close();
    // Ending a connection waits for the server's goodbye, which a frozen or unreachable server never sends: a drain
    // during an outage must still finish, so the wait is bounded (the process is about to exit anyway).
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, closeWaitMsMax);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      pool.end().then(done, done);
    });
  };
  // This process's appends, kept for its projection runner while it follows the log (RecentAppends).
  const recent = new RecentAppends();
  return {
    eventStore: sqlEventStore(client, close, ordered, options.fence, recent),
    ownerEpochs: sqlOwnerEpochs(client),
    catalog: sqlCatalog(client),
    orderIndex: sqlOrderIndex(client),
    outboxes: [sqlOutbox(client)],
    projections: [sqlProjectionStore(client, recent)],
    contacts: sqlContacts(client),
    ping: pinger.ping,
    close,
  };
}

/**
 * Whether a driver error means "the database cannot run this now" (StoreUnavailableError) or "this statement failed"
 * (kept as is: a constraint, a type error, a bug). The server's own answers carry a SQLSTATE; everything else the
 * driver raises (refused or reset connections, timeouts, a pool that cannot connect) is about reaching the server,
 * except the TypeErrors and RangeErrors of a programming mistake.
 */
export const postgresErrorToStoreError = (error: unknown): unknown => {
  if (error instanceof pg.DatabaseError) {
    return error.code !== undefined && isTransientSqlState(error.code)
      ? new StoreUnavailableError(`Postgres cannot run statements now: ${error.message}`, { cause: error })
      : error;
  }
  if (error instanceof TypeError || error instanceof RangeError || error instanceof StoreUnavailableError) return error;
  return new StoreUnavailableError(`Postgres is unreachable: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
};

/** The driver's errors as the store's (postgresErrorToStoreError), raised where the driver raises them. */
const translated = <T>(work: Promise<T>): Promise<T> =>
  work.catch((error: unknown) => {
    throw postgresErrorToStoreError(error);
  });

/** A client whose statements' driver errors reach callers translated; a transaction on it joins the one open. */
function translatingStatements(client: SqlClient): SqlClient {
  const self: SqlClient = {
    query: <Row>(sql: string, params?: readonly unknown[], options?: QueryOptions) =>
      translated(client.query<Row>(sql, params, options)),
    transaction: (fn) => fn(self),
  };
  return self;
}

/**
 * The health ping's own connection, so a pool that is busy or full does not look like a database that is down. It is
 * opened on first use and dropped after any failure, so the next ping reconnects.
 */
function createPinger(config: pg.ClientConfig): { ping: () => Promise<void>; close: () => Promise<void> } {
  let connected: Promise<pg.Client> | undefined;
  const drop = () => {
    const dropped = connected;
    connected = undefined;
    void dropped?.then((client) => client.end()).catch(() => undefined);
  };
  return {
    async ping() {
      try {
        connected ??= (async () => {
          const client = new pg.Client(config);
          client.on('error', () => {});
          await client.connect();
          return client;
        })();
        await (await connected).query('SELECT 1');
      } catch (error) {
        drop();
        throw postgresErrorToStoreError(error);
      }
    },
    async close() {
      drop();
    },
  };
}

/**
 * The serving pool as a SqlClient. Every driver error (a statement's, the checkout's, BEGIN's or COMMIT's) is translated
 * where it is raised; an error thrown by a transaction's own function reaches the caller as itself (it is not the
 * driver's, and a caller may be waiting for exactly that error).
 */
export function poolClient(pool: pg.Pool): SqlClient {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<Row[]> {
      return (await translated(pool.query(queryConfig(sql, params, types, options)))).rows as Row[];
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const connection = await translated(pool.connect());
      try {
        await translated(connection.query('BEGIN'));
        const result = await fn(translatingStatements(connectionClient(connection)));
        await translated(connection.query('COMMIT'));
        connection.release();
        return result;
      } catch (error) {
        // A connection whose ROLLBACK fails is in an unknown state, so it is destroyed, not pooled again.
        const broken = await connection.query('ROLLBACK').then(
          () => undefined,
          (rollbackError: unknown) => rollbackError as Error,
        );
        connection.release(broken);
        throw error;
      }
    },
  };
}

/** A client bound to one checked-out connection, whose statements join the transaction already open on it. */
function connectionClient(connection: pg.ClientBase): SqlClient {
  const self: SqlClient = {
    async query<Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<Row[]> {
      return (await connection.query(queryConfig(sql, params, types, options))).rows as Row[];
    },
    transaction: (fn) => fn(self),
  };
  return self;
}

/** A client over one connection of its own (the migrator's): a transaction is BEGIN … COMMIT on it. */
function singleConnectionClient(connection: pg.ClientBase): SqlClient {
  const joined = connectionClient(connection);
  return {
    query: joined.query,
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      await connection.query('BEGIN');
      try {
        const result = await fn(joined);
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
  };
}

/**
 * Per-query type parsers rather than pg's global registry, so this adapter does not change how other code
 * in the process reads bigints. int8 becomes a number; the stores check it stays a safe integer.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;
