import { describe, expect, it } from 'vitest';
import { expired, holdTtlMs, released, reserved, seatsHeld, sold, T0, t } from '../seatMap/inventoryFixture.ts';
import { activeEntryOf, latestEntryOf, recallJoin } from './decide.ts';
import { waitlistPolicyDefault } from './state.ts';
import {
  eventStateFrom,
  given,
  joined,
  joinWaitlist,
  leaveWaitlist,
  left,
  offer,
  offerDeclined,
  seatsRequest,
} from './waitlistFixture.ts';

/** BALC's one row of four seats, sold to two buyers: the balcony is sold out. */
const a12 = seatsHeld('h1', 'b1', ['BALC-A-1', 'BALC-A-2'], t(0));
const a34 = seatsHeld('h2', 'b2', ['BALC-A-3', 'BALC-A-4'], t(0));
const balconySold = [
  a12,
  reserved(a12, 'o1', t(1)),
  sold(a12, 'o1', t(2)),
  a34,
  reserved(a34, 'o2', t(1)),
  sold(a34, 'o2', t(2)),
];
const balcony = (quantity: number, together = false) => seatsRequest(quantity, { sectionId: 'BALC', together });

describe('JoinWaitlist', () => {
  it('puts a buyer in line when nothing available fits the request', () => {
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', balcony(2), t(10)))
      .then([joined('e1', 'u1', balcony(2), t(10))]);
  });

  it('keeps the section, tier and "together" of the request', () => {
    const request = seatsRequest(2, { sectionId: 'BALC', priceTier: 'standard', together: true });
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', request, t(10)))
      .then([joined('e1', 'u1', request, t(10))]);
  });

  it('refuses with SEATS_AVAILABLE when seats that fit are on sale: those are held, not waited for', () => {
    given([])
      .when(joinWaitlist('e1', 'u1', seatsRequest(2), t(10)))
      .then('SEATS_AVAILABLE');
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', seatsRequest(2, { sectionId: 'ORCH' }), t(10)))
      .then('SEATS_AVAILABLE');
  });

  it('counts adjacency: two single balcony seats apart do not fit "2 together", but fit 2', () => {
    const apart = [seatsHeld('h1', 'b1', ['BALC-A-2', 'BALC-A-4'], t(0))];
    given(apart)
      .when(joinWaitlist('e1', 'u1', balcony(2, true), t(10)))
      .then([joined('e1', 'u1', balcony(2, true), t(10))]);
    given(apart)
      .when(joinWaitlist('e1', 'u1', balcony(2), t(10)))
      .then('SEATS_AVAILABLE');
  });

  it('counts seats whose hold lapsed as available: they are expired first, then the join is refused', () => {
    const now = t(0) + holdTtlMs;
    given([a12, a34])
      .when(joinWaitlist('e1', 'u1', balcony(2), now))
      .thenRefused('SEATS_AVAILABLE', [expired(a12, now), expired(a34, now)]);
  });

  it('answers the same request again with the same entry and no new event', () => {
    const history = [...balconySold, joined('e1', 'u1', balcony(2), t(10))];
    given(history)
      .when(joinWaitlist('e2', 'u1', balcony(2), t(20), 'another-request'))
      .then([]);
    given(history)
      .when(joinWaitlist('e1', 'u1', balcony(2), t(20)))
      .then([]);
    const state = eventStateFrom(history);
    expect(activeEntryOf(state.waitlist, 'u1')?.entryId).toBe('e1');
    expect(recallJoin(state.waitlist, 'u1', 'j-e1')?.entryId).toBe('e1');
  });

  it('refuses a request id reused for another request with IDEMPOTENCY_KEY_REUSED, even after the entry ended', () => {
    const history = [...balconySold, joined('e1', 'u1', balcony(2), t(10))];
    given(history)
      .when(joinWaitlist('e2', 'u1', balcony(1), t(20), 'j-e1'))
      .then('IDEMPOTENCY_KEY_REUSED');
    given([...history, left('e1', 'u1', t(15))])
      .when(joinWaitlist('e2', 'u1', balcony(1), t(20), 'j-e1'))
      .then('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses a different request while the buyer’s entry is active with WAITLIST_ALREADY_JOINED', () => {
    const history = [...balconySold, joined('e1', 'u1', balcony(2), t(10))];
    given(history)
      .when(joinWaitlist('e2', 'u1', balcony(1), t(20)))
      .then('WAITLIST_ALREADY_JOINED');
    given(history)
      .when(joinWaitlist('e2', 'u1', balcony(2, true), t(20)))
      .then('WAITLIST_ALREADY_JOINED');
  });

  it('lets a buyer whose entry ended join again, at the back', () => {
    const history = [
      ...balconySold,
      joined('e1', 'u1', balcony(2), t(10)),
      joined('e2', 'u2', balcony(1), t(11)),
      left('e1', 'u1', t(12)),
    ];
    given(history)
      .when(joinWaitlist('e3', 'u1', balcony(1), t(20)))
      .then([joined('e3', 'u1', balcony(1), t(20))]);
    expect(latestEntryOf(eventStateFrom(history).waitlist, 'u1')?.status).toBe('left');
    // The retried first join still finds the entry it made, although that one ended.
    given(history)
      .when(joinWaitlist('e9', 'u1', balcony(2), t(20), 'j-e1'))
      .then([]);
  });

  it('refuses a quantity that is not a positive integer, or over the buyer limit', () => {
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', balcony(0), t(10)))
      .then('INVALID_INPUT');
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', balcony(1.5), t(10)))
      .then('INVALID_INPUT');
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', seatsRequest(5, { sectionId: 'ORCH' }), t(10)))
      .then('HOLD_LIMIT');
  });

  it('counts what the buyer already holds or owns against the limit', () => {
    given(balconySold)
      .when(joinWaitlist('e1', 'b1', balcony(3), t(10)))
      .then('HOLD_LIMIT');
    given(balconySold)
      .when(joinWaitlist('e1', 'b1', balcony(2), t(10)))
      .then([joined('e1', 'b1', balcony(2), t(10))]);
  });

  it('refuses an unknown section or tier with NOT_FOUND, and a request the venue can never meet with INVALID_INPUT', () => {
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', seatsRequest(1, { sectionId: 'NOPE' }), t(10)))
      .then('NOT_FOUND');
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', seatsRequest(1, { priceTier: 'gold' }), t(10)))
      .then('NOT_FOUND');
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', seatsRequest(1, { sectionId: 'FLOOR', priceTier: 'premium' }), t(10)))
      .then('NOT_FOUND');
    // The balcony has no premium seat, and no row of five.
    given(balconySold)
      .when(joinWaitlist('e1', 'u1', seatsRequest(1, { sectionId: 'BALC', priceTier: 'premium' }), t(10)))
      .then('INVALID_INPUT');
  });

  it('refuses before the sale opens with SALE_NOT_OPEN', () => {
    given([])
      .when(joinWaitlist('e1', 'u1', balcony(1), T0 - 1))
      .then('SALE_NOT_OPEN');
  });

  it('refuses once the line holds entriesMax entries with WAITLIST_FULL', () => {
    const setup = { policy: { ...waitlistPolicyDefault, entriesMax: 1 } };
    given([...balconySold, joined('e1', 'u1', balcony(1), t(10))], setup)
      .when(joinWaitlist('e2', 'u2', balcony(1), t(20)))
      .then('WAITLIST_FULL');
  });
});

describe('LeaveWaitlist', () => {
  const waiting = [...balconySold, joined('e1', 'u1', balcony(2), t(10)), joined('e2', 'u2', balcony(2), t(11))];

  it('takes a waiting entry out of the line', () => {
    const state = given(waiting)
      .when(leaveWaitlist('e1', 'u1', t(20)))
      .then([left('e1', 'u1', t(20))]);
    expect(state.waitlist.entries.get('e1')?.status).toBe('left');
    expect([...state.waitlist.line.keys()]).toEqual(['e2']);
  });

  it('changes nothing when the entry already ended', () => {
    given([...waiting, left('e1', 'u1', t(20))])
      .when(leaveWaitlist('e1', 'u1', t(30)))
      .then([]);
  });

  it('refuses another buyer with FORBIDDEN and an unknown entry with WAITLIST_ENTRY_NOT_FOUND', () => {
    given(waiting)
      .when(leaveWaitlist('e1', 'u2', t(20)))
      .then('FORBIDDEN');
    given(waiting)
      .when(leaveWaitlist('nope', 'u1', t(20)))
      .then('WAITLIST_ENTRY_NOT_FOUND');
  });

  it('gives up an offer: its hold is released and the seats go to the next entry that fits', () => {
    const history = [
      a12,
      reserved(a12, 'o1', t(1)),
      sold(a12, 'o1', t(2)),
      a34,
      joined('e1', 'u1', balcony(2), t(10)),
      joined('e2', 'u2', balcony(2), t(11)),
      released(a34, t(12)),
      ...offer('e1', 'u1', ['BALC-A-3', 'BALC-A-4'], t(12)),
    ];
    given(history)
      .when(leaveWaitlist('e1', 'u1', t(20)))
      .then([
        left('e1', 'u1', t(20)),
        {
          type: 'HoldReleased',
          data: {
            holdId: 'e1-offer',
            userId: 'u1',
            seatIds: ['BALC-A-3', 'BALC-A-4'],
            quantity: 2,
            at: t(20),
            requestId: 'e1:left',
          },
        },
        offerDeclined('e1', 'u1', t(20)),
        ...offer('e2', 'u2', ['BALC-A-3', 'BALC-A-4'], t(20)),
      ]);
  });
});
