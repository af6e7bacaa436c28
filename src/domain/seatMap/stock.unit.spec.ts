import { describe, expect, it } from 'vitest';
import {
  floorCapacity,
  generalHeld,
  holdTtlMs,
  reserved,
  seatIdsOf,
  seatsHeld,
  stateFrom,
  t,
} from './inventoryFixture.ts';
import { sellableStock } from './stock.ts';

const seats = seatIdsOf().length;

describe('sellableStock', () => {
  it('counts every seat and general place of a fresh event as available', () => {
    expect(sellableStock(stateFrom([]), t(0), 30_000)).toEqual({ available: seats + floorCapacity, lapsing: 0 });
  });

  it('takes held and reserved places off, and counts holds that lapse soon as lapsing, lapsed ones as available', () => {
    const early = seatsHeld('h1', 'u1', ['ORCH-A-1', 'ORCH-A-2'], t(0));
    const late = generalHeld('h2', 'u2', 3, t(20));
    const paid = seatsHeld('h3', 'u3', ['ORCH-B-1'], t(0));
    const state = stateFrom([early, late, paid, reserved(paid, 'o3', t(1))]);
    const base = seats + floorCapacity - 2 - 3 - 1;
    // h1 lapses at t(0) + TTL, h2 20 s later; the reserved seat never counts.
    expect(sellableStock(state, t(0), 10_000)).toEqual({ available: base, lapsing: 0 });
    expect(sellableStock(state, t(0) + holdTtlMs - 5_000, 10_000)).toEqual({ available: base, lapsing: 2 });
    expect(sellableStock(state, t(0) + holdTtlMs, 30_000)).toEqual({ available: base + 2, lapsing: 3 });
    expect(sellableStock(state, t(20) + holdTtlMs, 30_000)).toEqual({ available: base + 5, lapsing: 0 });
  });
});
