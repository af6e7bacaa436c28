import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Catalog } from '../catalog.ts';
import type { EventStore } from '../eventStore.ts';
import { migrate } from '../migrations.ts';
import { sqlCatalog } from '../sqlCatalog.ts';
import type { SqlClient } from '../sqlClient.ts';
import { sqlEventStore } from '../sqlEventStore.ts';

export type PgliteStore = Readonly<{ eventStore: EventStore; catalog: Catalog; close: () => Promise<void> }>;

/**
 * Opens the embedded Postgres: a directory on disk, or memory when `dataDir` is undefined (tests).
 * PGlite is one connection; it already queues every `query` and `transaction` behind one lock, so this
 * adapter adds no queue of its own, it only maps the API onto SqlClient.
 */
export async function openPgliteStore(options: { dataDir?: string } = {}): Promise<PgliteStore> {
  const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  const client = pgliteClient(db);
  try {
    await migrate(client);
  } catch (error) {
    await db.close();
    throw error;
  }
  const close = () => db.close();
  return { eventStore: sqlEventStore(client, close), catalog: sqlCatalog(client), close };
}

function pgliteClient(db: PGlite | Transaction): SqlClient {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      return (await db.query<Row>(sql, [...params])).rows;
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      // PGlite has no nested transactions; inside one, the caller's statements simply join it.
      if (!(db instanceof PGlite)) return fn(pgliteClient(db));
      return db.transaction((tx) => fn(pgliteClient(tx)));
    },
  };
}
