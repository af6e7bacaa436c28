import pg from 'pg';
import type { Catalog } from '../catalog.ts';
import type { EventStore } from '../eventStore.ts';
import { migrate, quoteSchemaName } from '../migrations.ts';
import { sqlCatalog } from '../sqlCatalog.ts';
import type { SqlClient } from '../sqlClient.ts';
import { sqlEventStore } from '../sqlEventStore.ts';

export type PostgresStore = Readonly<{ eventStore: EventStore; catalog: Catalog; close: () => Promise<void> }>;

export type PostgresStoreOptions = Readonly<{
  connectionString: string;
  /** Tables live in this schema, created if missing; tests give each run its own. Default: `public`. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
}>;

/**
 * Opens a pooled connection to a Postgres server and migrates it. With `schema`, every pooled connection
 * starts with `search_path` set to it (a startup option, so no connection can be handed out before it is
 * set), and the same SQL as PGlite runs unqualified.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${quoteSchemaName(options.schema)}` }),
  });
  // An idle client that loses its server emits 'error'; without a listener that would crash the process,
  // while the pool already drops the client and the next query reports the outage as an operating error.
  pool.on('error', () => {});
  const client = poolClient(pool);
  try {
    await migrate(client, options.schema === undefined ? {} : { schema: options.schema });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const close = () => pool.end();
  return { eventStore: sqlEventStore(client, close), catalog: sqlCatalog(client), close };
}

function poolClient(pool: pg.Pool): SqlClient {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      return (await pool.query({ text: sql, values: [...params], types })).rows as Row[];
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      try {
        await connection.query('BEGIN');
        const result = await fn(connectionClient(connection));
        await connection.query('COMMIT');
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
function connectionClient(connection: pg.PoolClient): SqlClient {
  const self: SqlClient = {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      return (await connection.query({ text: sql, values: [...params], types })).rows as Row[];
    },
    transaction: (fn) => fn(self),
  };
  return self;
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
