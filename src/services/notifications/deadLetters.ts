import type { Outbox } from '../../persistence/outbox.ts';
import type { Clock } from '../../platform/clock.ts';

/** A notification out of attempts, as an admin sees it. Instants are ISO 8601. */
export type DeadLetterView = Readonly<{
  key: string;
  topic: string;
  userId: string;
  attempts: number;
  channelsDone: readonly string[];
  lastError?: string;
  deadAt: string;
}>;

export type DeadLetters = Readonly<{
  /** Dead letters of every database, oldest first in each, at most `limit` in all. */
  list(limit: number): Promise<DeadLetterView[]>;
  /**
   * Makes the dead letters with these keys (all of them when `keys` is undefined) due again now, with a fresh count
   * of attempts; channels that already took one are not sent it again. Returns how many were revived.
   */
  retry(keys: readonly string[] | undefined): Promise<number>;
}>;

/** The admin's view of the outbox's dead letters, across shards; a retry wakes the dispatchers at once. */
export const createDeadLetters = (
  deps: Readonly<{ outboxes: readonly Outbox[]; clock: Clock; wake: () => void }>,
): DeadLetters => ({
  async list(limit) {
    const views: DeadLetterView[] = [];
    for (const outbox of deps.outboxes) {
      if (views.length >= limit) break;
      for (const dead of await outbox.deadLetters(limit - views.length))
        views.push({
          key: dead.key,
          topic: dead.topic,
          userId: dead.userId,
          attempts: dead.attempts,
          channelsDone: dead.channelsDone,
          ...(dead.lastError === undefined ? {} : { lastError: dead.lastError }),
          deadAt: new Date(dead.deadAt).toISOString(),
        });
    }
    return views;
  },
  async retry(keys) {
    const now = deps.clock.now();
    const counts = await Promise.all(deps.outboxes.map((outbox) => outbox.revive(keys, now)));
    const revived = counts.reduce((sum, count) => sum + count, 0);
    if (revived > 0) deps.wake();
    return revived;
  },
});
