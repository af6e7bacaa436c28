import { describe, expect, it } from 'vitest';
import type { DeliveredMark } from '../../persistence/outbox.ts';
import { ManualClock } from '../../platform/clock.ts';
import { createMarkWriter } from './deliveredMarks.ts';

const mark = (id: number): DeliveredMark => ({ id, channelsDone: ['email'], at: id });

/** An outbox whose writes are recorded and finish only when the test says so. */
const writes = () => {
  const calls: number[][] = [];
  const ends: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    calls,
    outbox: {
      delivered: (marks: readonly DeliveredMark[]) =>
        new Promise<void>((resolve, reject) => {
          calls.push(marks.map((m) => m.id));
          ends.push({ resolve, reject });
        }),
    },
    end: (index: number, error?: Error) => (error === undefined ? ends[index]!.resolve() : ends[index]!.reject(error)),
  };
};

/** A mark writer over a recording outbox, a window of 100 ms and batches of 10 unless the case says otherwise. */
const writer = (options: Partial<{ flushMs: number; batchMax: number; writeAtOnce: () => boolean }> = {}) => {
  const clock = new ManualClock();
  const store = writes();
  const marks = createMarkWriter({
    outbox: store.outbox,
    clock,
    flushMs: 100,
    batchMax: 10,
    writeAtOnce: () => false,
    ...options,
  });
  return { clock, store, marks };
};

describe('delivered marks written in batches', () => {
  it('gathers the marks of a window into one write while other deliveries are sending', async () => {
    const { clock, store, marks } = writer();
    const first = marks.delivered(mark(1));
    clock.advance(60);
    const second = marks.delivered(mark(2));
    expect(store.calls).toEqual([]);
    // The window runs from the first mark waiting.
    clock.advance(40);
    expect(store.calls).toEqual([[1, 2]]);
    store.end(0);
    await Promise.all([first, second]);
  });

  it('writes at once when no other delivery is sending, or when a batch is full', async () => {
    let quiet = true;
    const { clock, store, marks } = writer({ batchMax: 2, writeAtOnce: () => quiet });
    const lone = marks.delivered(mark(1));
    expect(store.calls).toEqual([[1]]);
    store.end(0);
    await lone;
    quiet = false;
    const full = [marks.delivered(mark(2)), marks.delivered(mark(3))];
    expect(store.calls).toEqual([[1], [2, 3]]);
    store.end(1);
    await Promise.all(full);
    // The last sender finished: what waits is written now, not at the window's end.
    const waiting = marks.delivered(mark(4));
    expect(store.calls).toHaveLength(2);
    quiet = true;
    marks.writeSoon();
    expect(store.calls).toEqual([[1], [2, 3], [4]]);
    store.end(2);
    await waiting;
    expect(clock.pendingTimers).toEqual([]);
  });

  it('keeps one write at a time: marks that come during a write go in the next one', async () => {
    const { store, marks } = writer({ flushMs: 0 });
    const first = marks.delivered(mark(1));
    const later = [marks.delivered(mark(2)), marks.delivered(mark(3))];
    expect(store.calls).toEqual([[1]]);
    store.end(0);
    await first;
    expect(store.calls).toEqual([[1], [2, 3]]);
    store.end(1);
    await Promise.all(later);
  });

  it('rejects the marks of a write that failed, and writes the next ones anew', async () => {
    const { clock, store, marks } = writer();
    const lost = [marks.delivered(mark(1)), marks.delivered(mark(2))];
    clock.advance(100);
    store.end(0, new Error('store down'));
    for (const promise of lost) await expect(promise).rejects.toThrow('store down');
    const next = marks.delivered(mark(3));
    clock.advance(100);
    expect(store.calls).toEqual([[1, 2], [3]]);
    store.end(1);
    await next;
  });
});
