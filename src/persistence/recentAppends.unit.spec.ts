import { describe, expect, it } from 'vitest';
import { RecentAppends } from './recentAppends.ts';

const at = new Date(1_700_000_000_000);
/** An append of `n` events to `streamId` from `firstVersion` on, by transaction `xid`, at positions from `firstPosition`. */
const append = (xid: string, firstPosition: number, n: number, streamId = 'event-a', firstVersion = 1) => ({
  transactionId: xid,
  streamId,
  firstVersion,
  firstPosition,
  recordedAt: at,
  events: Array.from({ length: n }, (_, index) => ({ type: 'HoldPlaced', data: { n: firstVersion + index } })),
});
const cursors = (events: readonly { transactionId: string; position: number }[]) =>
  events.map((event) => `${event.transactionId}:${event.position}`);

describe('RecentAppends', () => {
  it('gives the kept events in (transaction id, position) order, numerically, below the settled horizon only', () => {
    const recent = new RecentAppends();
    recent.follow(true);
    // Transaction 100 took the lower positions and committed after 99, which took the higher ones.
    recent.add(append('99', 4, 2, 'event-b'));
    recent.add(append('100', 1, 3));
    recent.add(append('101', 6, 1, 'event-a', 4));
    expect(cursors(recent.settledAfter({ transactionId: '0', position: 0 }, '102'))).toEqual([
      '99:4',
      '99:5',
      '100:1',
      '100:2',
      '100:3',
      '101:6',
    ]);
    // 101 has not settled (a transaction below it may still be running): neither it nor anything after.
    expect(cursors(recent.settledAfter({ transactionId: '0', position: 0 }, '101'))).toHaveLength(5);
    // From the middle of an append.
    const tail = recent.settledAfter({ transactionId: '100', position: 1 }, '102');
    expect(cursors(tail)).toEqual(['100:2', '100:3', '101:6']);
    expect(tail[0]).toEqual({
      position: 2,
      streamId: 'event-a',
      streamVersion: 2,
      type: 'HoldPlaced',
      data: { n: 2 },
      recordedAt: at,
      appendId: '100',
      transactionId: '100',
    });
  });

  it('keeps nothing unless following, drops the oldest past its bound, and forgets what every projection is past', () => {
    const recent = new RecentAppends(5);
    recent.add(append('7', 1, 2));
    expect(recent.size).toBe(0);
    recent.follow(true);
    recent.add(append('7', 1, 2));
    recent.add(append('8', 3, 2));
    recent.add(append('9', 5, 2));
    // 6 > 5: the oldest append went.
    expect(recent.size).toBe(4);
    expect(cursors(recent.settledAfter({ transactionId: '0', position: 0 }, '10'))).toEqual([
      '8:3',
      '8:4',
      '9:5',
      '9:6',
    ]);
    // Past the first event of 8 only: 8 stays whole.
    recent.forget({ transactionId: '8', position: 3 });
    expect(recent.size).toBe(4);
    recent.forget({ transactionId: '8', position: 4 });
    expect(recent.size).toBe(2);
    recent.follow(false);
    expect(recent.size).toBe(0);
    recent.add(append('11', 7, 1));
    expect(recent.size).toBe(0);
  });
});
