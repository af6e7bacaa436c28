import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base36, hash53 } from './hash.ts';

describe('base36', () => {
  it('writes every integer below 2^53 as toString(36) does', () => {
    const edges = [0, 1, 35, 36, 36 ** 5 - 1, 36 ** 5, 36 ** 5 + 1, 36 ** 10 - 1, 36 ** 10, 2 ** 31, 2 ** 53 - 1];
    for (const n of edges) expect(base36(n)).toBe(n.toString(36));
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => base36(n) === n.toString(36)),
      { numRuns: 10_000 },
    );
  });
});

describe('hash53', () => {
  it('is the same fingerprint as before: stored in HoldPlaced events, so it must never change', () => {
    // What the implementation that formatted with Number.prototype.toString(36) answered (main at bb18860).
    expect(hash53('')).toBe('wvjl67o803');
    expect(hash53('seats8:ORCH-1-1')).toBe('23fa5cj7gjb');
    expect(hash53('general5:FLOOR1:2')).toBe('10p1r2cypd9');
    expect(hash53('x'.repeat(100))).toBe('wis2iskmw9');
  });
});
