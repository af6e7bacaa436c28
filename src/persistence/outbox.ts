/**
 * The transactional outbox: notifications written by the same append as the events that cause them (EventStore
 * `append`'s `outbox`), then delivered after the commit by a dispatcher that leases due rows, records which channels
 * are done, retries with backoff and gives up (dead letter) after a number of attempts. Times are epoch ms from the
 * Clock port, so tests move them.
 */
export type OutboxMessage = Readonly<{
  /** Stable per fact, unique in the outbox: a second message with the same key is dropped. */
  key: string;
  topic: string;
  userId: string;
  /** Epoch ms of the event that caused it; the first attempt is due then. */
  at: number;
  payload: unknown;
}>;

export type OutboxRow = OutboxMessage &
  Readonly<{
    id: number;
    /** Attempts made before this one. */
    attempts: number;
    /** Channels that already took it: a retry skips them. */
    channelsDone: readonly string[];
  }>;

export type OutboxDepth = Readonly<{ pending: number; dead: number }>;

export type DeadLetter = OutboxRow & Readonly<{ lastError: string | undefined; deadAt: number }>;

/** A row every channel took (or none was due), with the channels that took it and when it was recorded. */
export type DeliveredMark = Readonly<{ id: number; channelsDone: readonly string[]; at: number }>;

export interface Outbox {
  /**
   * Leases up to `limit` rows due at `now` (oldest first) to `owner` until `now + leaseMs`: nobody else claims them
   * meanwhile, and if the owner dies they come due again when the lease ends.
   */
  claim(now: number, leaseMs: number, owner: string, limit: number): Promise<OutboxRow[]>;
  /**
   * Every channel took these rows (or none was due): done for good, all in one statement. Until this is written the
   * rows stay leased: a crash before it gives them back (`releaseLeases`, or the lease's end) and they are sent again
   * under the same keys.
   */
  delivered(marks: readonly DeliveredMark[]): Promise<void>;
  /** A channel failed: due again at `dueAt`, with the channels done so far remembered. */
  retry(id: number, channelsDone: readonly string[], attempts: number, dueAt: number, error: string): Promise<void>;
  /** Out of attempts: kept as a dead letter, never claimed again. */
  dead(id: number, channelsDone: readonly string[], attempts: number, error: string, now: number): Promise<void>;
  /** At start: the leases `owner` held before a crash end now, so its undelivered rows are picked up at once. */
  releaseLeases(owner: string, now: number): Promise<number>;
  /** Rows still to deliver (leased or not) and dead letters. */
  depth(): Promise<OutboxDepth>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /**
   * An admin's retry: the dead letters with these keys (every dead letter when `keys` is undefined) are due again at
   * `now`, with a fresh count of attempts and the channels that already took them remembered. Returns how many.
   */
  revive(keys: readonly string[] | undefined, now: number): Promise<number>;
}
