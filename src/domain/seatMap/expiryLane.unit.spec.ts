import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryLane } from './expiryLane.ts';

type Step = Readonly<{ kind: 'set'; handle: number; expiresAt: number } | { kind: 'delete'; handle: number }>;

/** Few handles make many dead slots (so the lane compacts often); many make long runs of live ones. */
const stepsArbitrary: fc.Arbitrary<Step[]> = fc.constantFrom(6, 60).chain((handles) =>
  fc.array(
    fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        handle: fc.integer({ min: 1, max: handles }),
        expiresAt: fc.integer({ min: 0, max: 1_000 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), handle: fc.integer({ min: 1, max: handles }) }),
    ),
    { minLength: 50, maxLength: 400, size: 'max' },
  ),
);

describe('ExpiryLane', () => {
  it('answers what a Map answers after any sets and deletes: size, membership, values, order and first entry', () => {
    fc.assert(
      fc.property(stepsArbitrary, (steps) => {
        const lane = new ExpiryLane();
        const map = new Map<number, number>();
        // Compared after every step; plain comparisons, so hundreds of runs of hundreds of steps stay fast.
        const differences: string[] = [];
        steps.forEach((step, i) => {
          if (step.kind === 'set') {
            if (lane.set(step.handle, step.expiresAt) !== lane) differences.push(`${i}: set returned another object`);
            map.set(step.handle, step.expiresAt);
          } else if (lane.delete(step.handle) !== map.delete(step.handle)) differences.push(`${i}: delete answered`);
          if (lane.size !== map.size) differences.push(`${i}: size`);
          if (lane.firstExpiresAt() !== map.values().next().value) differences.push(`${i}: first`);
          if (lane.has(step.handle) !== map.has(step.handle)) differences.push(`${i}: has`);
          if (lane.get(step.handle) !== map.get(step.handle)) differences.push(`${i}: get`);
        });
        expect(differences).toEqual([]);
        expect([...lane]).toEqual([...map]);
        expect([...lane.keys()]).toEqual([...map.keys()]);
        expect([...lane.values()]).toEqual([...map.values()]);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps its order through the compactions of a long first-in, first-out run', () => {
    const lane = new ExpiryLane();
    for (let handle = 1; handle <= 10_000; handle++) {
      lane.set(handle, handle * 10);
      if (handle > 600) lane.delete(handle - 600);
    }
    expect(lane.size).toBe(600);
    expect(lane.firstExpiresAt()).toBe(9_401 * 10);
    expect([...lane.keys()]).toEqual(Array.from({ length: 600 }, (_, i) => 9_401 + i));
  });

  it('reads nothing from an empty lane', () => {
    const lane = new ExpiryLane();
    lane.set(1, 5);
    lane.delete(1);
    expect(lane.firstExpiresAt()).toBeUndefined();
    expect([...lane]).toEqual([]);
  });
});
