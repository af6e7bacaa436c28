import {
  type AppendChain,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type Snapshot,
  type StoredEvent,
  snapshotHistoryEveryEvents,
  WrongExpectedVersionError,
} from './eventStore.ts';
import { type Fence, FencedError } from './fence.ts';
import type { OutboxMessage } from './outbox.ts';
import type { RecentAppends } from './recentAppends.ts';
import { type OrderedQuery, type SqlClient, sqlState, toSafeNumber, uniqueViolation } from './sqlClient.ts';
import { outboxInsertSql } from './sqlOutbox.ts';

export type EventRow = {
  position: unknown;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  recorded_at: Date;
  transaction_id: string;
};

/**
 * One statement both checks the expected version and inserts the batch, so an append is one round trip.
 * The batch travels as a single JSON array in a text parameter: drivers disagree on how JS arrays map to
 * `jsonb[]` (pg turns nested arrays into Postgres arrays), but everyone agrees on a string.
 * Two writers that both pass the version check race on UNIQUE (stream_id, stream_version); the loser gets
 * 23505, which is the same answer as a failed check.
 */
const appendSqlWith = (chain?: Readonly<{ id: string; count: string; after: string }>, fence?: string) => `
  INSERT INTO events (stream_id, stream_version, type, data${chain === undefined ? '' : ', append_id'})
  SELECT $1, $2 + x.ord, x.e->>'type', x.e->'data'${
    chain === undefined ? '' : `, CASE WHEN x.ord = ${chain.count}::int THEN ${chain.id}::text END`
  }
  FROM jsonb_array_elements($3::text::jsonb) WITH ORDINALITY AS x(e, ord)
  WHERE (SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = $1) = $2${
    chain === undefined
      ? ''
      : `
    AND (${chain.after}::text IS NULL
      OR (SELECT append_id FROM events WHERE stream_id = $1 AND stream_version = $2) = ${chain.after}::text)`
  }${
    // The owner epoch (fence.ts), checked in the append's own statement. FOR SHARE makes a claim that bumps the epoch
    // wait for this append to commit, and makes this append, when the claim committed first, re-read the row and find
    // the new epoch (READ COMMITTED re-checks a locked row's latest version): once a claim has returned its epoch, no
    // append under an older one can commit, and the new owner's load sees every append the old one made.
    fence === undefined
      ? ''
      : `
    AND EXISTS (SELECT 1 FROM event_owner WHERE stream_id = $1 AND epoch = ${fence}::bigint FOR SHARE)`
  }
  ORDER BY x.ord
  RETURNING position, stream_version`;

/**
 * The append's answer is one row, `written` and `last_position`, not a row per event: a batch of 300 events came back
 * as 300 rows for the driver to parse (and, on PGlite, for the worker to parse and clone across threads) only to be
 * counted. With it, what the projection runner needs to take the events from memory instead of reading them back
 * (RecentAppends): the writing transaction's id, when it recorded them, and whether the positions follow the stream
 * versions one by one (`in_order`: a concurrent insert may take positions from the same sequence in between).
 */
const answer = `SELECT count(*)::int AS written, max(position) AS last_position,
  min(position - stream_version) = max(position - stream_version) AS in_order,
  pg_current_xact_id_if_assigned()::text AS transaction_id, now() AS recorded_at
  FROM appended`;

type AnswerRow = {
  written: number;
  last_position: unknown;
  in_order: boolean | null;
  transaction_id: string | null;
  recorded_at: Date | null;
};

const plain = (append: string) => `WITH appended AS (${append}) ${answer}`;

/**
 * The append with notifications: the events' insert and the outbox's in one statement (data-modifying CTEs), so they
 * are one transaction and still one round trip. The outbox rows are written only when the events were.
 */
const withOutbox = (append: string) => `
  WITH appended AS (${append}),
  queued AS (${outboxInsertSql('$4', 'EXISTS (SELECT 1 FROM appended)')})
  ${answer}`;

/**
 * The statement for an append's shape: with or without notifications, an AppendChain (its id on the last event and,
 * with `after`, only right after the append so named), and the owner epoch; parameters in that order after the first
 * three. Built once per shape.
 */
const appendStatements = new Map<string, string>();
const appendSqlFor = (outbox: boolean, chained: boolean, fenced: boolean): string => {
  const key = `${outbox}${chained}${fenced}`;
  let sql = appendStatements.get(key);
  if (sql === undefined) {
    let next = outbox ? 5 : 4;
    const chain = chained ? { id: `$${next++}`, count: `$${next++}`, after: `$${next++}` } : undefined;
    const append = appendSqlWith(chain, fenced ? `$${next}` : undefined);
    sql = outbox ? withOutbox(append) : plain(append);
    appendStatements.set(key, sql);
  }
  return sql;
};

const prepared = { prepare: true } as const;

const eventColumns =
  'position, stream_id, stream_version, type, data, recorded_at, transaction_id::text AS transaction_id';

/** Served by the UNIQUE (stream_id, stream_version) index: one probe per version. Exported for the plan test. */
export const readStreamVersionsSql = `SELECT ${eventColumns} FROM events
  WHERE stream_id = $1 AND stream_version = ANY($2::int[])
  ORDER BY stream_version`;

/** Characters per snapshot part: small enough that an append waits for one part at most, a few milliseconds. */
export const snapshotPartChars = 256 * 1024;

/**
 * An EventStore over any SqlClient; `close` is whatever shuts the adapter's connection down. An adapter whose client
 * may run two statements at once (a pool) gives `ordered`, which runs a stream's appends in the order they are sent.
 * `recent` is given every append once it has committed (each statement commits on its own), for the projections.
 */
export function sqlEventStore(
  client: SqlClient,
  close: () => Promise<void>,
  ordered?: OrderedQuery,
  fence?: Fence,
  recent?: RecentAppends,
): EventStore {
  const loadSnapshotAt = async (streamId: string, maxVersion: number): Promise<Snapshot | undefined> => {
    const [head] = await client.query<{ version: number; state: unknown; parts: number | null; taken_at: Date }>(
      `SELECT version, state, parts, taken_at FROM snapshots WHERE stream_id = $1 AND version <= $2
       UNION ALL
       SELECT version, NULL, parts, taken_at FROM snapshot_history WHERE stream_id = $1 AND version <= $2
       ORDER BY version DESC LIMIT 1`,
      [streamId, maxVersion],
    );
    if (head === undefined) return undefined;
    const snapshot = { streamId, version: head.version, takenAt: head.taken_at };
    if (head.parts === null) return { ...snapshot, state: head.state };
    const parts = await client.query<{ body: string }>(
      'SELECT body FROM snapshot_parts WHERE stream_id = $1 AND version = $2 ORDER BY part',
      [streamId, head.version],
    );
    // Collected meanwhile (it was the head and a newer one replaced it): an older one or the events will do.
    if (parts.length !== head.parts) return head.version > 0 ? loadSnapshotAt(streamId, head.version - 1) : undefined;
    return { ...snapshot, state: JSON.parse(parts.map((part) => part.body).join('')) };
  };

  return {
    async append(
      streamId: string,
      expectedVersion: number,
      events: readonly NewEvent[],
      outbox: readonly OutboxMessage[] = [],
      chain?: AppendChain,
    ): Promise<AppendResult> {
      // An empty append could not tell "nothing to write" from "wrong version", so it is a caller bug.
      if (events.length === 0) throw new RangeError('append needs at least one event');
      const epoch = fence?.epochOf(streamId);
      if (fence !== undefined && epoch === undefined) throw new FencedError(streamId, undefined, undefined);
      const batch = JSON.stringify(events.map((event) => ({ type: event.type, data: event.data ?? null })));
      let rows: AnswerRow[];
      try {
        // Most batches (holds) notify nobody: they keep the plain statement.
        const params = [
          streamId,
          expectedVersion,
          batch,
          ...(outbox.length === 0 ? [] : [JSON.stringify(outbox)]),
          ...(chain === undefined ? [] : [chain.id, events.length, chain.after ?? null]),
          ...(epoch === undefined ? [] : [epoch]),
        ];
        const sql = appendSqlFor(outbox.length > 0, chain !== undefined, epoch !== undefined);
        // Prepared: one of eight fixed texts, parsed once per connection (PGlite: once), then only its parameters sent.
        rows = await (ordered === undefined
          ? client.query(sql, params, prepared)
          : ordered(streamId, sql, params, prepared));
      } catch (error) {
        if (sqlState(error) === uniqueViolation) throw new WrongExpectedVersionError(streamId, expectedVersion);
        throw error;
      }
      const written = rows[0]?.written ?? 0;
      if (written === 0) {
        // Nothing written: a newer owner, or the stream moved on. Only the refused path pays for telling which.
        if (epoch !== undefined) {
          const [owner] = await client.query<{ epoch: unknown }>('SELECT epoch FROM event_owner WHERE stream_id = $1', [
            streamId,
          ]);
          const current = owner === undefined ? undefined : toSafeNumber(owner.epoch);
          if (current !== epoch) throw new FencedError(streamId, epoch, current);
        }
        throw new WrongExpectedVersionError(streamId, expectedVersion);
      }
      if (written !== events.length) throw new Error(`append wrote ${written} of ${events.length} events`);
      const row = rows[0]!;
      const lastPosition = toSafeNumber(row.last_position);
      if (recent?.active && row.in_order === true && row.transaction_id !== null && row.recorded_at !== null)
        recent.add({
          transactionId: String(row.transaction_id),
          streamId,
          firstVersion: expectedVersion + 1,
          firstPosition: lastPosition - events.length + 1,
          recordedAt: row.recorded_at,
          events,
        });
      return { fromVersion: expectedVersion + 1, toVersion: expectedVersion + events.length, lastPosition };
    },

    async readStream(streamId: string, afterVersion = 0, limit?: number): Promise<StoredEvent[]> {
      // LIMIT NULL means no limit in Postgres, so one statement serves both cases.
      const rows = await client.query<EventRow>(
        `SELECT ${eventColumns} FROM events WHERE stream_id = $1 AND stream_version > $2
         ORDER BY stream_version LIMIT $3`,
        [streamId, afterVersion, limit ?? null],
      );
      return rows.map(toStoredEvent);
    },

    async readStreamVersions(streamId: string, versions: readonly number[]): Promise<StoredEvent[]> {
      if (versions.length === 0) return [];
      return (await client.query<EventRow>(readStreamVersionsSql, [streamId, [...versions]])).map(toStoredEvent);
    },

    async readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
      const rows = await client.query<EventRow>(
        `SELECT ${eventColumns} FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
        [afterPosition, limit],
      );
      return rows.map(toStoredEvent);
    },

    async saveSnapshot(streamId: string, version: number, state: unknown): Promise<void> {
      const parts = splitText(JSON.stringify(state ?? null), snapshotPartChars);
      const partCount = parts.length;
      // Leftovers of an attempt at this version that died half-way would mix with this one.
      await client.query('DELETE FROM snapshot_parts WHERE stream_id = $1 AND version = $2', [streamId, version]);
      for (let part = 0; part < partCount; part++) {
        await client.query('INSERT INTO snapshot_parts (stream_id, version, part, body) VALUES ($1, $2, $3, $4)', [
          streamId,
          version,
          part,
          parts[part],
        ]);
      }
      // Only now does the head name this version, so a reader never finds half a snapshot; a slow writer must not
      // replace a newer snapshot with an older one, hence the WHERE on the update.
      await client.query(
        `INSERT INTO snapshots (stream_id, version, state, parts, taken_at) VALUES ($1, $2, NULL, $3, now())
         ON CONFLICT (stream_id) DO UPDATE
           SET version = excluded.version, state = NULL, parts = excluded.parts, taken_at = excluded.taken_at
           WHERE snapshots.version <= excluded.version`,
        [streamId, version, partCount],
      );
      // Kept for temporal reads when no kept snapshot is this close below it (nor above: a slow writer's older one).
      await client.query(
        `INSERT INTO snapshot_history (stream_id, version, parts)
         SELECT $1, $2, $3 WHERE NOT EXISTS (
           SELECT 1 FROM snapshot_history WHERE stream_id = $1 AND version > $2 - $4::int)`,
        [streamId, version, partCount, snapshotHistoryEveryEvents],
      );
      // Parts of every other version are garbage now (older ones, or ours if a newer snapshot won), except the history's.
      await client.query(
        `DELETE FROM snapshot_parts WHERE stream_id = $1
           AND version <> (SELECT version FROM snapshots WHERE stream_id = $1)
           AND version NOT IN (SELECT version FROM snapshot_history WHERE stream_id = $1)`,
        [streamId],
      );
    },

    async loadSnapshot(streamId: string): Promise<Snapshot | undefined> {
      const [row] = await client.query<{
        stream_id: string;
        version: number;
        state: unknown;
        parts: number | null;
        taken_at: Date;
      }>('SELECT stream_id, version, state, parts, taken_at FROM snapshots WHERE stream_id = $1', [streamId]);
      if (row === undefined) return undefined;
      const snapshot = { streamId: row.stream_id, version: row.version, takenAt: row.taken_at };
      if (row.parts === null) return { ...snapshot, state: row.state };
      const parts = await client.query<{ body: string }>(
        'SELECT body FROM snapshot_parts WHERE stream_id = $1 AND version = $2 ORDER BY part',
        [streamId, row.version],
      );
      // A newer snapshot replaced this one between the two reads: none is as good, the events are the truth.
      if (parts.length !== row.parts) return undefined;
      return { ...snapshot, state: JSON.parse(parts.map((part) => part.body).join('')) };
    },

    loadSnapshotAt,

    close,
  };
}

/**
 * Text in parts of at most `partChars` characters (at least one part), never cutting a surrogate pair: half a pair is
 * sent as U+FFFD, so an emoji on a part boundary would come back as two replacement characters.
 */
export function splitText(text: string, partChars: number): string[] {
  const parts: string[] = [];
  let start = 0;
  do {
    let end = Math.min(text.length, start + partChars);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - 1 > start && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  } while (start < text.length);
  return parts;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: toSafeNumber(row.position),
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    data: row.data,
    recordedAt: row.recorded_at,
    appendId: String(row.transaction_id),
  };
}
