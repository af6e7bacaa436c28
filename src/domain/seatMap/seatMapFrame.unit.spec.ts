import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventConfig, Venue } from '../venue.ts';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import {
  config,
  expireHolds,
  freshState,
  holdGeneral,
  holdSeats,
  holdTtlMs,
  releaseHold,
  reserveHold,
  seatIdsOf,
  sellReservation,
  T0,
} from './inventoryFixture.ts';
import { seatMapView } from './read.ts';
import { seatMapFrame, seatMapJson } from './seatMapFrame.ts';
import { initialState } from './state.ts';

const seed = Number(process.env.SIM_SEED ?? 8);
const allSeatIds = seatIdsOf();

type Step =
  | { kind: 'seats'; user: number; seats: number[] }
  | { kind: 'general'; user: number; quantity: number }
  | { kind: 'release' | 'reserve' | 'sell'; pick: number }
  | { kind: 'expire' }
  | { kind: 'advance'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('seats' as const),
      user: fc.nat(5),
      seats: fc.uniqueArray(fc.nat(allSeatIds.length - 1), { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('general' as const),
      user: fc.nat(5),
      quantity: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reserve' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sell' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: holdTtlMs }) }),
  },
);

/** Runs the steps through decide and evolve (refusals are simply skipped) and hands back the state and its clock. */
const run = (steps: readonly Step[]) => {
  const state = freshState();
  const holds: { holdId: string; userId: string }[] = [];
  const orders: string[] = [];
  let now = T0;
  let n = 0;
  for (const step of steps) {
    let command: InventoryCommand | undefined;
    // Mostly one of the latest holds, which are likelier to be live.
    const pick = 'pick' in step ? step.pick % Math.min(holds.length, 3) : 0;
    const picked = holds.length === 0 ? undefined : holds[holds.length - 1 - pick]!;
    n += 1;
    switch (step.kind) {
      case 'seats':
        command = holdSeats(
          `h${n}`,
          `u${step.user}`,
          step.seats.map((i) => allSeatIds[i]!),
          now,
        );
        holds.push({ holdId: `h${n}`, userId: `u${step.user}` });
        break;
      case 'general':
        command = holdGeneral(`h${n}`, `u${step.user}`, step.quantity, now);
        break;
      case 'release':
        if (picked) command = releaseHold(picked.holdId, picked.userId, now);
        break;
      case 'reserve':
        if (picked) command = reserveHold(picked.holdId, `o-${picked.holdId}`, picked.userId, now);
        break;
      case 'sell':
        if (orders.length > 0) command = sellReservation(orders[step.pick % orders.length]!, now);
        break;
      case 'expire':
        command = expireHolds(now);
        break;
      case 'advance':
        now += step.ms;
        break;
    }
    if (command === undefined) continue;
    try {
      for (const event of decide(command, state)) {
        evolve(state, event);
        if (event.type === 'HoldPlaced') holds.push({ holdId: event.data.holdId, userId: event.data.userId });
        if (event.type === 'HoldReserved') orders.push(event.data.orderId);
      }
    } catch {
      // A refusal: the state is unchanged.
    }
  }
  return { state, now };
};

describe('seat-map frames', () => {
  it('render the JSON of the seat map, and stay the map until the next hold lapses (property)', () => {
    const seen = { lapsed: 0, running: 0, sold: 0 };
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), fc.nat(2 * holdTtlMs), (steps, later) => {
        const { state, now } = run(steps);
        const at = now + later;
        const frame = seatMapFrame(state, at);
        const view = seatMapView(state, at);
        expect(JSON.parse(seatMapJson(frame))).toEqual(view);
        expect(frame.version).toBe(state.version);
        // Until validUntil nothing else lapses: the map read a moment before it is this frame's map.
        if (Number.isFinite(frame.validUntil)) {
          expect(frame.validUntil).toBeGreaterThan(at);
          expect(seatMapView(state, frame.validUntil - 1)).toEqual(view);
          expect(seatMapView(state, frame.validUntil)).not.toEqual(view);
        } else {
          expect(seatMapView(state, at + 100 * holdTtlMs)).toEqual(view);
        }
        const lapsed = [...state.expiryQueue.values()].filter((expiresAt) => expiresAt <= at).length;
        expect(frame.lapsedHolds).toBe(lapsed);
        if (lapsed > 0) seen.lapsed += 1;
        if (Number.isFinite(frame.validUntil)) seen.running += 1;
        if (state.counts[3]! > 0) seen.sold += 1;
      }),
      { seed, numRuns: 300 },
    );
    // The generator reaches the cases that matter: lapsed holds not swept yet, holds still running, sold seats.
    expect(Math.min(seen.lapsed, seen.running, seen.sold)).toBeGreaterThan(10);
  });

  it('copies the state: a later change does not show in a frame taken before it', () => {
    const state = freshState();
    const frame = seatMapFrame(state, T0);
    const before = seatMapJson(frame);
    for (const event of decide(holdSeats('h1', 'u1', ['ORCH-A-1'], T0), state)) evolve(state, event);
    expect(seatMapJson(frame)).toBe(before);
    expect(JSON.parse(seatMapJson(seatMapFrame(state, T0))).seats['ORCH-A-1'].status).toBe('held');
  });

  it('escapes any seat id as JSON needs, and keeps ids such as __proto__ and 12 as ordinary keys', () => {
    const ids = ['__proto__', '12', 'quote"d', 'back\\slash', 'tab\there', 'Zoë', '\ud800lone', 'constructor'];
    const venue: Venue = {
      id: 'odd',
      name: 'Odd Hall',
      sections: [
        { id: 'S', name: 'S', kind: 'seated', rows: [{ id: 'R', seats: ids.map((id) => ({ id, priceTier: 't"1' })) }] },
      ],
    };
    const event: EventConfig = { ...config, priceTiers: { 't"1': { amount: 100, currency: 'EUR' } } };
    const parsed = JSON.parse(seatMapJson(seatMapFrame(initialState(venue, event), T0)));
    expect(Object.keys(parsed.seats).sort()).toEqual([...ids].sort());
    for (const id of ['__proto__', '12', 'quote"d', 'constructor']) {
      expect(Object.hasOwn(parsed.seats, id)).toBe(true);
      expect(parsed.seats[id]).toEqual({ status: 'available', priceTier: 't"1', version: 0 });
    }
  });
});
