import { describe, expect, it } from 'vitest';
import type { SeatMapDiff } from '../../domain/seatMap/views.ts';
import { DiffRing } from './diffRing.ts';

const diff = (fromVersion: number, version: number): SeatMapDiff => ({
  eventId: 'e',
  fromVersion,
  version,
  changes: [],
  general: [],
});

describe('DiffRing', () => {
  it('returns every diff after a version, in order, while it still holds them', () => {
    const ring = new DiffRing(3);
    for (const [from, to] of [
      [0, 2],
      [2, 3],
      [3, 5],
      [5, 6],
    ] as const)
      ring.push(diff(from, to));
    expect(ring.version).toBe(6);
    expect(ring.since(3, 6)?.map((d) => d.version)).toEqual([5, 6]);
    expect(ring.since(2, 6)?.map((d) => d.version)).toEqual([3, 5, 6]);
    expect(ring.since(6, 6)).toEqual([]);
    // The first diff (0 → 2) fell out of the bounded ring: a client at 0 needs a fresh map.
    expect(ring.since(0, 6)).toBeUndefined();
    // A version that is not a batch boundary cannot be resumed from.
    expect(ring.since(4, 6)).toBeUndefined();
    expect(ring.since(7, 6)).toBeUndefined();
  });

  it('starts afresh when a diff does not continue the last one', () => {
    const ring = new DiffRing(5);
    ring.push(diff(0, 1));
    ring.push(diff(4, 5));
    expect(ring.since(0, 5)).toBeUndefined();
    expect(ring.since(4, 5)?.length).toBe(1);
  });
});
