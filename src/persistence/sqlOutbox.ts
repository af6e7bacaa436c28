import type { DeadLetter, DeliveredMark, Outbox, OutboxDepth, OutboxRow } from './outbox.ts';
import { type SqlClient, toSafeNumber } from './sqlClient.ts';

type Row = {
  id: unknown;
  key: string;
  topic: string;
  user_id: string;
  caused_at: unknown;
  payload: unknown;
  attempts: number;
  channels_done: unknown;
  last_error?: string | null;
  dead_at?: unknown;
};

const rowColumns = 'id, key, topic, user_id, caused_at, payload, attempts, channels_done';

/**
 * The rows an append adds, from the same JSON text parameter style as the events: one statement, so the events and
 * their notifications commit together or not at all. Used by sqlEventStore's append.
 */
export const outboxInsertSql = (parameter: string, condition: string) => `
  INSERT INTO outbox (key, topic, user_id, payload, caused_at, due_at)
  SELECT n->>'key', n->>'topic', n->>'userId', n->'payload', (n->>'at')::bigint, (n->>'at')::bigint
  FROM jsonb_array_elements(${parameter}::text::jsonb) AS n
  WHERE ${condition}
  ON CONFLICT (key) DO NOTHING`;

/**
 * `FOR UPDATE SKIP LOCKED`: two dispatchers (two nodes on one Postgres) never lease the same row; the lease itself is
 * `due_at` moved to the lease's end, so a dispatcher that dies gives its rows back by the clock.
 */
const claimSql = `
  UPDATE outbox SET due_at = $2, leased_by = $3
  WHERE id IN (
    SELECT id FROM outbox
    WHERE delivered_at IS NULL AND dead_at IS NULL AND due_at <= $1
    ORDER BY due_at, id
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
  RETURNING ${rowColumns}`;

/**
 * Many rows marked delivered in one statement, each with its own channels and time (the dispatcher gathers the marks of
 * a short window): one statement on the store's connection instead of one per notification. $1 is the rows' ids as an
 * array literal, found through the primary key (a plan contract checks it; a join on the marks' JSON was planned as a
 * scan of the whole outbox); $2 the marks by id.
 */
export const deliveredSql = `
  UPDATE outbox SET delivered_at = ($2::text::jsonb -> id::text ->> 'at')::bigint,
    channels_done = $2::text::jsonb -> id::text -> 'done', attempts = attempts + 1, leased_by = NULL
  WHERE id = ANY ($1::text::bigint[])`;

/** The parameters of `deliveredSql`. */
export const deliveredParams = (marks: readonly DeliveredMark[]): [string, string] => [
  `{${marks.map((mark) => mark.id).join(',')}}`,
  JSON.stringify(Object.fromEntries(marks.map((mark) => [mark.id, { at: mark.at, done: mark.channelsDone }]))),
];

const toRow = (row: Row): OutboxRow => ({
  id: toSafeNumber(row.id),
  key: row.key,
  topic: row.topic,
  userId: row.user_id,
  at: toSafeNumber(row.caused_at),
  payload: row.payload,
  attempts: row.attempts,
  channelsDone: (row.channels_done ?? []) as string[],
});

export const sqlOutbox = (client: SqlClient): Outbox => ({
  async claim(now, leaseMs, owner, limit) {
    const rows = await client.query<Row>(claimSql, [now, now + leaseMs, owner, limit]);
    return rows.map(toRow).sort((a, b) => a.id - b.id);
  },

  async delivered(marks) {
    if (marks.length === 0) return;
    await client.query(deliveredSql, deliveredParams(marks));
  },

  async retry(id, channelsDone, attempts, dueAt, error) {
    await client.query(
      `UPDATE outbox SET due_at = $2, channels_done = $3::text::jsonb, attempts = $4, last_error = $5, leased_by = NULL
       WHERE id = $1`,
      [id, dueAt, JSON.stringify(channelsDone), attempts, error],
    );
  },

  async dead(id, channelsDone, attempts, error, now) {
    await client.query(
      `UPDATE outbox SET dead_at = $2, channels_done = $3::text::jsonb, attempts = $4, last_error = $5, leased_by = NULL
       WHERE id = $1`,
      [id, now, JSON.stringify(channelsDone), attempts, error],
    );
  },

  async releaseLeases(owner, now) {
    const rows = await client.query(
      `UPDATE outbox SET due_at = $2, leased_by = NULL
       WHERE leased_by = $1 AND delivered_at IS NULL AND dead_at IS NULL RETURNING id`,
      [owner, now],
    );
    return rows.length;
  },

  async depth(): Promise<OutboxDepth> {
    const [row] = await client.query<{ pending: unknown; dead: unknown }>(
      // Each count reads its own partial index, never the delivered rows that pile up.
      `SELECT (SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL) AS pending,
              (SELECT count(*) FROM outbox WHERE dead_at IS NOT NULL) AS dead`,
    );
    return { pending: toSafeNumber(row?.pending ?? 0), dead: toSafeNumber(row?.dead ?? 0) };
  },

  async revive(keys, now) {
    const rows = await client.query(
      `UPDATE outbox SET dead_at = NULL, due_at = $1, attempts = 0, leased_by = NULL
       WHERE dead_at IS NOT NULL AND ($2::text IS NULL OR key IN (SELECT jsonb_array_elements_text($2::text::jsonb)))
       RETURNING id`,
      [now, keys === undefined ? null : JSON.stringify(keys)],
    );
    return rows.length;
  },

  async deadLetters(limit): Promise<DeadLetter[]> {
    const rows = await client.query<Row>(
      `SELECT ${rowColumns}, last_error, dead_at FROM outbox WHERE dead_at IS NOT NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      ...toRow(row),
      lastError: row.last_error ?? undefined,
      deadAt: toSafeNumber(row.dead_at),
    }));
  },
});
