import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeatIndex } from './seatIndex.ts';

describe('SeatIndex', () => {
  it('finds every id at its position and nothing else', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 300 }),
        fc.string(),
        (ids, other) => {
          const index = new SeatIndex(ids);
          expect(index.count).toBe(ids.length);
          ids.forEach((id, seat) => {
            expect(index.indexOf(id)).toBe(seat);
            expect(index.id(seat)).toBe(id);
          });
          expect(index.indexOf(other)).toBe(ids.includes(other) ? ids.indexOf(other) : undefined);
        },
      ),
      { seed: Number(process.env.SIM_SEED ?? 5), numRuns: 200 },
    );
  });

  it('refuses a repeated id', () => {
    expect(() => new SeatIndex(['A-1', 'A-2', 'A-1'])).toThrow(/A-1 appears twice/);
  });

  it('handles an empty venue', () => {
    expect(new SeatIndex([]).indexOf('A-1')).toBeUndefined();
  });
});
