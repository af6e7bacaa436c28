import type { OutboxMessage } from './outbox.ts';

/**
 * The event store port. One small interface, several adapters (PGlite, Postgres, in-memory) that pass the
 * same contract suite. A stream is one event on sale (`event-<eventId>`); its versions start at 1.
 */
export type NewEvent = Readonly<{ type: string; data: unknown }>;

export type StoredEvent = Readonly<{
  /** Global position across all streams of this store, rising. */
  position: number;
  streamId: string;
  /** 1 for the stream's first event. */
  streamVersion: number;
  type: string;
  data: unknown;
  recordedAt: Date;
  /**
   * The same for every event of one append and different between appends (the SQL stores' writing transaction id):
   * what tells the batches of a stream apart when it is played back. Absent where the store has none.
   */
  appendId?: string;
}>;

/** When an event was decided: its data's `at` (the actor's clock), else when the store recorded it. */
export const instantOf = (event: StoredEvent): number => {
  const at = (event.data as { at?: unknown } | null)?.at;
  return typeof at === 'number' ? at : event.recordedAt.getTime();
};

/** How far apart (in stream versions) the snapshots kept for temporal reads are, at least. */
export const snapshotHistoryEveryEvents = 5_000;

export type AppendResult = Readonly<{ fromVersion: number; toVersion: number; lastPosition: number }>;

export type Snapshot = Readonly<{ streamId: string; version: number; state: unknown; takenAt: Date }>;

/** The stream was not at the version the writer expected: someone else wrote, or the writer is stale. */
export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is not at version ${expectedVersion}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/**
 * Names an append and, for a pipelined one, the append it must directly follow. `id` is recorded with the append's last
 * event; with `after`, the append is written only if the stream's event at `expectedVersion` is the last event of the
 * append named `after` (else WrongExpectedVersionError). The version alone is not enough for a writer that sends its
 * next batch before the one ahead has committed: if that one failed, another writer may have brought the stream to the
 * same version with other events.
 */
export type AppendChain = Readonly<{ id: string; after?: string }>;

export interface EventStore {
  /**
   * Appends events in one round trip, only if the stream is at `expectedVersion` (0 = empty stream).
   * Throws WrongExpectedVersionError otherwise, and nothing is written. Appends to one stream sent without waiting for
   * each other are run in the order sent (a writer may pipeline: send the next batch expecting the version the one
   * ahead leaves, before that one has committed). `outbox` rows (notifications
   * the events cause) are written in the same transaction: both commit, or neither does.
   */
  append(
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    outbox?: readonly OutboxMessage[],
    chain?: AppendChain,
  ): Promise<AppendResult>;
  /** Events of a stream with streamVersion > afterVersion, in order. */
  readStream(streamId: string, afterVersion?: number, limit?: number): Promise<StoredEvent[]>;
  /** Events of a stream at these versions, in stream order; versions the stream does not have are skipped. */
  readStreamVersions(streamId: string, versions: readonly number[]): Promise<StoredEvent[]>;
  /** Events of all streams with position > afterPosition, in order (for projections). */
  readAll(afterPosition: number, limit: number): Promise<StoredEvent[]>;
  saveSnapshot(streamId: string, version: number, state: unknown): Promise<void>;
  loadSnapshot(streamId: string): Promise<Snapshot | undefined>;
  /**
   * The newest snapshot at or below `maxVersion`: the current one, or one kept in the history for temporal reads
   * (a snapshot is kept when none is kept within `snapshotHistoryEveryEvents` below it). Undefined: replay from 0.
   */
  loadSnapshotAt(streamId: string, maxVersion: number): Promise<Snapshot | undefined>;
  close(): Promise<void>;
}

/** The stream of an event's log (the actor's `streamIdOf` names the same). */
export const eventStreamId = (eventId: string): string => `event-${eventId}`;

/** The event whose log a stream is (the inverse of eventStreamId; other streams come back as they are). */
export const eventIdOfStream = (streamId: string): string =>
  streamId.startsWith('event-') ? streamId.slice('event-'.length) : streamId;
