import { groupByBucket, positionsIn } from './projectionRefs.ts';
import {
  type CheckpointRow,
  checkpointStart,
  type OwnAppends,
  type ProjectionBatch,
  type ProjectionStore,
  type SettledEvent,
} from './projectionStore.ts';
import { type SqlClient, toSafeNumber } from './sqlClient.ts';
import { type EventRow, toStoredEvent } from './sqlEventStore.ts';

/**
 * Served by events_by_transaction (migration 10), in its order. The horizon is the snapshot's xmin: every transaction
 * below it has ended, so no event can still appear with a transaction id below it. The same SQL runs on PGlite, whose
 * one connection never has another writer in flight while this runs. `ORDER BY events.transaction_id`, qualified: the
 * bare name is the output column, the id as text, which sorted '10' before '9' (a cursor that skipped events) and could
 * not be read off the index (every read sorted the whole tail after the cursor).
 */
export const readSettledSql = `
  SELECT transaction_id::text AS transaction_id, position, stream_id, stream_version, type, data, recorded_at
  FROM events
  WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY events.transaction_id, events.position
  LIMIT $3`;

const countSettledSql = `
  SELECT count(*) AS n FROM events
  WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * The horizon and the settled events after the cursor below it, counted up to a limit, from one snapshot (a statement's
 * functions share it): checked against the appends kept in memory, a second snapshot could let a transaction settle
 * in between and make two different sets of events the same size. The counted rows are taken in the index's order: a
 * prepared statement's generic plan knows neither the cursor nor the limit, and without the order it is a scan of the
 * whole table (the limit under a guessed third of the rows looks cheaper than the index), with it a range of the index.
 */
export const settledCountSql = `
  WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS settled)
  SELECT horizon.settled::text AS settled,
    (SELECT count(*) FROM (
       SELECT 1 FROM events
       WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint) AND transaction_id < horizon.settled
       ORDER BY transaction_id, position
       LIMIT $3) AS below) AS n
  FROM horizon`;

/** The event store's row, with the writing transaction's id as the settled cursor needs it. */
const settledOf = (row: EventRow): SettledEvent => ({
  ...toStoredEvent(row),
  transactionId: String(row.transaction_id),
});

/**
 * Every projection's batch of a pass in one statement, so in one transaction of its own (no BEGIN and COMMIT: on PGlite
 * the appends wait behind a transaction's every round trip to the worker, and a pass took three of four or five).
 * `batch` is each projection's checkpoint move; a projection's first (from the start, '0'/0) inserts its row, the
 * others move it only from where the batch began. Row locks make this hold with two runners: a second runner moving
 * the same checkpoint waits for this statement's commit, then finds its row no longer at its `from` (Postgres checks
 * the condition again on the row as committed) and moves nothing; every runner's pass locks the rows in the same order
 * (its projections' list, the same plan), so two passes wait for each other and never deadlock, and a read's catch-up
 * locks one row only. `moved` is the names moved, and only their
 * documents and references are written, so a projection whose checkpoint moved under the runner writes nothing while
 * the others' are committed. Documents travel as one JSON text parameter, as appends do; references as arrays, their
 * JSON text never parsed by the database, one row per bucket keyed by the batch's first position in it (insert only).
 */
const commitSql = `
  WITH batch AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[])
      AS b(name, from_transaction, from_position, to_transaction, to_position)
  ),
  started AS (
    INSERT INTO projection_checkpoints (name, transaction_id, position)
    SELECT name, to_transaction::xid8, to_position FROM batch WHERE from_transaction = '0' AND from_position = 0
    ON CONFLICT (name) DO UPDATE
      SET transaction_id = excluded.transaction_id, position = excluded.position, updated_at = now()
      WHERE projection_checkpoints.transaction_id = '0'::xid8 AND projection_checkpoints.position = 0
    RETURNING name
  ),
  advanced AS (
    UPDATE projection_checkpoints AS c
      SET transaction_id = b.to_transaction::xid8, position = b.to_position, updated_at = now()
    FROM batch AS b
    WHERE c.name = b.name AND NOT (b.from_transaction = '0' AND b.from_position = 0)
      AND c.transaction_id = b.from_transaction::xid8 AND c.position = b.from_position
    RETURNING c.name
  ),
  moved AS (SELECT name FROM started UNION ALL SELECT name FROM advanced),
  docs AS (
    INSERT INTO projection_docs (projection, key, doc)
    SELECT x.projection, x.key, x.doc FROM jsonb_to_recordset($6::text::jsonb) AS x(projection text, key text, doc jsonb)
    WHERE x.projection IN (SELECT name FROM moved)
    ON CONFLICT (projection, key) DO UPDATE SET doc = excluded.doc
  ),
  refs AS (
    INSERT INTO projection_refs (projection, bucket, position, refs)
    SELECT r.projection, r.bucket, r.position, r.refs
    FROM unnest($7::text[], $8::text[], $9::bigint[], $10::text[]) AS r(projection, bucket, position, refs)
    WHERE r.projection IN (SELECT name FROM moved)
    ON CONFLICT (projection, bucket, position) DO NOTHING
  )
  SELECT name FROM moved`;

/** The parameters of commitSql for these batches. */
const commitParams = (batches: readonly ProjectionBatch[]): unknown[] => {
  const docs: { projection: string; key: string; doc: unknown }[] = [];
  const refs = { projection: [] as string[], bucket: [] as string[], position: [] as number[], refs: [] as string[] };
  for (const batch of batches) {
    for (const [key, doc] of batch.docs ?? []) docs.push({ projection: batch.name, key, doc });
    for (const row of groupByBucket(batch.refs ?? [])) {
      refs.projection.push(batch.name);
      refs.bucket.push(row.bucket);
      refs.position.push(row.position);
      refs.refs.push(row.refs);
    }
  }
  return [
    batches.map((batch) => batch.name),
    batches.map((batch) => batch.from.transactionId),
    batches.map((batch) => batch.from.position),
    batches.map((batch) => batch.to.transactionId),
    batches.map((batch) => batch.to.position),
    JSON.stringify(docs),
    refs.projection,
    refs.bucket,
    refs.position,
    refs.refs,
  ];
};

/**
 * The statements every pass runs (the checkpoints, the count against memory or the read of the log, the documents it
 * updates, the commit) are prepared: parsed once per connection, and planned once where the generic plan is as good
 * (settledPlanContract checks that the reads' generic plans keep the index).
 */
const prepared = { prepare: true } as const;

/** `recent`: the appends this process's event store over the same database keeps (sqlEventStore's `recent`). */
export const sqlProjectionStore = (client: SqlClient, recent?: OwnAppends): ProjectionStore => ({
  ...(recent === undefined ? {} : { recent }),

  async readSettled(after, limit) {
    const rows = await client.query<EventRow>(readSettledSql, [after.transactionId, after.position, limit], prepared);
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
    const [row] = await client.query<{ settled: string; n: unknown }>(
      settledCountSql,
      [after.transactionId, after.position, limit],
      prepared,
    );
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
      [],
      prepared,
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
      prepared,
    );
    return new Map(rows.map((row) => [row.key, row.doc]));
  },

  async commit(batches) {
    if (batches.length === 0) return new Set();
    const rows = await client.query<{ name: string }>(commitSql, commitParams(batches), prepared);
    return new Set(rows.map((row) => row.name));
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
