import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getNextSnapshot } from 'xstate';
import type { SeatStatusName } from '../seatMap/views.ts';
import { seatStatusNames } from '../seatMap/views.ts';
import { type SeatEvent, seatEventTypes, seatMachine } from './seatMachine.ts';
import { nextSeatStatus, seatStatusCodes, seatTransitionTable } from './seatTransitions.ts';

const snapshotAt = (status: SeatStatusName) => seatMachine.resolveState({ value: status });

describe('seat transition table', () => {
  it('has a row per status and a column per machine event', () => {
    expect(seatTransitionTable).toHaveLength(seatStatusNames.length);
    for (const row of seatTransitionTable) expect(Object.keys(row).sort()).toEqual([...seatEventTypes].sort());
    for (const [code, name] of seatStatusNames.entries()) expect(seatStatusCodes[name]).toBe(code);
  });

  for (const status of seatStatusNames) {
    for (const type of seatEventTypes) {
      it(`${status} × ${type} agrees with the machine`, () => {
        const from = snapshotAt(status);
        const event = { type } as SeatEvent;
        const expected = from.can(event)
          ? seatStatusCodes[getNextSnapshot(seatMachine, from, event).value as SeatStatusName]
          : -1;
        expect(nextSeatStatus(seatStatusCodes[status], type)).toBe(expected);
        // An event the machine ignores leaves it where it was, so "illegal" and "no-op" cannot be confused.
        if (expected === -1) expect(getNextSnapshot(seatMachine, from, event).value).toBe(status);
      });
    }
  }

  it('is the documented lifecycle', () => {
    const legal = seatStatusNames.flatMap((status) =>
      seatEventTypes
        .filter((type) => nextSeatStatus(seatStatusCodes[status], type) >= 0)
        .map((type) => `${status}:${type}→${seatStatusNames[nextSeatStatus(seatStatusCodes[status], type)]}`),
    );
    expect(legal.sort()).toEqual(
      [
        'available:HOLD→held',
        'held:RELEASE→available',
        'held:EXPIRE→available',
        'held:RESERVE→reserved',
        'reserved:SELL→sold',
        'reserved:RELEASE_RESERVATION→available',
        'sold:REFUND→available',
      ].sort(),
    );
  });

  it('answers -1 for a status code outside the table', () => {
    expect(nextSeatStatus(4, 'HOLD')).toBe(-1);
    expect(nextSeatStatus(-1, 'HOLD')).toBe(-1);
  });

  it('runs any event sequence to the same status as the machine (property)', () => {
    const seed = Number(process.env.SIM_SEED ?? 42);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...seatEventTypes), { maxLength: 40 }), (types) => {
        let snapshot = seatMachine.resolveState({ value: 'available' });
        let code: number = seatStatusCodes.available;
        for (const type of types) {
          const event = { type } as SeatEvent;
          const legal = snapshot.can(event);
          const next = nextSeatStatus(code, type);
          expect(next >= 0).toBe(legal);
          snapshot = getNextSnapshot(seatMachine, snapshot, event);
          // The table refuses what the machine ignores; the inventory never applies a refused move.
          if (legal) code = next;
          expect(seatStatusNames[code]).toBe(snapshot.value);
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});
