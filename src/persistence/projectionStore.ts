import type { StoredEvent } from './eventStore.ts';

/**
 * Where projections read the log and keep their documents: one per database (a shard's projections read that shard's
 * log). A port, so the runner is the same over PGlite, Postgres and memory.
 *
 * The cursor is (transaction id, position), as emmett reads Postgres: positions are handed out at insert, so two
 * transactions may commit in the other order than their positions; reading only events of transactions older than
 * every one still running, ordered by (transaction id, position), never skips one that commits late.
 */
export type Checkpoint = Readonly<{
  /** The writing transaction's id (Postgres xid8) as decimal text; '0' before the first event. */
  transactionId: string;
  position: number;
}>;

export const checkpointStart: Checkpoint = { transactionId: '0', position: 0 };

export type SettledEvent = StoredEvent & Readonly<{ transactionId: string }>;

export type CheckpointRow = Checkpoint & Readonly<{ name: string; updatedAt: Date }>;

/** Where a log projection's entry came from: the event at `position` added it under `key`, kept in `bucket`. */
export type EntryRef = Readonly<{ bucket: string; key: string; position: number }>;

/**
 * The appends this process committed to one database lately, in memory (RecentAppends). The runner uses them instead
 * of reading them back when `settledCount` finds the log holds exactly as many settled events after its checkpoint.
 */
export interface OwnAppends {
  /** Kept only while active: a runner of this process follows the log. */
  readonly active: boolean;
  /** Events kept. */
  readonly size: number;
  /** The most events kept: past it the oldest appends are dropped. */
  readonly maxEvents: number;
  /** Starts (true) or stops (false, forgetting everything) keeping appends. */
  follow(on: boolean): void;
  /** The kept events after `after` of transactions below `settled` (decimal text), in (transaction id, position) order. */
  settledAfter(after: Checkpoint, settled: string): SettledEvent[];
  /** Forgets the appends wholly at or before `upTo`. */
  forget(upTo: Checkpoint): void;
}

/** One projection's batch: its checkpoint moved from `from` to `to`, with what the events between wrote. */
export type ProjectionBatch = Readonly<{
  name: string;
  from: Checkpoint;
  to: Checkpoint;
  /** A document projection's documents touched by the batch, by key. */
  docs?: ReadonlyMap<string, unknown>;
  /** A log projection's references of the batch. */
  refs?: readonly EntryRef[];
}>;

export interface ProjectionStore {
  /**
   * At most `limit` events after the checkpoint, in (transaction id, position) order, of transactions that ended
   * before every transaction still running began (so none can appear later behind the cursor).
   */
  readSettled(after: Checkpoint, limit: number): Promise<SettledEvent[]>;
  /**
   * Where the log stands now, as transaction ids (decimal text): every transaction below `settled` has ended (what
   * `readSettled` may read up to), and every transaction that has committed is below `committed`. A read that must
   * see everything committed before it waits until `settled` reaches the `committed` it saw first.
   */
  horizon(): Promise<Readonly<{ settled: string; committed: string }>>;
  /** Settled events after the checkpoint (the projection's lag, in events). */
  countSettled(after: Checkpoint): Promise<number>;
  /**
   * In one snapshot: the settled horizon (as `horizon().settled`) and how many events after the checkpoint are below
   * it, counting at most `limit`. What the runner checks the appends this process kept (`recent`) against.
   */
  settledCount(after: Checkpoint, limit: number): Promise<Readonly<{ settled: string; count: number }>>;
  /** This process's own appends to this database, kept for the runner while it follows the log (absent: none). */
  readonly recent?: OwnAppends;
  /** The projection's checkpoint; the start when it has none. */
  checkpoint(name: string): Promise<Checkpoint>;
  checkpoints(): Promise<CheckpointRow[]>;
  docs(name: string, keys: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Commits batches of several projections (each name once) in one transaction: each moves its projection's checkpoint
   * from `from` to `to` and writes its documents (a document projection's, replacing the stored ones) or stores where its
   * entries came from (a log projection's references: key and event position, one row per bucket; nothing stored is
   * read or rewritten), only if that checkpoint is still at `from`. A batch whose checkpoint is not there (another
   * runner moved it, or reset it) writes nothing, and the others are committed all the same. Resolves with the names of
   * the projections whose batch was written.
   */
  commit(batches: readonly ProjectionBatch[]): Promise<ReadonlySet<string>>;
  /** The positions of the events that added entries under `key` (kept in `bucket`), in log order. */
  positionsOf(name: string, bucket: string, key: string): Promise<number[]>;
  /** The events at these positions of this database's log, in log order. */
  eventsAt(positions: readonly number[]): Promise<StoredEvent[]>;
  /** Deletes the projection's documents or entries and puts its checkpoint back to the start (a rebuild follows). */
  reset(name: string): Promise<void>;
}
