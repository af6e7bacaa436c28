import { describe, expect, it } from 'vitest';
import { generalHeld, holdTtlMs, released, reserved, seatsHeld, sold, t } from '../seatMap/inventoryFixture.ts';
import { handle } from './eventDecider.ts';
import type { EventStreamEvent } from './eventState.ts';
import { entryView, isSoldOut, offersIn, positionOf, positionsToTell, requestFitsNow, waitlistOpen } from './read.ts';
import { waitlistPolicyDefault } from './state.ts';
import { eventStateFrom, joined, leaveWaitlist, left, offer, seatsRequest } from './waitlistFixture.ts';

const soldTo = (holdId: string, userId: string, seatIds: readonly string[]): EventStreamEvent[] => {
  const held = seatsHeld(holdId, userId, seatIds, t(0));
  return [held, reserved(held, `o-${holdId}`, t(0)), sold(held, `o-${holdId}`, t(0))];
};
const balcony = (quantity: number) => seatsRequest(quantity, { sectionId: 'BALC' });
const a4 = seatsHeld('h4', 'b4', ['BALC-A-4'], t(0));
const line = [
  ...soldTo('h1', 'b1', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3']),
  a4,
  joined('e1', 'u1', balcony(1), t(1)),
  joined('e2', 'u2', balcony(1), t(2)),
  joined('e3', 'u3', balcony(1), t(3)),
  joined('e4', 'u4', balcony(1), t(4)),
];

describe('positions', () => {
  it('are 1-based among waiting entries, in join order', () => {
    const state = eventStateFrom(line);
    expect(['e1', 'e2', 'e3', 'e4'].map((entryId) => positionOf(state.waitlist, entryId))).toEqual([1, 2, 3, 4]);
  });

  it('move up when an entry ahead is offered seats; an offered entry has none', () => {
    const state = eventStateFrom([...line, released(a4, t(10)), ...offer('e1', 'u1', ['BALC-A-4'], t(10))]);
    expect(['e1', 'e2', 'e3', 'e4'].map((entryId) => positionOf(state.waitlist, entryId))).toEqual([
      undefined,
      1,
      2,
      3,
    ]);
    expect(entryView(state.waitlist, state.waitlist.entries.get('e1')!)).toEqual({
      entryId: 'e1',
      state: 'offered',
      position: null,
      quantity: 1,
      sectionId: 'BALC',
      together: false,
      offer: {
        holdId: 'e1-offer',
        seatIds: ['BALC-A-4'],
        quantity: 1,
        expiresAt: new Date(t(130)).toISOString(),
      },
    });
    expect(entryView(state.waitlist, state.waitlist.entries.get('e3')!)).toMatchObject({
      state: 'waiting',
      position: 2,
    });
  });

  it('are told to the entries whose place differs from what they were last told, and to no one else', () => {
    const state = eventStateFrom(line);
    // Each was told its place when it joined.
    let told: ReadonlyMap<string, number> = new Map([
      ['e1', 1],
      ['e2', 2],
      ['e3', 3],
      ['e4', 4],
    ]);
    expect(positionsToTell(state.waitlist, told).changes).toEqual([]);
    const offered = handle(state, {
      type: 'ReleaseHold',
      data: { holdId: 'h4', userId: 'b4', requestId: 'r', now: t(10) },
    });
    expect(offersIn(offered.events).map((event) => event.data.entryId)).toEqual(['e1']);
    // Two batches' moves told at once: e1 offered, then e3 leaves. e1 (offered) is told nothing and forgotten.
    const leaving = handle(state, leaveWaitlist('e3', 'u3', t(11)));
    expect(leaving.events).toEqual([left('e3', 'u3', t(11))]);
    const telling = positionsToTell(state.waitlist, told);
    expect(telling.changes).toEqual([
      { entryId: 'e2', userId: 'u2', position: 1 },
      { entryId: 'e4', userId: 'u4', position: 2 },
    ]);
    expect([...telling.told]).toEqual([
      ['e2', 1],
      ['e4', 2],
    ]);
    told = telling.told;
    // A join moves nobody; the new entry is told its place once (its join's answer is not known here).
    handle(state, {
      type: 'JoinWaitlist',
      data: { entryId: 'e5', userId: 'u5', requestId: 'j', request: balcony(1), now: t(12) },
    });
    expect(positionsToTell(state.waitlist, told).changes).toEqual([{ entryId: 'e5', userId: 'u5', position: 3 }]);
    expect(positionsToTell(state.waitlist, new Map([...told, ['e5', 3]])).changes).toEqual([]);
  });
});

describe('sold out, as the shell asks before offering the waitlist', () => {
  it('a request fits when seats that match are free, counting lapsed holds as free', () => {
    const state = eventStateFrom(line);
    expect(requestFitsNow(state.inventory, balcony(1), t(10))).toBe(false);
    expect(requestFitsNow(state.inventory, balcony(1), t(0) + holdTtlMs)).toBe(true);
    expect(requestFitsNow(state.inventory, seatsRequest(4, { sectionId: 'ORCH', together: true }), t(10))).toBe(true);
    expect(requestFitsNow(state.inventory, seatsRequest(1, { sectionId: 'NOPE' }), t(10))).toBe(false);
    expect(requestFitsNow(state.inventory, seatsRequest(1, { priceTier: 'gold' }), t(10))).toBe(false);
    expect(requestFitsNow(state.inventory, seatsRequest(4, { sectionId: 'FLOOR' }), t(10))).toBe(true);
  });

  it('the event is sold out when no seat and no place is left, and stops being so when a hold lapses', () => {
    const everything = [
      ...soldTo('s1', 's1', ['ORCH-A-1', 'ORCH-A-2', 'ORCH-A-3', 'ORCH-A-4', 'ORCH-A-5', 'ORCH-A-6']),
      ...soldTo('s2', 's2', ['ORCH-B-1', 'ORCH-B-2', 'ORCH-B-3', 'ORCH-B-4', 'ORCH-B-5', 'ORCH-B-6']),
      ...soldTo('s3', 's3', ['ORCH-C-1', 'ORCH-C-2', 'ORCH-C-3', 'ORCH-C-4', 'ORCH-C-5', 'ORCH-C-6']),
      ...soldTo('s4', 's4', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3']),
      a4,
      generalHeld('g1', 'g1', 10, t(5)),
    ];
    const state = eventStateFrom(everything);
    expect(isSoldOut(state.inventory, t(10))).toBe(true);
    expect(isSoldOut(state.inventory, t(0) + holdTtlMs)).toBe(false);
    expect(isSoldOut(eventStateFrom(everything.slice(0, -1)).inventory, t(10))).toBe(false);
  });
});

describe('openness (what queue:soldout announces)', () => {
  it('takes entries while its line is below the policy’s most, waiting and offered entries alike', () => {
    const policy = { ...waitlistPolicyDefault, entriesMax: 4 };
    expect(waitlistOpen(eventStateFrom(line.slice(0, -1), { policy }).waitlist)).toBe(true);
    expect(waitlistOpen(eventStateFrom(line, { policy }).waitlist)).toBe(false);
    // The first entry offered seats still stands in the line: the waitlist stays full.
    const offered = [...line, released(a4, t(10)), ...offer('e1', 'u1', ['BALC-A-4'], t(10))];
    expect(waitlistOpen(eventStateFrom(offered, { policy }).waitlist)).toBe(false);
    // Leaving makes room.
    expect(waitlistOpen(eventStateFrom([...line, left('e2', 'u2', t(11))], { policy }).waitlist)).toBe(true);
  });
});
