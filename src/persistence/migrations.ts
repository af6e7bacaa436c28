import type { SqlClient } from './sqlClient.ts';

/**
 * The schema as an ordered, append-only list: a migration that shipped is never edited, a change is a new
 * entry. Each statement is separate because PGlite's `query` runs exactly one statement (extended protocol).
 * The SQL is the same for PGlite and Postgres.
 */
export type Migration = Readonly<{ id: number; name: string; statements: readonly string[] }>;

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'events and snapshots',
    statements: [
      `CREATE TABLE events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id text NOT NULL,
        stream_version int NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, stream_version)
      )`,
      `CREATE TABLE snapshots (
        stream_id text PRIMARY KEY,
        version int NOT NULL,
        state jsonb NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    id: 2,
    name: 'catalog',
    statements: [
      `CREATE TABLE catalog_venues (
        id text PRIMARY KEY,
        name text NOT NULL,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE catalog_events (
        id text PRIMARY KEY,
        venue_id text NOT NULL REFERENCES catalog_venues (id),
        name text NOT NULL,
        config jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    id: 3,
    name: 'outbox and projection checkpoints',
    statements: [
      `CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz NULL
      )`,
      // Undelivered rows are the only ones a relay looks for, so only they are indexed.
      `CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL`,
      `CREATE TABLE projection_checkpoints (
        name text PRIMARY KEY,
        position bigint NOT NULL
      )`,
    ],
  },
  {
    id: 4,
    name: 'server secrets',
    statements: [
      // Keys the server generates for itself (the ticket signing key): kept out of the event log, which
      // projections and exports read whole.
      `CREATE TABLE server_secrets (
        name text PRIMARY KEY,
        value text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    id: 5,
    name: 'snapshots as json',
    statements: [
      // A snapshot is written whole and read whole, never queried inside: json keeps the text as it came, where jsonb
      // would parse megabytes into its binary form on every write (in the same single thread as PGlite's appends).
      `ALTER TABLE snapshots ALTER COLUMN state TYPE json USING state::json`,
      `ALTER TABLE snapshots ALTER COLUMN state SET STORAGE EXTERNAL`,
    ],
  },
  {
    id: 6,
    name: 'snapshots in parts',
    statements: [
      // A snapshot is written as several small statements, so appends queue behind one part, not the whole (on
      // PGlite's single connection a 6 MB snapshot held every append back for ~120 ms). `snapshots` becomes the head
      // row naming the version whose parts are complete; `state` stays for snapshots written before parts existed.
      `CREATE TABLE snapshot_parts (
        stream_id text NOT NULL,
        version int NOT NULL,
        part int NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (stream_id, version, part)
      )`,
      `ALTER TABLE snapshot_parts ALTER COLUMN body SET STORAGE EXTERNAL`,
      `ALTER TABLE snapshots ALTER COLUMN state DROP NOT NULL`,
      `ALTER TABLE snapshots ADD COLUMN parts int`,
    ],
  },
  {
    id: 7,
    name: 'orders by buyer',
    statements: [
      // GET /v1/me/orders finds a buyer's orders across events. Partial: only order placements are indexed, so the
      // appends of a flash sale's holds (the hot path) add no index entry; an order adds one.
      `CREATE INDEX events_orders_by_user ON events ((data->>'userId')) WHERE type = 'OrderPlaced'`,
    ],
  },
  {
    id: 8,
    name: 'notifications outbox and buyer contacts',
    statements: [
      // Migration 3's outbox was never written to: it is replaced by one a dispatcher can lease, retry and dead-letter.
      // Times the dispatcher compares are epoch ms from the server's clock (bigint), so tests move them.
      `DROP TABLE outbox`,
      `CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key text NOT NULL UNIQUE,
        topic text NOT NULL,
        user_id text NOT NULL,
        payload jsonb NOT NULL,
        caused_at bigint NOT NULL,
        due_at bigint NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        leased_by text NULL,
        channels_done jsonb NOT NULL DEFAULT '[]',
        last_error text NULL,
        delivered_at bigint NULL,
        dead_at bigint NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      // Only rows still to deliver are looked for, and dead letters counted: delivered rows stay out of both indexes.
      `CREATE INDEX outbox_due ON outbox (due_at, id) WHERE delivered_at IS NULL AND dead_at IS NULL`,
      `CREATE INDEX outbox_dead ON outbox (id) WHERE dead_at IS NOT NULL`,
      `CREATE TABLE buyer_contacts (
        user_id text PRIMARY KEY,
        contact jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    id: 9,
    name: 'append ids',
    statements: [
      // The last event of an append may carry the id its writer gave the append, so a pipelined append can require
      // that it follows that very append, not merely the same version (eventStore.ts, AppendChain).
      `ALTER TABLE events ADD COLUMN append_id text`,
    ],
  },
  {
    id: 10,
    name: 'projections: settled cursor, documents, snapshot history',
    statements: [
      // The id of the transaction that wrote each event. Positions are handed out when a row is inserted, not when its
      // transaction commits, so a reader following positions alone would skip an event whose transaction commits after
      // a later position was read. Projections read only events of transactions older than every transaction still
      // running (pg_snapshot_xmin of the current snapshot), in (transaction_id, position) order: a late commit can make
      // them wait, never skip. Rows written before this migration all get its transaction's id, which is below any new one.
      `ALTER TABLE events ADD COLUMN transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()`,
      `CREATE INDEX events_by_transaction ON events (transaction_id, position)`,
      `ALTER TABLE projection_checkpoints ADD COLUMN transaction_id xid8 NOT NULL DEFAULT '0'`,
      `ALTER TABLE projection_checkpoints ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`,
      // A projection's documents, written with its checkpoint in one transaction.
      `CREATE TABLE projection_docs (
        projection text NOT NULL,
        key text NOT NULL,
        doc jsonb NOT NULL,
        PRIMARY KEY (projection, key)
      )`,
      // Snapshots kept for temporal reads (the seat map at an instant): the parts of these versions are not collected
      // when a newer snapshot is written. One every few thousand events at most, so the history stays small.
      `CREATE TABLE snapshot_history (
        stream_id text NOT NULL,
        version int NOT NULL,
        parts int NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream_id, version)
      )`,
    ],
  },
  {
    id: 11,
    name: 'event owners',
    statements: [
      // Cluster mode: who owns an event's stream and under which epoch (fencing token). A node bumps the epoch when it
      // takes an event over, and every append of a fenced store requires its epoch to be the current one in the same
      // statement, so a deposed owner can never write (src/cluster/, docs/architecture.md). `node` is NULL when the
      // owner let the event go on purpose (passivated), so nobody takes it over until it is asked for. Id 10 is
      // another change's; the runner applies whatever ids a database lacks, in list order.
      `CREATE TABLE event_owner (
        stream_id text PRIMARY KEY,
        epoch bigint NOT NULL,
        node text NULL,
        claimed_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    id: 12,
    name: 'log projections: references to the log',
    statements: [
      // Log projections (seat history) keep where their entries came from, not the entries: one row per bucket a batch
      // touches, holding `[[key, position], ...]` as text; a read fetches those events and derives the entries again.
      // As one jsonb document per seat, a seat's history was read and rewritten whole on every change, on the same
      // PGlite worker that commits the holds; as one jsonb row per entry it still cost ~30 µs per change there.
      `CREATE TABLE projection_refs (
        projection text NOT NULL,
        bucket text NOT NULL,
        position bigint NOT NULL,
        refs text NOT NULL,
        PRIMARY KEY (projection, bucket, position)
      )`,
      // The seat history kept as documents before: dropped with its checkpoint, so the runner builds it again as entries.
      `DELETE FROM projection_docs WHERE projection = 'seat-history'`,
      `DELETE FROM projection_checkpoints WHERE name = 'seat-history'`,
      // The buyers projection no longer keeps holds (GET /v1/me/holds reads the actors): rebuilt without them.
      `DELETE FROM projection_docs WHERE projection = 'buyers'`,
      `DELETE FROM projection_checkpoints WHERE name = 'buyers'`,
    ],
  },
];

/** Any constant works; it only has to be the same for every node migrating the same database. */
const migrationLockKey = 7_245_001;

const schemaNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, all in one transaction, so a failure
 * leaves the schema as it was. A transaction-scoped advisory lock makes nodes that start together take
 * turns: the second one waits, then finds nothing left to do. When `schema` is given it is created first,
 * under the same lock, because two `CREATE SCHEMA IF NOT EXISTS` can still collide.
 */
export async function migrate(
  client: SqlClient,
  options: { schema?: string } = {},
  list: readonly Migration[] = migrations,
): Promise<number[]> {
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    if (options.schema !== undefined) {
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoteSchemaName(options.schema)}`);
    }
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id int PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await tx.query<{ id: number }>('SELECT id FROM schema_migrations')).map((row) => row.id));
    const applied: number[] = [];
    for (const migration of list) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
      applied.push(migration.id);
    }
    return applied;
  });
}

/** Schema names go into SQL text (DDL takes no parameters), so only plain lower-case identifiers pass. */
export function quoteSchemaName(schema: string): string {
  if (!schemaNamePattern.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return `"${schema}"`;
}
