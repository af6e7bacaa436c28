import {
  type Checkpoint,
  CheckpointMovedError,
  type CheckpointRow,
  checkpointStart,
  type ProjectionStore,
  type SettledEvent,
} from './projectionStore.ts';
import { type SqlClient, toSafeNumber } from './sqlClient.ts';

type Row = {
  transaction_id: string;
  position: unknown;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  recorded_at: Date;
};

/**
 * Served by events_by_transaction (migration 10). The horizon is the snapshot's xmin: every transaction below it has
 * ended, so no event can still appear with a transaction id below it. The same SQL runs on PGlite, whose one
 * connection never has another writer in flight while this runs.
 */
export const readSettledSql = `
  SELECT transaction_id::text AS transaction_id, position, stream_id, stream_version, type, data, recorded_at
  FROM events
  WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY transaction_id, position
  LIMIT $3`;

const countSettledSql = `
  SELECT count(*) AS n FROM events
  WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

/** Moves the checkpoint from `from` to `to` inside the writer's transaction, or throws CheckpointMovedError. */
const moveCheckpoint = async (tx: SqlClient, name: string, from: Checkpoint, to: Checkpoint): Promise<void> => {
  // The row exists from the first commit on; before it, `from` is the start.
  await tx.query(
    `INSERT INTO projection_checkpoints (name, position, transaction_id) VALUES ($1, 0, '0') ON CONFLICT (name) DO NOTHING`,
    [name],
  );
  const moved = await tx.query(
    `UPDATE projection_checkpoints SET transaction_id = $2::text::xid8, position = $3, updated_at = now()
     WHERE name = $1 AND transaction_id = $4::text::xid8 AND position = $5
     RETURNING name`,
    [name, to.transactionId, to.position, from.transactionId, from.position],
  );
  if (moved.length === 0) throw new CheckpointMovedError(name);
};

export const sqlProjectionStore = (client: SqlClient): ProjectionStore => ({
  async readSettled(after, limit) {
    const rows = await client.query<Row>(readSettledSql, [after.transactionId, after.position, limit]);
    return rows.map(
      (row): SettledEvent => ({
        transactionId: String(row.transaction_id),
        position: toSafeNumber(row.position),
        streamId: row.stream_id,
        streamVersion: row.stream_version,
        type: row.type,
        data: row.data,
        recordedAt: row.recorded_at,
      }),
    );
  },

  async countSettled(after) {
    const [row] = await client.query<{ n: unknown }>(countSettledSql, [after.transactionId, after.position]);
    return toSafeNumber(row?.n ?? 0);
  },

  async checkpoint(name) {
    const [row] = await client.query<{ transaction_id: string; position: unknown }>(
      'SELECT transaction_id::text AS transaction_id, position FROM projection_checkpoints WHERE name = $1',
      [name],
    );
    return row === undefined
      ? checkpointStart
      : { transactionId: String(row.transaction_id), position: toSafeNumber(row.position) };
  },

  async checkpoints() {
    const rows = await client.query<{ name: string; transaction_id: string; position: unknown; updated_at: Date }>(
      'SELECT name, transaction_id::text AS transaction_id, position, updated_at FROM projection_checkpoints ORDER BY name',
    );
    return rows.map(
      (row): CheckpointRow => ({
        name: row.name,
        transactionId: String(row.transaction_id),
        position: toSafeNumber(row.position),
        updatedAt: row.updated_at,
      }),
    );
  },

  async docs(name, keys) {
    if (keys.length === 0) return new Map();
    const rows = await client.query<{ key: string; doc: unknown }>(
      'SELECT key, doc FROM projection_docs WHERE projection = $1 AND key = ANY($2::text[])',
      [name, [...keys]],
    );
    return new Map(rows.map((row) => [row.key, row.doc]));
  },

  async commit(name, from, to, docs) {
    await client.transaction(async (tx) => {
      await moveCheckpoint(tx, name, from, to);
      if (docs.size === 0) return;
      // One statement for every document: the batch travels as one JSON text parameter, as appends do.
      await tx.query(
        `INSERT INTO projection_docs (projection, key, doc)
         SELECT $1, x.key, x.doc FROM jsonb_to_recordset($2::text::jsonb) AS x(key text, doc jsonb)
         ON CONFLICT (projection, key) DO UPDATE SET doc = excluded.doc`,
        [name, JSON.stringify([...docs].map(([key, doc]) => ({ key, doc })))],
      );
    });
  },

  async append(name, from, to, entries) {
    await client.transaction(async (tx) => {
      await moveCheckpoint(tx, name, from, to);
      if (entries.length === 0) return;
      // Insert only: a key's earlier entries are never read or rewritten. The checkpoint guard above already makes a
      // batch land once; the conflict clause only keeps a replayed row from failing the transaction.
      await tx.query(
        `INSERT INTO projection_entries (projection, key, position, entry)
         SELECT $1, x.key, x.position, x.entry FROM jsonb_to_recordset($2::text::jsonb) AS x(key text, position bigint, entry jsonb)
         ON CONFLICT (projection, key, position) DO NOTHING`,
        [name, JSON.stringify(entries)],
      );
    });
  },

  async entries(name, key) {
    const rows = await client.query<{ entry: unknown }>(
      'SELECT entry FROM projection_entries WHERE projection = $1 AND key = $2 ORDER BY position',
      [name, key],
    );
    return rows.map((row) => row.entry);
  },

  async reset(name) {
    await client.transaction(async (tx) => {
      await tx.query('DELETE FROM projection_docs WHERE projection = $1', [name]);
      await tx.query('DELETE FROM projection_entries WHERE projection = $1', [name]);
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [name]);
    });
  },
});
