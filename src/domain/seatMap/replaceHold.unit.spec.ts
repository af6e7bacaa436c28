import { describe, expect, it } from 'vitest';
import { decide, recall } from './decide.ts';
import { evolveAll } from './evolve.ts';
import {
  expired,
  generalHeld,
  given,
  holdBest,
  holdSeats,
  holdTtlMs,
  placeHold,
  released,
  replaced,
  replaceHold,
  reserved,
  seatsHeld,
  stateFrom,
  t,
  waitlistHeld,
} from './inventoryFixture.ts';
import { seatMapView } from './read.ts';
import { isSameRequest, requestFingerprint } from './requests.ts';

/**
 * A basket that changes (a seat added or taken out, another quantity) is one PlaceHold that replaces the buyer's
 * hold: the old hold ends and the new one starts in the same decision, so no other buyer can take a seat in between.
 */
describe('PlaceHold replacing the buyer’s own hold', () => {
  const mine = seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0));
  const two = seatsHeld('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(0));

  it('adds a seat: the old hold is released as replaced and the new one placed, in one decision', () => {
    given([mine])
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: ['ORCH-B-3', 'ORCH-B-4'] }, t(5)))
      .then([replaced(mine, 'h2', t(5)), seatsHeld('h2', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(5))]);
  });

  it('takes a seat out, keeping the others held all along, with a fresh TTL', () => {
    given([two])
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: ['ORCH-B-4'] }, t(30)))
      .then([replaced(two, 'h2', t(30)), seatsHeld('h2', 'u1', ['ORCH-B-4'], t(30))]);
    const state = stateFrom([two]);
    evolveAll(state, decide(replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: ['ORCH-B-4'] }, t(30)), state));
    const view = seatMapView(state, t(30));
    expect(view.seats['ORCH-B-4']!.status).toBe('held');
    expect(view.seats['ORCH-B-3']!.status).toBe('available');
    expect(state.holds.size).toBe(1);
  });

  it('is refused as a whole when a new seat is taken: nothing is written, the old hold stands', () => {
    const theirs = seatsHeld('x', 'u2', ['ORCH-B-4'], t(1));
    given([mine, theirs])
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: ['ORCH-B-3', 'ORCH-B-4'] }, t(5)))
      .then('SEAT_UNAVAILABLE');
  });

  it('counts the replaced hold out of the buyer’s limit (4): four other seats instead of four', () => {
    const four = seatsHeld('h1', 'u1', ['ORCH-B-1', 'ORCH-B-2', 'ORCH-B-3', 'ORCH-B-4'], t(0));
    const others = ['ORCH-C-1', 'ORCH-C-2', 'ORCH-C-3', 'ORCH-C-4'];
    given([four])
      .when(holdSeats('h2', 'u1', others, t(5)))
      .then('HOLD_LIMIT');
    given([four])
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: others }, t(5)))
      .then([replaced(four, 'h2', t(5)), seatsHeld('h2', 'u1', others, t(5))]);
  });

  it('still counts the buyer’s other holds against the limit', () => {
    const other = seatsHeld('h0', 'u1', ['ORCH-A-1', 'ORCH-A-2'], t(0));
    given([other, two])
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: ['ORCH-B-3', 'ORCH-B-4', 'ORCH-B-5'] }, t(5)))
      .then('HOLD_LIMIT');
  });

  it('general admission: the replaced places count as free, no more', () => {
    // FLOOR holds 10: the buyer has 3, others 7 (two holds within their own limit of 4).
    const floor = [
      generalHeld('g1', 'u2', 4, t(0)),
      generalHeld('g2', 'u3', 3, t(0)),
      generalHeld('h1', 'u1', 3, t(0)),
    ];
    given(floor)
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'general', sectionId: 'FLOOR', quantity: 2 }, t(5)))
      .then([replaced(floor[2]!, 'h2', t(5)), generalHeld('h2', 'u1', 2, t(5))]);
    given(floor)
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'general', sectionId: 'FLOOR', quantity: 4 }, t(5)))
      .then('SEAT_UNAVAILABLE');
  });

  it('best available may choose the seats the buyer already holds', () => {
    const balcony = [
      seatsHeld('x', 'u2', ['BALC-A-3', 'BALC-A-4'], t(0)),
      seatsHeld('h1', 'u1', ['BALC-A-1', 'BALC-A-2'], t(0)),
    ];
    given(balcony)
      .when(holdBest('h2', 'u1', 2, t(5), { sectionId: 'BALC' }))
      .then('SOLD_OUT');
    given(balcony)
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'bestAvailable', quantity: 2, sectionId: 'BALC' }, t(5)))
      .then([replaced(balcony[1]!, 'h2', t(5)), seatsHeld('h2', 'u1', ['BALC-A-1', 'BALC-A-2'], t(5))]);
  });

  it('expires other lapsed holds first, as any hold does', () => {
    const old = seatsHeld('x', 'u2', ['ORCH-B-4'], t(0));
    const later = seatsHeld('h1', 'u1', ['ORCH-B-3'], t(30));
    const now = t(0) + holdTtlMs + 1_000;
    given([old, later])
      .when(replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: ['ORCH-B-3', 'ORCH-B-4'] }, now))
      .then([expired(old, now), replaced(later, 'h2', now), seatsHeld('h2', 'u1', ['ORCH-B-3', 'ORCH-B-4'], now)]);
  });

  it('refuses a hold that is not the buyer’s, unknown, ended, in checkout, lapsed, or a waitlist offer', () => {
    const seats = { kind: 'seats', seatIds: ['ORCH-B-5'] } as const;
    given([mine])
      .when(replaceHold('h2', 'h1', 'u2', seats, t(5)))
      .then('FORBIDDEN');
    given([mine])
      .when(replaceHold('h2', 'nope', 'u1', seats, t(5)))
      .then('HOLD_NOT_FOUND');
    given([mine, released(mine, t(2))])
      .when(replaceHold('h2', 'h1', 'u1', seats, t(5)))
      .then('HOLD_NOT_FOUND');
    given([mine, reserved(mine, 'o1', t(2))])
      .when(replaceHold('h2', 'h1', 'u1', seats, t(5)))
      .then('ORDER_STATE');
    given([mine])
      .when(replaceHold('h2', 'h1', 'u1', seats, t(0) + holdTtlMs))
      .then('HOLD_EXPIRED');
    given([waitlistHeld('w1', 'u1', ['ORCH-B-3'], t(0), 'e1')])
      .when(replaceHold('h2', 'w1', 'u1', seats, t(5)))
      .then('INVALID_INPUT');
  });

  it('answers a retry with the new hold, and tells a replace apart from a plain hold of the same seats', () => {
    const command = replaceHold('h2', 'h1', 'u1', { kind: 'seats', seatIds: ['ORCH-B-3', 'ORCH-B-4'] }, t(5), 'req-9');
    const state = stateFrom([mine]);
    evolveAll(state, decide(command, state));
    const outcome = recall(state, 'u1', 'req-9')!;
    expect(outcome).toMatchObject({ kind: 'hold', holdId: 'h2', seatIds: ['ORCH-B-3', 'ORCH-B-4'] });
    expect(isSameRequest(command, outcome)).toBe(true);
    const plain = placeHold('h3', 'u1', { kind: 'seats', seatIds: ['ORCH-B-4', 'ORCH-B-3'] }, t(6), 'req-9');
    expect(isSameRequest(plain, outcome)).toBe(false);
    const otherOld = replaceHold('h3', 'h0', 'u1', { kind: 'seats', seatIds: ['ORCH-B-3', 'ORCH-B-4'] }, t(6), 'req-9');
    expect(requestFingerprint(otherOld)).not.toBe(requestFingerprint(command));
  });
});
