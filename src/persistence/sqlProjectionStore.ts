import { groupByBucket, positionsIn } from './projectionRefs.ts';
import {
  type Checkpoint,
  CheckpointMovedError,
  type CheckpointRow,
  checkpointStart,
  type OwnAppends,
  type ProjectionStore,
  type SettledEvent,
} from './projectionStore.ts';
import { type SqlClient, toSafeNumber } from './sqlClient.ts';
import { type EventRow, toStoredEvent } from './sqlEventStore.ts';

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

/**
 * The horizon and the settled events after the cursor below it, counted up to a limit, from one snapshot (a statement's
 * functions share it): checked against the appends kept in memory, a second snapshot could let a transaction settle
 * in between and make two different sets of events the same size.
 */
const settledCountSql = `
  WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS settled)
  SELECT horizon.settled::text AS settled,
    (SELECT count(*) FROM (
       SELECT 1 FROM events
       WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint) AND transaction_id < horizon.settled
       LIMIT $3) AS below) AS n
  FROM horizon`;

/** The event store's row, with the writing transaction's id as the settled cursor needs it. */
const settledOf = (row: EventRow): SettledEvent => ({
  ...toStoredEvent(row),
  transactionId: String(row.transaction_id),
});

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

/** `recent`: the appends this process's event store over the same database keeps (sqlEventStore's `recent`). */
export const sqlProjectionStore = (client: SqlClient, recent?: OwnAppends): ProjectionStore => ({
  ...(recent === undefined ? {} : { recent }),

  async readSettled(after, limit) {
    const rows = await client.query<EventRow>(readSettledSql, [after.transactionId, after.position, limit]);
    return rows.map(settledOf);
  },

  async horizon() {
    const [row] = await client.query<{ settled: string; committed: string }>(
      `SELECT pg_snapshot_xmin(s)::text AS settled, pg_snapshot_xmax(s)::text AS committed
       FROM pg_current_snapshot() AS s`,
    );
    return { settled: String(row?.settled ?? '0'), committed: String(row?.committed ?? '0') };
  },

  async countSettled(after) {
    const [row] = await client.query<{ n: unknown }>(countSettledSql, [after.transactionId, after.position]);
    return toSafeNumber(row?.n ?? 0);
  },

  async settledCount(after, limit) {
    const [row] = await client.query<{ settled: string; n: unknown }>(settledCountSql, [
      after.transactionId,
      after.position,
      limit,
    ]);
    return { settled: String(row?.settled ?? '0'), count: toSafeNumber(row?.n ?? 0) };
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

  async append(name, from, to, refs) {
    await client.transaction(async (tx) => {
      await moveCheckpoint(tx, name, from, to);
      if (refs.length === 0) return;
      // One row per bucket this batch touches, its references as JSON text ([[key, position], ...]: never parsed by
      // the database) and keyed by the batch's first position in the bucket. Insert only: nothing stored is read or
      // rewritten. The checkpoint guard above already makes a batch land once.
      const rows = groupByBucket(refs);
      await tx.query(
        `INSERT INTO projection_refs (projection, bucket, position, refs)
         SELECT $1, x.bucket, x.position, x.refs FROM unnest($2::text[], $3::bigint[], $4::text[]) AS x(bucket, position, refs)
         ON CONFLICT (projection, bucket, position) DO NOTHING`,
        [name, rows.map((row) => row.bucket), rows.map((row) => row.position), rows.map((row) => row.refs)],
      );
    });
  },

  async positionsOf(name, bucket, key) {
    const rows = await client.query<{ refs: string }>(
      'SELECT refs FROM projection_refs WHERE projection = $1 AND bucket = $2 ORDER BY position',
      [name, bucket],
    );
    return positionsIn(
      rows.map((row) => row.refs),
      key,
    );
  },

  async eventsAt(positions) {
    if (positions.length === 0) return [];
    const rows = await client.query<EventRow>(
      `SELECT transaction_id::text AS transaction_id, position, stream_id, stream_version, type, data, recorded_at
       FROM events WHERE position = ANY($1::bigint[]) ORDER BY position`,
      [[...positions]],
    );
    return rows.map(settledOf);
  },

  async reset(name) {
    await client.transaction(async (tx) => {
      await tx.query('DELETE FROM projection_docs WHERE projection = $1', [name]);
      await tx.query('DELETE FROM projection_refs WHERE projection = $1', [name]);
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [name]);
    });
  },
});
