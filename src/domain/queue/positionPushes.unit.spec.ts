import { describe, expect, it } from 'vitest';
import { evolveQueueAll } from './evolve.ts';
import { PositionPushCursor, positionBucket, positionPushes } from './positionPushes.ts';
import { config, granted, joined, left, queueFrom, roomSetUp, shuffled, t } from './queueFixture.ts';
import { queueEntryOf } from './read.ts';

const lineOf = (count: number) =>
  queueFrom([
    roomSetUp(t(-3600), { ...config, admittedMax: 1_000 }),
    shuffled(0, t(0)),
    ...Array.from({ length: count }, (_, i) => joined(i, `u${i}`, t(1))),
  ]);

describe('positionBucket', () => {
  it('tells every step near the head, then every change of the two leading digits', () => {
    expect([1, 2, 99, 100].map(positionBucket)).toEqual([1, 2, 99, 100]);
    expect(positionBucket(101)).toBe(positionBucket(109));
    expect(positionBucket(110)).toBe(positionBucket(109) + 1);
    expect(positionBucket(1_000)).toBe(positionBucket(999) + 1);
    expect(positionBucket(1_099)).toBe(positionBucket(1_000));
    expect(positionBucket(999_999)).toBe(positionBucket(990_000));
    expect(positionBucket(2 ** 31 - 1)).toBeLessThan(2 ** 16);
  });

  it('never goes up as a buyer moves forward', () => {
    let previous = 0;
    let goesUp = 0;
    for (let position = 1; position <= 200_000; position++) {
      const bucket = positionBucket(position);
      if (bucket < previous) goesUp = position;
      previous = bucket;
    }
    expect(goesUp).toBe(0);
  });
});

describe('positionPushes', () => {
  const policy = { headSlotsPerTick: 10, sweepSlotsPerTick: 20 };

  it('tells everyone once, a bounded number per tick, and then only what changed', () => {
    const state = lineOf(100);
    const cursor = new PositionPushCursor();
    const told = new Map<string, number>();
    for (let tick = 0; tick < 5; tick++) {
      const pushes = positionPushes(state, cursor, t(2), policy);
      expect(pushes.length).toBeLessThanOrEqual(30);
      for (const push of pushes) {
        expect(push.position).toBe(queueEntryOf(state, push.userId, t(2))?.position);
        expect(told.has(push.userId)).toBe(false);
        told.set(push.userId, push.position);
      }
    }
    // The head in the first tick, then 20 more a tick: after 5 ticks, everyone.
    expect(told.size).toBe(100);
    expect(positionPushes(state, cursor, t(2), policy)).toEqual([]);
  });

  it('tells the buyers near the head of every step, those far back only when their bucket changes', () => {
    const state = lineOf(300);
    const cursor = new PositionPushCursor();
    for (let tick = 0; tick < 20; tick++) positionPushes(state, cursor, t(2), policy);
    // The first buyer leaves: everyone moves up one place.
    evolveQueueAll(state, [left(0, 'u0', t(3))]);
    const pushed = new Set<string>();
    for (let tick = 0; tick < 20; tick++)
      for (const push of positionPushes(state, cursor, t(3), policy)) pushed.add(push.userId);
    // Positions up to 100 are each their own bucket; u102 went from 103 to 102, the same bucket (101–109); u109 from
    // 110 to 109, a new one; u110 from 111 to 110, the same (110–119).
    expect(pushed.has('u1')).toBe(true);
    expect(pushed.has('u100')).toBe(true);
    expect(pushed.has('u102')).toBe(false);
    expect(pushed.has('u109')).toBe(true);
    expect(pushed.has('u110')).toBe(false);
  });

  it('skips who is not in line, and starts from the first buyer still waiting', () => {
    const state = lineOf(30);
    evolveQueueAll(state, [
      granted(
        [
          [0, 'u0'],
          [1, 'u1'],
        ],
        t(2),
        { available: 100, lapsing: 0 },
      ),
    ]);
    const pushes = positionPushes(state, new PositionPushCursor(), t(2), policy);
    expect(pushes[0]).toMatchObject({ queueId: 'q2', userId: 'u2', position: 1 });
    expect(pushes.map((push) => push.userId)).not.toContain('u0');
  });

  it('does not repeat a position the join answer already told', () => {
    const state = lineOf(3);
    const cursor = new PositionPushCursor();
    cursor.note(2, 3);
    expect(positionPushes(state, cursor, t(2), policy).map((push) => push.userId)).toEqual(['u0', 'u1']);
  });

  it('tells nobody in the pre-queue: there is no position before the shuffle', () => {
    const state = queueFrom([roomSetUp(t(-3600)), joined(0, 'a', t(-600), 'prequeue')]);
    expect(positionPushes(state, new PositionPushCursor(), t(-500), policy)).toEqual([]);
  });
});
