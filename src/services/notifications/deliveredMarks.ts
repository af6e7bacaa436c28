import type { DeliveredMark, Outbox } from '../../persistence/outbox.ts';
import type { Clock } from '../../platform/clock.ts';

/**
 * Gathers delivered marks into one `Outbox.delivered` statement: a mark waits at most `flushMs` on the clock (from the
 * first mark waiting) or until `batchMax` wait, and is written at once whenever `writeAtOnce()` says so (no other
 * delivery is sending: a lone notification, the end of a burst, a drain). One write at a time: marks that come during a
 * write wait for it to end. Each mark's promise settles with its write; a failed write rejects its marks (their rows
 * stay leased until the lease ends, then are sent again under the same key).
 */
export const createMarkWriter = (options: {
  outbox: Pick<Outbox, 'delivered'>;
  clock: Clock;
  flushMs: number;
  batchMax: number;
  writeAtOnce: () => boolean;
}) => {
  type Waiting = Readonly<{ mark: DeliveredMark; resolve: () => void; reject: (error: unknown) => void }>;
  const waiting: Waiting[] = [];
  let writing = false;
  /** The window of the first waiting mark has passed: write as soon as no write is under way. */
  let due = false;
  let cancelTimer: (() => void) | undefined;

  const write = (): void => {
    if (writing || waiting.length === 0) return;
    cancelTimer?.();
    cancelTimer = undefined;
    due = false;
    const batch = waiting.splice(0, options.batchMax);
    writing = true;
    const settle = (failed: boolean, error?: unknown): void => {
      // Free for the next write before anyone waiting on this one goes on.
      writing = false;
      for (const entry of batch)
        if (failed) entry.reject(error);
        else entry.resolve();
      if (waiting.length > 0) schedule();
    };
    options.outbox.delivered(batch.map((entry) => entry.mark)).then(
      () => settle(false),
      (error: unknown) => settle(true, error),
    );
  };

  const schedule = (): void => {
    if (due || options.flushMs <= 0 || waiting.length >= options.batchMax || options.writeAtOnce()) {
      due = true;
      write();
      return;
    }
    cancelTimer ??= options.clock.setTimer(options.flushMs, () => {
      cancelTimer = undefined;
      due = true;
      write();
    });
  };

  return {
    delivered: (mark: DeliveredMark): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ mark, resolve, reject });
        schedule();
      }),
    /** Writes the waiting marks now (or right after the write under way), when `writeAtOnce()` says so. */
    writeSoon: (): void => {
      if (waiting.length > 0 && options.writeAtOnce()) {
        due = true;
        write();
      }
    },
  };
};
