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

/** The checkpoint was not where the writer thought: another runner moved it (or reset it) meanwhile. */
export class CheckpointMovedError extends Error {
  constructor(readonly projection: string) {
    super(`the checkpoint of projection ${projection} moved under this runner`);
    this.name = 'CheckpointMovedError';
  }
}

/** An entry of a log projection with the position of the event that added it. */
export type PositionedEntry = Readonly<{ key: string; position: number; entry: unknown }>;

export interface ProjectionStore {
  /**
   * At most `limit` events after the checkpoint, in (transaction id, position) order, of transactions that ended
   * before every transaction still running began (so none can appear later behind the cursor).
   */
  readSettled(after: Checkpoint, limit: number): Promise<SettledEvent[]>;
  /** Settled events after the checkpoint (the projection's lag, in events). */
  countSettled(after: Checkpoint): Promise<number>;
  /** The projection's checkpoint; the start when it has none. */
  checkpoint(name: string): Promise<Checkpoint>;
  checkpoints(): Promise<CheckpointRow[]>;
  docs(name: string, keys: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Writes the documents and moves the checkpoint from `from` to `to`, in one transaction. Throws
   * CheckpointMovedError, writing nothing, when the checkpoint is not at `from`.
   */
  commit(name: string, from: Checkpoint, to: Checkpoint, docs: ReadonlyMap<string, unknown>): Promise<void>;
  /**
   * A log projection's batch: inserts the entries (each under its key, at its event's position) and moves the
   * checkpoint from `from` to `to`, in one transaction. Nothing already stored is read or rewritten. Throws
   * CheckpointMovedError, writing nothing, when the checkpoint is not at `from`.
   */
  append(name: string, from: Checkpoint, to: Checkpoint, entries: readonly PositionedEntry[]): Promise<void>;
  /** A log projection's entries under one key, in log order. */
  entries(name: string, key: string): Promise<unknown[]>;
  /** Deletes the projection's documents or entries and puts its checkpoint back to the start (a rebuild follows). */
  reset(name: string): Promise<void>;
}
