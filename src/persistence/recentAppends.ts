import type { NewEvent } from './eventStore.ts';
import type { Checkpoint, OwnAppends, SettledEvent } from './projectionStore.ts';

/** One committed append of this process, as its statement answered it. */
export type CommittedAppend = Readonly<{
  /** The writing transaction's id (decimal text), the cursor's first half. */
  transactionId: string;
  streamId: string;
  /** The stream version of the first event; the others follow one by one. */
  firstVersion: number;
  /** The position of the first event; the others follow one by one (the store checked it). */
  firstPosition: number;
  recordedAt: Date;
  events: readonly NewEvent[];
}>;

/** Decimal transaction ids compared as numbers without BigInt: no leading zeros, so the longer is the larger. */
const compareIds = (a: string, b: string): number =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;

const lastPosition = (append: CommittedAppend): number => append.firstPosition + append.events.length - 1;

/**
 * The appends this process committed to one database lately, kept in memory for the projection runner so that a pass
 * need not read back from the log what this process has just written (issue #16: on PGlite every read-back went
 * through the one worker the appends wait for). The log stays the truth: the runner uses these only when the log has
 * exactly as many settled events after its checkpoint as are kept here (`settledAfter`), and reads the log otherwise
 * (another writer, a restart, an append whose answer is still on its way, or appends dropped past `maxEvents`).
 *
 * Kept only while `active` (a runner in this process follows the log), and never more than `maxEvents`: the oldest
 * appends go first, which the count then shows as missing.
 */
export class RecentAppends implements OwnAppends {
  private appends: CommittedAppend[] = [];
  private kept = 0;
  private following = false;

  constructor(readonly maxEvents = 20_000) {}

  /** Events kept. */
  get size(): number {
    return this.kept;
  }

  get active(): boolean {
    return this.following;
  }

  /** Starts (true) or stops (false, and forgets everything) keeping appends. */
  follow(on: boolean): void {
    this.following = on;
    if (!on) this.clear();
  }

  /** Called by the event store once an append has committed. */
  add(append: CommittedAppend): void {
    if (!this.following || append.events.length === 0) return;
    this.appends.push(append);
    this.kept += append.events.length;
    while (this.kept > this.maxEvents) this.kept -= this.appends.shift()?.events.length ?? this.kept;
  }

  /**
   * The kept events after `after` of transactions below `settled` (decimal text), in (transaction id, position) order:
   * the log's settled events after `after`, if the log has no other.
   */
  settledAfter(after: Checkpoint, settled: string): SettledEvent[] {
    const chosen = this.appends
      .filter(
        (append) =>
          compareIds(append.transactionId, settled) < 0 &&
          (compareIds(append.transactionId, after.transactionId) > 0 ||
            (append.transactionId === after.transactionId && lastPosition(append) > after.position)),
      )
      .sort((a, b) => compareIds(a.transactionId, b.transactionId) || a.firstPosition - b.firstPosition);
    const events: SettledEvent[] = [];
    for (const append of chosen) {
      const same = append.transactionId === after.transactionId;
      append.events.forEach((event, index) => {
        const position = append.firstPosition + index;
        if (same && position <= after.position) return;
        events.push({
          position,
          streamId: append.streamId,
          streamVersion: append.firstVersion + index,
          type: event.type,
          data: event.data ?? null,
          recordedAt: append.recordedAt,
          appendId: append.transactionId,
          transactionId: append.transactionId,
        });
      });
    }
    return events;
  }

  /** Forgets the appends wholly at or before `upTo` (every projection of the runner is past them). */
  forget(upTo: Checkpoint): void {
    const before = this.appends.length;
    this.appends = this.appends.filter((append) => {
      const order = compareIds(append.transactionId, upTo.transactionId);
      return order > 0 || (order === 0 && lastPosition(append) > upTo.position);
    });
    if (this.appends.length !== before) this.kept = this.appends.reduce((sum, append) => sum + append.events.length, 0);
  }

  clear(): void {
    this.appends = [];
    this.kept = 0;
  }
}
