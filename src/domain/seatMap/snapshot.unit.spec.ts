import { describe, expect, it } from 'vitest';
import { isBookingError } from '../bookingError.ts';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import { evolveAll } from './evolve.ts';
import { inventoryViolations } from './invariants.ts';
import {
  config,
  expireHolds,
  generalHeld,
  holdBest,
  holdGeneral,
  holdSeats,
  holdTtlMs,
  observable,
  released,
  releaseHold,
  releaseReservation,
  reserved,
  reserveHold,
  seatsHeld,
  sellReservation,
  sold,
  stateFrom,
  T0,
  t,
  venue,
  waitlistHeld,
} from './inventoryFixture.ts';
import {
  fromSnapshot,
  type InventorySnapshot,
  type SnapshotPolicy,
  shouldSnapshot,
  snapshotPolicyDefault,
  toSnapshot,
} from './snapshot.ts';
import type { InventoryState } from './state.ts';

describe('shouldSnapshot', () => {
  const at = (version: number, lastVersion: number, seconds = 60, policy?: SnapshotPolicy) =>
    shouldSnapshot({ version, lastVersion, now: t(seconds), lastAt: t(0) }, policy);

  it('snapshots once every 1,000 events by default', () => {
    expect(snapshotPolicyDefault.everyEvents).toBe(1_000);
    expect(at(0, 0)).toBe(false);
    expect(at(999, 0)).toBe(false);
    expect(at(1_000, 0)).toBe(true);
    expect(at(1_999, 1_000)).toBe(false);
    expect(at(2_000, 1_000)).toBe(true);
  });

  it('catches up when a batch jumps past the threshold', () => {
    expect(at(1_037, 0)).toBe(true);
    expect(at(5_000, 1_000)).toBe(true);
  });

  it('waits at least the minimum interval after the last snapshot, however many events came', () => {
    expect(snapshotPolicyDefault.intervalMinMs).toBe(10_000);
    expect(at(50_000, 0, 9.999)).toBe(false);
    expect(at(50_000, 0, 10)).toBe(true);
  });

  it('takes the policy as a parameter', () => {
    const policy = { everyEvents: 10, intervalMinMs: 0 };
    expect(at(9, 0, 0, policy)).toBe(false);
    expect(at(10, 0, 0, policy)).toBe(true);
  });
});

/** Through JSON, the way a store keeps it. */
const roundTrip = (state: InventoryState): InventoryState =>
  fromSnapshot(venue, config, JSON.parse(JSON.stringify(toSnapshot(state))) as InventorySnapshot);

const outcomeOf = (command: InventoryCommand, state: InventoryState) => {
  try {
    return decide(command, state);
  } catch (error) {
    if (isBookingError(error)) return error.code;
    throw error;
  }
};

describe('toSnapshot / fromSnapshot', () => {
  // Every kind of hold in every status, a lapsed hold, an ended hold and remembered requests.
  const a = seatsHeld('h1', 'u1', ['ORCH-A-3', 'ORCH-A-4'], t(0));
  const b = generalHeld('h2', 'u2', 3, t(5));
  const c = seatsHeld('h3', 'u3', ['ORCH-B-1'], t(10));
  const d = generalHeld('h4', 'u4', 2, t(20));
  const e = seatsHeld('h5', 'u5', ['BALC-A-1', 'BALC-A-2'], t(30));
  const f = seatsHeld('h6', 'u1', ['ORCH-C-6'], t(40));
  const g = seatsHeld('h7', 'u6', ['ORCH-C-1'], t(50));
  const w = waitlistHeld('w8', 'u9', ['BALC-A-4'], t(55), 'entry-8');
  const history = [
    a,
    b,
    reserved(b, 'o2', t(6)),
    c,
    reserved(c, 'o3', t(11)),
    sold(c, 'o3', t(12)),
    d,
    e,
    released(e, t(31)),
    f,
    g,
    w,
  ];
  const now = t(41) + holdTtlMs; // a, d and f have lapsed; g still runs.

  it('restores a state that reads, holds and decides like the original', () => {
    const original = stateFrom(history);
    const restored = roundTrip(original);
    expect(inventoryViolations(restored)).toEqual([]);
    expect(observable(restored, now)).toEqual(observable(original, now));
    expect(restored.holds).toEqual(original.holds);

    const commands: InventoryCommand[] = [
      holdSeats('n1', 'u7', ['ORCH-A-3'], now),
      holdSeats('n2', 'u7', ['ORCH-C-1'], now),
      holdSeats('n3', 'u7', ['ORCH-B-1'], now),
      holdSeats('n3', 'u7', ['BALC-A-4'], now + 120_000),
      releaseHold('w8', 'u9', now),
      expireHolds(t(55) + 120_000),
      holdBest('n4', 'u7', 3, now),
      holdGeneral('n5', 'u7', 4, now),
      holdGeneral('n6', 'u1', 4, now),
      releaseHold('h7', 'u6', now),
      releaseHold('h7', 'u1', now),
      releaseHold('h1', 'u1', now),
      reserveHold('h7', 'o7', 'u6', now),
      reserveHold('h6', 'o6', 'u1', now),
      sellReservation('o2', now),
      sellReservation('o3', now),
      releaseReservation('o2', now),
      expireHolds(now),
    ];
    for (const command of commands) expect(outcomeOf(command, restored)).toEqual(outcomeOf(command, original));
  });

  it('keeps evolving like the original after restore', () => {
    const original = stateFrom(history);
    const restored = roundTrip(original);
    const commands: InventoryCommand[] = [
      expireHolds(now),
      holdBest('n1', 'u7', 2, now),
      reserveHold('h7', 'o7', 'u6', now),
      sellReservation('o7', now + 1),
      releaseReservation('o2', now + 2),
      holdGeneral('n2', 'u8', 4, now + 3),
    ];
    for (const command of commands) {
      const events = decide(command, original);
      expect(decide(command, restored)).toEqual(events);
      evolveAll(original, events);
      evolveAll(restored, events);
      expect(inventoryViolations(restored)).toEqual([]);
      expect(observable(restored, command.data.now)).toEqual(observable(original, command.data.now));
    }
  });

  it('records the stream version it was taken at', () => {
    const snapshot = toSnapshot(stateFrom(history));
    expect(snapshot.version).toBe(history.length);
    expect(roundTrip(stateFrom(history)).version).toBe(history.length);
  });

  it('round-trips the empty state', () => {
    const empty = stateFrom([]);
    expect(observable(roundTrip(empty), T0)).toEqual(observable(empty, T0));
  });

  it('refuses a snapshot of another format or venue size', () => {
    const snapshot = toSnapshot(stateFrom(history));
    expect(() => fromSnapshot(venue, config, { ...snapshot, format: 99 })).toThrow(/format/);
    expect(() => fromSnapshot(venue, config, { ...snapshot, seatCount: snapshot.seatCount + 1 })).toThrow(/seat count/);
  });
});
