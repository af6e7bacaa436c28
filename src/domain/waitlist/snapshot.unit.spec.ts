import { describe, expect, it } from 'vitest';
import { config, released, reserved, seatsHeld, sold, t, venue } from '../seatMap/inventoryFixture.ts';
import { type EventCommand, handle } from './eventDecider.ts';
import type { EventState, EventStreamEvent } from './eventState.ts';
import { type EventSnapshot, fromEventSnapshot, toEventSnapshot } from './snapshot.ts';
import { waitlistPolicyDefault } from './state.ts';
import {
  eventStateFrom,
  joined,
  joinWaitlist,
  leaveWaitlist,
  observableEvent,
  offer,
  seatsRequest,
  violations,
} from './waitlistFixture.ts';

const soldTo = (holdId: string, userId: string, seatIds: readonly string[]): EventStreamEvent[] => {
  const held = seatsHeld(holdId, userId, seatIds, t(0));
  return [held, reserved(held, `o-${holdId}`, t(0)), sold(held, `o-${holdId}`, t(0))];
};
const balcony = (quantity: number, together = false) => seatsRequest(quantity, { sectionId: 'BALC', together });
const policy = { ...waitlistPolicyDefault, overtakesMax: 0 };
const roundTrip = (state: EventState): EventState =>
  fromEventSnapshot(venue, config, JSON.parse(JSON.stringify(toEventSnapshot(state))) as EventSnapshot, policy);

/** Entries in every status, a live offer and a gathering hold, built by the deciders themselves. */
const busyState = (): EventState => {
  const a1 = seatsHeld('h1', 'b1', ['BALC-A-1'], t(0));
  const a2 = seatsHeld('h2', 'b2', ['BALC-A-2'], t(0));
  const state = eventStateFrom(
    [
      a1,
      a2,
      ...soldTo('h3', 'b3', ['BALC-A-3', 'BALC-A-4']),
      joined('e1', 'u1', balcony(1), t(1)),
      joined('e2', 'u2', balcony(1), t(2)),
      joined('e3', 'u3', balcony(3, true), t(3)),
      joined('e4', 'u4', balcony(1), t(4)),
      joined('e5', 'u5', balcony(1), t(5)),
      released(a1, t(10)),
      ...offer('e1', 'u1', ['BALC-A-1'], t(10)),
    ],
    { policy },
  );
  const commands: EventCommand[] = [
    { type: 'PlaceOrder', data: { orderId: 'o1', holdId: 'e1-offer', userId: 'u1', requestId: 'p', now: t(11) } },
    { type: 'ReleaseHold', data: { holdId: 'h2', userId: 'b2', requestId: 'r', now: t(12) } },
    leaveWaitlist('e4', 'u4', t(13)),
    { type: 'ReleaseHold', data: { holdId: 'e2-offer', userId: 'u2', requestId: 'd', now: t(14) } },
  ];
  for (const command of commands) expect(handle(state, command).rejection).toBeUndefined();
  return state;
};

describe('toEventSnapshot / fromEventSnapshot', () => {
  it('restores both deciders as they were, sound', () => {
    const original = busyState();
    expect([...original.waitlist.entries.values()].map((entry) => entry.status)).toEqual([
      'fulfilled',
      'declined',
      'waiting',
      'left',
      'waiting',
    ]);
    // The entry for three together (protected from the start here) keeps the seat that came back.
    expect([...original.waitlist.entries.get('e3')!.gathers.values()]).toEqual([
      { holdId: 'e3-gather-1', seats: [original.inventory.layout.seats.indexOf('BALC-A-2')], quantity: 1 },
    ]);
    const restored = roundTrip(original);
    expect(violations(restored)).toEqual([]);
    expect(observableEvent(restored, t(20))).toEqual(observableEvent(original, t(20)));
  });

  it('keeps deciding and reacting like the original', () => {
    const original = busyState();
    const restored = roundTrip(original);
    const commands: EventCommand[] = [
      joinWaitlist('e6', 'u6', balcony(2), t(21)),
      joinWaitlist('e7', 'u5', balcony(2), t(22)),
      { type: 'ExpireHolds', data: { now: t(400) } },
      leaveWaitlist('e3', 'u3', t(401)),
    ];
    for (const command of commands) {
      expect(handle(restored, command)).toEqual(handle(original, command));
      expect(violations(restored)).toEqual([]);
      expect(observableEvent(restored, command.data.now)).toEqual(observableEvent(original, command.data.now));
    }
  });

  it('records the stream version, the same as the inventory’s, and refuses a mismatch or another format', () => {
    const state = busyState();
    const snapshot = toEventSnapshot(state);
    expect(snapshot.waitlist.version).toBe(state.inventory.version);
    expect(snapshot.inventory.version).toBe(state.inventory.version);
    expect(() =>
      fromEventSnapshot(venue, config, { ...snapshot, waitlist: { ...snapshot.waitlist, version: 1 } }),
    ).toThrow(/waitlist snapshot at 1/);
    expect(() =>
      fromEventSnapshot(venue, config, { ...snapshot, waitlist: { ...snapshot.waitlist, format: 9 } }),
    ).toThrow(/format/);
  });

  it('round-trips the empty state', () => {
    const empty = eventStateFrom([]);
    expect(observableEvent(roundTrip(empty), t(0))).toEqual(observableEvent(empty, t(0)));
  });
});
