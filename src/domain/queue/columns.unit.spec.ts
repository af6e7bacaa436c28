import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryUsers } from './entryUsers.ts';
import { Fenwick } from './fenwick.ts';
import { emptyRateWindow, observeRate, ratePerSecond, restartRate } from './rateWindow.ts';

describe('Fenwick', () => {
  type Step = { kind: 'push'; value: 0 | 1 } | { kind: 'flip'; pick: number } | { kind: 'reset' };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('push' as const), value: fc.constantFrom(0 as const, 1 as const) }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
  );

  it('answers prefix sums and selections as a naive recount does, through growth and rebuilds', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 3_000 }), (steps) => {
        const tree = new Fenwick();
        const values: number[] = [];
        for (const step of steps) {
          if (step.kind === 'push') {
            tree.push(step.value);
            values.push(step.value);
          } else if (step.kind === 'flip' && values.length > 0) {
            const slot = step.pick % values.length;
            tree.add(slot, values[slot] === 1 ? -1 : 1);
            values[slot] = 1 - values[slot]!;
          } else if (step.kind === 'reset') tree.reset(values);
        }
        let sum = 0;
        for (let slot = 0; slot < values.length; slot++) {
          sum += values[slot]!;
          expect(tree.prefix(slot)).toBe(sum);
          if (values[slot] === 1) expect(tree.select(sum)).toBe(slot);
        }
        expect(tree.prefix(-1)).toBe(0);
        expect(tree.select(sum + 1)).toBe(-1);
        expect(tree.length).toBe(values.length);
      }),
      { seed: 1, numRuns: 60 },
    );
  });
});

describe('EntryUsers', () => {
  it('finds every buyer’s latest entry and their id, through growth and rejoins', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 3_000 }).map((n) => `u_${n}`),
            fc.string({ minLength: 1, maxLength: 12 }).filter((id) => !id.includes('\n')),
          ),
          {
            maxLength: 5_000,
          },
        ),
        (joins) => {
          const users = new EntryUsers();
          const latest = new Map<string, number>();
          for (const userId of joins) latest.set(userId, users.append(userId));
          expect(users.count).toBe(joins.length);
          expect(joins.map((_, entry) => users.userIdOf(entry))).toEqual(joins);
          for (const [userId, entry] of latest) expect(users.latestOf(userId)).toBe(entry);
          expect(users.latestOf('never-joined')).toBe(-1);
          expect(joins.map((_, entry) => users.latestOfEntry(entry))).toEqual(joins.map((id) => latest.get(id)));
          const restored = EntryUsers.fromLines(users.toLines());
          expect(restored.count).toBe(joins.length);
          for (const [userId, entry] of latest) expect(restored.latestOf(userId)).toBe(entry);
          expect(joins.map((_, entry) => restored.userIdOf(entry))).toEqual(joins);
        },
      ),
      { seed: 2, numRuns: 40 },
    );
  });

  it('keeps ids outside ASCII byte for byte', () => {
    const users = new EntryUsers();
    users.append('ünïcødé-☃');
    users.append('u_abc');
    expect(users.userIdOf(0)).toBe('ünïcødé-☃');
    expect(EntryUsers.fromLines(users.toLines()).latestOf('ünïcødé-☃')).toBe(0);
  });
});

describe('rate window', () => {
  const T = 1_000_000_000_000;

  it('counts the last minute in ten-second buckets, over a full minute once a minute has passed', () => {
    const window = emptyRateWindow(T - 60_000);
    observeRate(window, T + 1_000, 6);
    observeRate(window, T + 25_000, 6);
    expect(ratePerSecond(window, T + 30_000)).toBeCloseTo(12 / 60);
    // The first bucket [T, T+10 s) leaves the window once the newest bucket is six buckets later.
    expect(ratePerSecond(window, T + 59_999)).toBeCloseTo(12 / 60);
    expect(ratePerSecond(window, T + 60_000)).toBeCloseTo(6 / 60);
    expect(ratePerSecond(window, T + 79_999)).toBeCloseTo(6 / 60);
    expect(ratePerSecond(window, T + 80_000)).toBe(0);
  });

  it('counts over the time since measuring started during the first minute, and at least a second', () => {
    const window = emptyRateWindow(T);
    observeRate(window, T + 100, 10);
    expect(ratePerSecond(window, T + 100)).toBe(10);
    expect(ratePerSecond(window, T + 5_000)).toBe(2);
    expect(ratePerSecond(window, T + 40_000)).toBe(0.25);
    restartRate(window, T + 50_000);
    expect(ratePerSecond(window, T + 51_000)).toBe(0);
  });

  it('forgets everything after a long quiet spell, and counts what comes next', () => {
    const window = emptyRateWindow(T);
    observeRate(window, T, 100);
    observeRate(window, T + 3_600_000, 3);
    expect(window.counts.reduce((a, b) => a + b)).toBe(3);
    expect(ratePerSecond(window, T + 3_600_000)).toBeCloseTo(3 / 60);
  });
});
