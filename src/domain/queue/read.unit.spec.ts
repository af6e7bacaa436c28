import { describe, expect, it } from 'vitest';
import {
  admissionMs,
  commitment,
  config,
  finished,
  granted,
  joined,
  openedWithFour,
  queueFrom,
  released,
  roomSetUp,
  seed,
  soldOut,
  T0,
  t,
} from './queueFixture.ts';
import { admissionOf, fairnessRecord, isRoomEngaged, nextQueueTimerAt, queueEntryOf, queueStats } from './read.ts';
import { shuffleAlgorithm, verifyFairness } from './shuffle.ts';

const stock = { available: 100, lapsing: 0 };
const preQueue = [roomSetUp(t(-3600)), joined(0, 'a', t(-600), 'prequeue'), joined(1, 'b', t(-500), 'prequeue')];

describe('queueEntryOf', () => {
  it('knows nobody without a room, and nobody who never joined', () => {
    expect(queueEntryOf(queueFrom([]), 'a', t(0))).toBeUndefined();
    expect(queueEntryOf(queueFrom(openedWithFour), 'z', t(10))).toBeUndefined();
  });

  it('shows a pre-queue entry without a position: nobody has one until the shuffle', () => {
    expect(queueEntryOf(queueFrom(preQueue), 'b', t(-60))).toEqual({ queueId: 'q1', state: 'prequeue' });
  });

  it('shows the position and an ETA from the turnover until an admission rate is measured', () => {
    // Turnover: 3 admitted for 60 s each is 0.05 admissions a second; position 3 is 60 s away.
    expect(queueEntryOf(queueFrom(openedWithFour), 'a', t(10))).toEqual({
      queueId: 'q0',
      state: 'queued',
      position: 3,
      etaSeconds: 60,
    });
  });

  it('measures the ETA from admissions that replaced a finished buyer, over the last minute', () => {
    const history = [
      ...openedWithFour,
      granted([[2, 'c']], t(10), stock),
      finished(2, 'c', t(11)),
      granted([[1, 'b']], t(12), stock),
    ];
    // One replacement in the 20 s since the opening: 1/20 a second; a is now first: 20 s. The opening's admission
    // of c filled an empty place and does not count.
    expect(queueEntryOf(queueFrom(history), 'a', t(20))).toMatchObject({ position: 1, etaSeconds: 20 });
    expect(queueEntryOf(queueFrom(history), 'd', t(20))).toMatchObject({ position: 2, etaSeconds: 40 });
    // A minute later the rate is over the whole last minute.
    expect(queueEntryOf(queueFrom(history), 'd', t(65))).toMatchObject({ position: 2, etaSeconds: 120 });
  });

  it('shows an admitted buyer when their admission ends', () => {
    const state = queueFrom([...openedWithFour, granted([[2, 'c']], t(10), stock)]);
    expect(queueEntryOf(state, 'c', t(20))).toEqual({
      queueId: 'q2',
      state: 'admitted',
      admission: { expiresAt: t(10) + admissionMs },
    });
  });
});

describe('admissionOf', () => {
  const state = queueFrom([...openedWithFour, granted([[2, 'c']], t(10), stock)]);

  it('is the admission of an admitted buyer until it ends, and nothing for anyone else', () => {
    expect(admissionOf(state, 'c', t(20))).toEqual({ queueId: 'q2', expiresAt: t(10) + admissionMs });
    expect(admissionOf(state, 'c', t(10) + admissionMs)).toBeUndefined();
    expect(admissionOf(state, 'a', t(20))).toBeUndefined();
    expect(admissionOf(state, 'z', t(20))).toBeUndefined();
    expect(
      admissionOf(
        queueFrom([...openedWithFour, granted([[2, 'c']], t(10), stock), finished(2, 'c', t(11))]),
        'c',
        t(20),
      ),
    ).toBeUndefined();
  });
});

describe('fairnessRecord', () => {
  it('publishes only the commitment before the shuffle', () => {
    expect(fairnessRecord(queueFrom([]))).toBeUndefined();
    expect(fairnessRecord(queueFrom(preQueue))).toEqual({ commitment, algorithm: shuffleAlgorithm });
  });

  it('reveals the seed and the order after it, and anyone can check them', () => {
    const record = fairnessRecord(queueFrom([...openedWithFour, granted([[2, 'c']], t(10), stock)]))!;
    expect(record).toEqual({ commitment, algorithm: shuffleAlgorithm, seed, order: ['q2', 'q1', 'q0'] });
    expect(verifyFairness(record)).toEqual([]);
  });
});

describe('queueStats', () => {
  it('counts the room by state and names its phase', () => {
    expect(queueStats(queueFrom([]), t(0)).phase).toBe('closed');
    expect(queueStats(queueFrom(preQueue), t(-60))).toMatchObject({ phase: 'prequeue', waiting: 2, prequeue: 2 });
    const open = queueStats(queueFrom([...openedWithFour, granted([[2, 'c']], t(10), stock)]), t(10));
    expect(open).toMatchObject({ phase: 'open', waiting: 3, admitted: 1, admittedTotal: 1, entries: 4 });
    expect(open.byState).toMatchObject({ queued: 3, admitted: 1, prequeue: 0 });
    expect(open.turnoverPerSecond).toBeCloseTo(0.05);
    expect(queueStats(queueFrom([...openedWithFour, soldOut(4, t(20))]), t(20)).phase).toBe('soldout');
    expect(queueStats(queueFrom([...openedWithFour, released(4, t(20))]), t(20)).phase).toBe('released');
  });
});

describe('isRoomEngaged and nextQueueTimerAt', () => {
  it('says when holds need an admission', () => {
    expect(isRoomEngaged(queueFrom([]))).toBe(false);
    expect(isRoomEngaged(queueFrom(openedWithFour))).toBe(true);
    expect(isRoomEngaged(queueFrom([roomSetUp(t(-3600), { ...config, enabled: false })]))).toBe(false);
  });

  it('wakes the actor at the opening, then when the first admission runs out', () => {
    expect(nextQueueTimerAt(queueFrom([]))).toBeUndefined();
    expect(nextQueueTimerAt(queueFrom(preQueue))).toBe(T0);
    expect(nextQueueTimerAt(queueFrom(openedWithFour))).toBeUndefined();
    const admitted = [...openedWithFour, granted([[2, 'c']], t(10), stock), granted([[1, 'b']], t(20), stock)];
    expect(nextQueueTimerAt(queueFrom(admitted))).toBe(t(10) + admissionMs);
  });
});
