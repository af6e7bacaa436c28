import { describe, expect, it } from 'vitest';
import { decide, recall } from './decide.ts';
import { evolveAll } from './evolve.ts';
import {
  config,
  expired,
  expireHolds,
  generalHeld,
  given,
  holdBest,
  holdGeneral,
  holdSeats,
  holdTtlMs,
  paymentTimeoutMs,
  released,
  releaseHold,
  releaseReservation,
  reservationReleased,
  reserved,
  reserveHold,
  seatsHeld,
  sellReservation,
  sold,
  stateFrom,
  T0,
  t,
  waitlistHeld,
  waitlistOfferMs,
} from './inventoryFixture.ts';
import { nextHoldExpiryAt, seatMapView } from './read.ts';

describe('PlaceHold of named seats', () => {
  it('holds free seats for the hold TTL', () => {
    given([])
      .when(holdSeats('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(1)))
      .then([seatsHeld('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(1))]);
  });

  it('refuses a seat someone else holds with SEAT_UNAVAILABLE and names it', () => {
    given([seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0))])
      .when(holdSeats('h2', 'u2', ['ORCH-B-3', 'ORCH-B-4'], t(1)))
      .then('SEAT_UNAVAILABLE');
    const state = stateFrom([seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0))]);
    expect(() => decide(holdSeats('h2', 'u2', ['ORCH-B-3', 'ORCH-B-4'], t(1)), state)).toThrow(
      expect.objectContaining({ code: 'SEAT_UNAVAILABLE', details: { seatIds: ['ORCH-B-3'] } }),
    );
  });

  it('refuses a seat the same buyer already holds', () => {
    given([seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0))])
      .when(holdSeats('h2', 'u1', ['ORCH-B-3'], t(1)))
      .then('SEAT_UNAVAILABLE');
  });

  it('refuses an unknown seat with NOT_FOUND', () => {
    given([])
      .when(holdSeats('h1', 'u1', ['ORCH-B-3', 'ORCH-Z-99'], t(1)))
      .then('NOT_FOUND');
  });

  it('refuses repeated seat ids with INVALID_INPUT', () => {
    given([])
      .when(holdSeats('h1', 'u1', ['ORCH-B-3', 'ORCH-B-3'], t(1)))
      .then('INVALID_INPUT');
  });

  it('refuses an empty seat list with INVALID_INPUT', () => {
    given([])
      .when(holdSeats('h1', 'u1', [], t(1)))
      .then('INVALID_INPUT');
  });

  describe('optimistic concurrency', () => {
    // Placing and releasing moves ORCH-B-3 twice: its version is 2.
    const history = [
      seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0)),
      released(seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0)), t(5)),
    ];

    it('refuses versions the buyer saw before the seat changed with VERSION_CONFLICT', () => {
      given(history)
        .when(holdSeats('h2', 'u2', ['ORCH-B-3'], t(10), { 'ORCH-B-3': 0 }))
        .then('VERSION_CONFLICT');
      given(history)
        .when(holdSeats('h2', 'u2', ['ORCH-B-3'], t(10), { 'ORCH-B-3': 1 }))
        .then('VERSION_CONFLICT');
    });

    it('holds when every expected version is current', () => {
      given(history)
        .when(holdSeats('h2', 'u2', ['ORCH-B-3', 'ORCH-B-4'], t(10), { 'ORCH-B-3': 2, 'ORCH-B-4': 0 }))
        .then([seatsHeld('h2', 'u2', ['ORCH-B-3', 'ORCH-B-4'], t(10))]);
    });

    it('refuses when any one of several versions is stale', () => {
      given(history)
        .when(holdSeats('h2', 'u2', ['ORCH-B-3', 'ORCH-B-4'], t(10), { 'ORCH-B-3': 2, 'ORCH-B-4': 1 }))
        .then('VERSION_CONFLICT');
    });
  });
});

describe('per-buyer seat limit (maxSeatsPerUser = 4)', () => {
  const two = seatsHeld('h1', 'u1', ['ORCH-A-1', 'ORCH-A-2'], t(0));
  const twoMore = seatsHeld('h2', 'u1', ['ORCH-C-1', 'ORCH-C-2'], t(10));

  it('refuses more than the limit in one request with HOLD_LIMIT', () => {
    given([])
      .when(holdSeats('h1', 'u1', ['ORCH-B-1', 'ORCH-B-2', 'ORCH-B-3', 'ORCH-B-4', 'ORCH-B-5'], t(1)))
      .then('HOLD_LIMIT');
    given([])
      .when(holdGeneral('h1', 'u1', 5, t(1)))
      .then('HOLD_LIMIT');
    given([])
      .when(holdBest('h1', 'u1', 5, t(1)))
      .then('HOLD_LIMIT');
  });

  it('counts seats across several holds, named, best available and general admission', () => {
    given([two])
      .when(holdSeats('h2', 'u1', ['ORCH-B-1', 'ORCH-B-2'], t(20)))
      .then([seatsHeld('h2', 'u1', ['ORCH-B-1', 'ORCH-B-2'], t(20))]);
    given([two, twoMore])
      .when(holdSeats('h3', 'u1', ['ORCH-B-1'], t(20)))
      .then('HOLD_LIMIT');
    given([two, twoMore])
      .when(holdGeneral('h3', 'u1', 1, t(20)))
      .then('HOLD_LIMIT');
    given([two, generalHeld('h2', 'u1', 2, t(10))])
      .when(holdBest('h3', 'u1', 1, t(20)))
      .then('HOLD_LIMIT');
  });

  it('does not count another buyer’s seats', () => {
    given([two, twoMore])
      .when(holdSeats('h3', 'u2', ['ORCH-B-1'], t(20)))
      .then([seatsHeld('h3', 'u2', ['ORCH-B-1'], t(20))]);
  });

  it('stops counting a hold once it has lapsed, and expires it first', () => {
    const now = t(0) + holdTtlMs; // two has lapsed, twoMore still runs for 10 s.
    given([two, twoMore])
      .when(holdSeats('h3', 'u1', ['ORCH-B-1', 'ORCH-B-2'], now))
      .then([expired(two, now), seatsHeld('h3', 'u1', ['ORCH-B-1', 'ORCH-B-2'], now)]);
  });

  it('keeps counting reserved seats after the hold TTL', () => {
    const reservedTwo = [two, reserved(two, 'o1', t(5)), twoMore, reserved(twoMore, 'o2', t(15))];
    given(reservedTwo)
      .when(holdSeats('h3', 'u1', ['ORCH-B-1'], t(0) + 5 * holdTtlMs))
      .then('HOLD_LIMIT');
  });

  it('keeps counting sold seats', () => {
    const boughtFour = [
      two,
      reserved(two, 'o1', t(5)),
      sold(two, 'o1', t(6)),
      twoMore,
      reserved(twoMore, 'o2', t(15)),
      sold(twoMore, 'o2', t(16)),
    ];
    given(boughtFour)
      .when(holdGeneral('h3', 'u1', 1, t(0) + 5 * holdTtlMs))
      .then('HOLD_LIMIT');
  });
});

describe('sale start', () => {
  it('refuses holds before the sale opens with SALE_NOT_OPEN', () => {
    given([])
      .when(holdSeats('h1', 'u1', ['ORCH-B-3'], T0 - 1))
      .then('SALE_NOT_OPEN');
    given([])
      .when(holdGeneral('h1', 'u1', 1, T0 - 1))
      .then('SALE_NOT_OPEN');
    given([])
      .when(holdBest('h1', 'u1', 1, T0 - 1))
      .then('SALE_NOT_OPEN');
  });

  it('holds from the opening millisecond on', () => {
    given([])
      .when(holdSeats('h1', 'u1', ['ORCH-B-3'], T0))
      .then([seatsHeld('h1', 'u1', ['ORCH-B-3'], T0)]);
  });

  it('holds at any time when the event has no sale start', () => {
    given([], { ...config, saleStartsAtMs: null })
      .when(holdSeats('h1', 'u1', ['ORCH-B-3'], 0))
      .then([{ ...seatsHeld('h1', 'u1', ['ORCH-B-3'], 0) }]);
  });
});

describe('general admission (FLOOR, capacity 10)', () => {
  const full = [generalHeld('h1', 'u1', 4, t(0)), generalHeld('h2', 'u2', 4, t(1)), generalHeld('h3', 'u3', 2, t(2))];

  it('holds a quantity of places', () => {
    given([])
      .when(holdGeneral('h1', 'u1', 3, t(1)))
      .then([generalHeld('h1', 'u1', 3, t(1))]);
  });

  it('refuses more places than are left with SEAT_UNAVAILABLE', () => {
    given(full.slice(0, 2))
      .when(holdGeneral('h3', 'u3', 3, t(5)))
      .then('SEAT_UNAVAILABLE');
    given(full.slice(0, 2))
      .when(holdGeneral('h3', 'u3', 2, t(5)))
      .then([generalHeld('h3', 'u3', 2, t(5))]);
  });

  it('answers SOLD_OUT when no place is left', () => {
    given(full)
      .when(holdGeneral('h4', 'u4', 1, t(5)))
      .then('SOLD_OUT');
  });

  it('counts reserved and sold places against capacity', () => {
    const [a, b, c] = full as [(typeof full)[0], (typeof full)[0], (typeof full)[0]];
    given([a, reserved(a, 'o1', t(3)), b, reserved(b, 'o2', t(4)), sold(b, 'o2', t(5)), c])
      .when(holdGeneral('h4', 'u4', 1, t(0) + 10 * holdTtlMs))
      .then([expired(c, t(0) + 10 * holdTtlMs), generalHeld('h4', 'u4', 1, t(0) + 10 * holdTtlMs)]);
  });

  it('gives lapsed places back to a new hold', () => {
    const now = t(2) + holdTtlMs;
    given(full)
      .when(holdGeneral('h4', 'u4', 4, now))
      .then([...full.map((placed) => expired(placed, now)), generalHeld('h4', 'u4', 4, now)]);
  });

  it('refuses a general request for a seated section with INVALID_INPUT and an unknown one with NOT_FOUND', () => {
    given([])
      .when({
        ...holdGeneral('h1', 'u1', 1, t(1)),
        data: {
          ...holdGeneral('h1', 'u1', 1, t(1)).data,
          request: { kind: 'general', sectionId: 'ORCH', quantity: 1 },
        },
      })
      .then('INVALID_INPUT');
    given([])
      .when({
        ...holdGeneral('h1', 'u1', 1, t(1)),
        data: { ...holdGeneral('h1', 'u1', 1, t(1)).data, request: { kind: 'general', sectionId: 'PIT', quantity: 1 } },
      })
      .then('NOT_FOUND');
  });

  it('refuses a quantity that is not a positive integer with INVALID_INPUT', () => {
    for (const quantity of [0, -1, 1.5])
      given([])
        .when(holdGeneral('h1', 'u1', quantity, t(1)))
        .then('INVALID_INPUT');
  });
});

describe('best available', () => {
  it('picks N adjacent seats in the front row nearest its centre', () => {
    given([])
      .when(holdBest('h1', 'u1', 2, t(1)))
      .then([seatsHeld('h1', 'u1', ['ORCH-A-3', 'ORCH-A-4'], t(1))]);
    given([])
      .when(holdBest('h1', 'u1', 3, t(1)))
      .then([seatsHeld('h1', 'u1', ['ORCH-A-2', 'ORCH-A-3', 'ORCH-A-4'], t(1))]);
  });

  it('goes round a taken seat to the block nearest the centre', () => {
    const aisle = seatsHeld('h0', 'u0', ['ORCH-A-3'], t(0));
    given([aisle])
      .when(holdBest('h1', 'u1', 2, t(1)))
      .then([seatsHeld('h1', 'u1', ['ORCH-A-4', 'ORCH-A-5'], t(1))]);
    given([aisle])
      .when(holdBest('h1', 'u1', 3, t(1)))
      .then([seatsHeld('h1', 'u1', ['ORCH-A-4', 'ORCH-A-5', 'ORCH-A-6'], t(1))]);
  });

  it('moves back a row when the front row has no block that large', () => {
    const split = seatsHeld('h0', 'u0', ['ORCH-A-3', 'ORCH-A-4'], t(0));
    given([split])
      .when(holdBest('h1', 'u1', 3, t(1)))
      .then([seatsHeld('h1', 'u1', ['ORCH-B-2', 'ORCH-B-3', 'ORCH-B-4'], t(1))]);
  });

  it('honours the price tier', () => {
    given([])
      .when(holdBest('h1', 'u1', 2, t(1), { priceTier: 'standard' }))
      .then([seatsHeld('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(1))]);
    given([])
      .when(holdBest('h1', 'u1', 2, t(1), { priceTier: 'premium' }))
      .then([seatsHeld('h1', 'u1', ['ORCH-A-3', 'ORCH-A-4'], t(1))]);
    given([])
      .when(holdBest('h1', 'u1', 2, t(1), { priceTier: 'gold' }))
      .then('NOT_FOUND');
  });

  it('refuses a price tier that a general-admission section does not sell', () => {
    given([])
      .when(holdBest('h1', 'u1', 2, t(1), { sectionId: 'FLOOR', priceTier: 'premium' }))
      .then('NOT_FOUND');
  });

  it('honours the section', () => {
    given([])
      .when(holdBest('h1', 'u1', 2, t(1), { sectionId: 'BALC' }))
      .then([seatsHeld('h1', 'u1', ['BALC-A-2', 'BALC-A-3'], t(1))]);
    given([])
      .when(holdBest('h1', 'u1', 2, t(1), { sectionId: 'FLOOR' }))
      .then([generalHeld('h1', 'u1', 2, t(1))]);
    given([])
      .when(holdBest('h1', 'u1', 2, t(1), { sectionId: 'PIT' }))
      .then('NOT_FOUND');
  });

  it('answers SEAT_UNAVAILABLE when matching seats are left but not together', () => {
    const gaps = seatsHeld('h0', 'u0', ['BALC-A-1', 'BALC-A-3'], t(0));
    given([gaps])
      .when(holdBest('h1', 'u1', 2, t(1), { sectionId: 'BALC' }))
      .then('SEAT_UNAVAILABLE');
    given([gaps])
      .when(holdBest('h1', 'u1', 1, t(1), { sectionId: 'BALC' }))
      .then([seatsHeld('h1', 'u1', ['BALC-A-2'], t(1))]);
  });

  it('answers SOLD_OUT when no matching seat is left', () => {
    const balcony = seatsHeld('h0', 'u0', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3', 'BALC-A-4'], t(0));
    given([balcony])
      .when(holdBest('h1', 'u1', 1, t(1), { sectionId: 'BALC' }))
      .then('SOLD_OUT');
  });

  it('treats lapsed seats as free and expires their hold first', () => {
    const balcony = seatsHeld('h0', 'u0', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3', 'BALC-A-4'], t(0));
    const now = t(0) + holdTtlMs;
    given([balcony])
      .when(holdBest('h1', 'u1', 2, now, { sectionId: 'BALC' }))
      .then([expired(balcony, now), seatsHeld('h1', 'u1', ['BALC-A-2', 'BALC-A-3'], now)]);
  });
});

describe('expiry', () => {
  const first = seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0));
  const second = seatsHeld('h2', 'u2', ['ORCH-B-4'], t(30));

  it('keeps a hold until its TTL has passed', () => {
    given([first])
      .when(holdSeats('h3', 'u3', ['ORCH-B-3'], t(0) + holdTtlMs - 1))
      .then('SEAT_UNAVAILABLE');
  });

  it('lazily expires a lapsed hold when its seat is held again: HoldExpired, then HoldPlaced', () => {
    const now = t(0) + holdTtlMs;
    given([first])
      .when(holdSeats('h3', 'u3', ['ORCH-B-3'], now))
      .then([expired(first, now), seatsHeld('h3', 'u3', ['ORCH-B-3'], now)]);
  });

  it('ExpireHolds expires every lapsed hold and nothing live', () => {
    const now = t(0) + holdTtlMs + 1;
    given([first, second])
      .when(expireHolds(now))
      .then([expired(first, now)]);
    given([first, second])
      .when(expireHolds(t(30) + holdTtlMs))
      .then([expired(first, t(30) + holdTtlMs), expired(second, t(30) + holdTtlMs)]);
    given([first, second])
      .when(expireHolds(t(10)))
      .then([]);
  });

  it('ExpireHolds leaves reserved and sold holds alone', () => {
    const ga = generalHeld('h3', 'u3', 2, t(40));
    const history = [
      first,
      reserved(first, 'o1', t(10)),
      second,
      reserved(second, 'o2', t(31)),
      sold(second, 'o2', t(32)),
      ga,
    ];
    const now = t(0) + 20 * holdTtlMs;
    given(history)
      .when(expireHolds(now))
      .then([expired(ga, now)]);
  });

  it('releasing a lapsed hold records that it expired, with the release request id for retries', () => {
    const now = t(0) + holdTtlMs;
    given([first])
      .when(releaseHold('h1', 'u1', now))
      .then([{ type: 'HoldExpired', data: { ...expired(first, now).data, requestId: 'rel-h1' } }]);
  });
});

describe('waitlist holds (made by the waitlist for an entry)', () => {
  const offer = waitlistHeld('w1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(0), 'entry-1');
  const ownHold = seatsHeld('h2', 'u2', ['ORCH-C-1'], t(10));

  it('last the event’s waitlistOfferSeconds, not the hold TTL, and say which entry they are for', () => {
    given([])
      .when({
        type: 'PlaceHold',
        data: {
          holdId: 'w1',
          userId: 'u1',
          requestId: 'r-w1',
          request: { kind: 'seats', seatIds: ['ORCH-B-3', 'ORCH-B-4'] },
          now: t(0),
          waitlistEntryId: 'entry-1',
        },
      })
      .then([offer]);
    expect(offer.data.expiresAt - offer.data.at).toBe(waitlistOfferMs);
  });

  it('last 600 s when the event does not say', () => {
    const { waitlistOfferSeconds: _, ...withoutOffer } = config;
    const [placed] = decide(
      {
        type: 'PlaceHold',
        data: {
          holdId: 'w1',
          userId: 'u1',
          requestId: 'r',
          request: { kind: 'bestAvailable', quantity: 1 },
          now: t(0),
          waitlistEntryId: 'e',
        },
      },
      stateFrom([], withoutOffer),
    );
    expect(placed?.type === 'HoldPlaced' && placed.data.expiresAt).toBe(t(600));
  });

  it('once lapsed, are not taken by another buyer’s hold: their seats are owed to the next entry', () => {
    const now = t(0) + waitlistOfferMs;
    given([offer])
      .when(holdSeats('h3', 'u3', ['ORCH-B-3'], now))
      .then('SEAT_UNAVAILABLE');
    given([offer])
      .when(holdBest('h3', 'u3', 2, now, { sectionId: 'ORCH', priceTier: 'standard' }))
      .then([seatsHeld('h3', 'u3', ['ORCH-B-1', 'ORCH-B-2'], now)]);
    const gaOffer: typeof offer = {
      type: 'HoldPlaced',
      data: { ...generalHeld('w2', 'u1', 10, t(0)).data, expiresAt: t(0) + waitlistOfferMs, waitlistEntryId: 'e2' },
    };
    given([gaOffer])
      .when(holdGeneral('h3', 'u3', 1, now))
      .then('SOLD_OUT');
  });

  it('read as held until the timer expires them', () => {
    const state = stateFrom([offer]);
    expect(seatMapView(state, t(0) + waitlistOfferMs + 5_000).seats['ORCH-B-3']?.status).toBe('held');
  });

  it('are expired by ExpireHolds, after the event’s own lapsed holds', () => {
    const now = t(0) + waitlistOfferMs;
    given([offer, ownHold])
      .when(expireHolds(now))
      .then([expired(ownHold, now), expired(offer, now)]);
    given([offer, ownHold])
      .when(expireHolds(t(10) + holdTtlMs))
      .then([expired(ownHold, t(10) + holdTtlMs)]);
  });

  it('wait in their own expiry lane, so each lane stays in expiry order and the timer finds the earliest', () => {
    const state = stateFrom([offer, ownHold]);
    expect([...state.expiryQueue.values()]).toEqual([t(10) + holdTtlMs]);
    expect([...state.waitlistExpiryQueue.values()]).toEqual([t(0) + waitlistOfferMs]);
    expect(nextHoldExpiryAt(state)).toBe(t(10) + holdTtlMs);
    expect(nextHoldExpiryAt(stateFrom([offer]))).toBe(t(0) + waitlistOfferMs);
    expect(nextHoldExpiryAt(stateFrom([]))).toBeUndefined();
  });

  it('are ordered, released and reserved by their holder like any hold', () => {
    given([offer])
      .when(releaseHold('w1', 'u1', t(5)))
      .then([released(offer, t(5))]);
    given([offer])
      .when(reserveHold('w1', 'o1', 'u1', t(5)))
      .then([reserved(offer, 'o1', t(5))]);
    given([offer])
      .when(reserveHold('w1', 'o1', 'u1', t(0) + waitlistOfferMs))
      .then('HOLD_EXPIRED');
    given([offer])
      .when(releaseHold('w1', 'u2', t(5)))
      .then('FORBIDDEN');
  });
});

describe('ReleaseHold', () => {
  const held = seatsHeld('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(0));

  it('releases the holder’s hold', () => {
    given([held])
      .when(releaseHold('h1', 'u1', t(5)))
      .then([released(held, t(5))]);
    const ga = generalHeld('h1', 'u1', 3, t(0));
    given([ga])
      .when(releaseHold('h1', 'u1', t(5)))
      .then([released(ga, t(5))]);
  });

  it('refuses another buyer with FORBIDDEN', () => {
    given([held])
      .when(releaseHold('h1', 'u2', t(5)))
      .then('FORBIDDEN');
  });

  it('answers HOLD_NOT_FOUND for an unknown or ended hold', () => {
    given([held])
      .when(releaseHold('nope', 'u1', t(5)))
      .then('HOLD_NOT_FOUND');
    given([held, released(held, t(3))])
      .when(releaseHold('h1', 'u1', t(5)))
      .then('HOLD_NOT_FOUND');
    given([held, expired(held, t(60))])
      .when(releaseHold('h1', 'u1', t(65)))
      .then('HOLD_NOT_FOUND');
  });

  it('frees the seats for the next buyer', () => {
    given([held, released(held, t(5))])
      .when(holdSeats('h2', 'u2', ['ORCH-B-3'], t(6)))
      .then([seatsHeld('h2', 'u2', ['ORCH-B-3'], t(6))]);
  });
});

describe('reservations', () => {
  const held = seatsHeld('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(0));
  const ga = generalHeld('h2', 'u2', 3, t(0));

  it('ReserveHold locks the hold until now + payment timeout', () => {
    given([held])
      .when(reserveHold('h1', 'o1', 'u1', t(20)))
      .then([reserved(held, 'o1', t(20))]);
    const [event] = decide(reserveHold('h1', 'o1', 'u1', t(20)), stateFrom([held]));
    expect(event?.type === 'HoldReserved' && event.data.reservedUntil).toBe(t(20) + paymentTimeoutMs);
    given([ga])
      .when(reserveHold('h2', 'o2', 'u2', t(20)))
      .then([reserved(ga, 'o2', t(20))]);
  });

  it('refuses to reserve a lapsed hold with HOLD_EXPIRED', () => {
    given([held])
      .when(reserveHold('h1', 'o1', 'u1', t(0) + holdTtlMs))
      .then('HOLD_EXPIRED');
  });

  it('refuses another buyer’s or an unknown hold', () => {
    given([held])
      .when(reserveHold('h1', 'o1', 'u2', t(20)))
      .then('FORBIDDEN');
    given([held])
      .when(reserveHold('h9', 'o1', 'u1', t(20)))
      .then('HOLD_NOT_FOUND');
  });

  it('a reserved hold cannot be released, reserved again or expired by the sweep', () => {
    const history = [held, reserved(held, 'o1', t(20))];
    given(history)
      .when(releaseHold('h1', 'u1', t(25)))
      .then('ORDER_STATE');
    given(history)
      .when(reserveHold('h1', 'o2', 'u1', t(25)))
      .then('ORDER_STATE');
    given(history)
      .when(expireHolds(t(0) + 2 * holdTtlMs))
      .then([]);
    given(history)
      .when(holdSeats('h3', 'u3', ['ORCH-B-3'], t(0) + 2 * holdTtlMs))
      .then('SEAT_UNAVAILABLE');
  });

  it('SellReservation sells the seats for good', () => {
    const history = [held, reserved(held, 'o1', t(20))];
    given(history)
      .when(sellReservation('o1', t(30)))
      .then([sold(held, 'o1', t(30))]);
    const after = [...history, sold(held, 'o1', t(30))];
    const view = seatMapView(stateFrom(after), t(30));
    expect([view.seats['ORCH-B-3']?.status, view.seats['ORCH-B-4']?.status]).toEqual(['sold', 'sold']);
    given(after)
      .when(holdSeats('h3', 'u3', ['ORCH-B-3'], t(0) + 30 * holdTtlMs))
      .then('SEAT_UNAVAILABLE');
    given(after)
      .when(sellReservation('o1', t(40)))
      .then('ORDER_STATE');
    given(after)
      .when(releaseReservation('o1', t(40)))
      .then('ORDER_STATE');
    given(after)
      .when(releaseHold('h1', 'u1', t(40)))
      .then('ORDER_STATE');
  });

  it('SellReservation of general admission moves places to sold', () => {
    const history = [ga, reserved(ga, 'o2', t(20))];
    given(history)
      .when(sellReservation('o2', t(30)))
      .then([sold(ga, 'o2', t(30))]);
    const view = seatMapView(stateFrom([...history, sold(ga, 'o2', t(30))]), t(0) + 30 * holdTtlMs);
    expect(view.general.FLOOR?.available).toBe(7);
  });

  it('ReleaseReservation puts the seats back on sale', () => {
    const history = [held, reserved(held, 'o1', t(20))];
    given(history)
      .when(releaseReservation('o1', t(30), 'payment_timed_out'))
      .then([reservationReleased(held, 'o1', t(30), 'payment_timed_out')]);
    const after = [...history, reservationReleased(held, 'o1', t(30))];
    given(after)
      .when(holdSeats('h3', 'u3', ['ORCH-B-3', 'ORCH-B-4'], t(31)))
      .then([seatsHeld('h3', 'u3', ['ORCH-B-3', 'ORCH-B-4'], t(31))]);
    given(after)
      .when(sellReservation('o1', t(40)))
      .then('ORDER_NOT_FOUND');
    const gaHistory = [ga, reserved(ga, 'o2', t(20)), reservationReleased(ga, 'o2', t(30))];
    expect(seatMapView(stateFrom(gaHistory), t(31)).general.FLOOR?.available).toBe(10);
  });

  it('answers ORDER_NOT_FOUND for an unknown order', () => {
    given([])
      .when(sellReservation('o9', t(1)))
      .then('ORDER_NOT_FOUND');
    given([])
      .when(releaseReservation('o9', t(1)))
      .then('ORDER_NOT_FOUND');
  });
});

describe('recall', () => {
  it('returns the first outcome of a request id, per buyer', () => {
    const mine = seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0), 'req-1');
    const theirs = seatsHeld('h2', 'u2', ['ORCH-B-4'], t(1), 'req-1');
    const state = stateFrom([mine, theirs]);
    expect(recall(state, 'u1', 'req-1')).toMatchObject({
      kind: 'hold',
      holdId: 'h1',
      seatIds: ['ORCH-B-3'],
      quantity: 1,
      expiresAt: t(0) + holdTtlMs,
    });
    expect(recall(state, 'u2', 'req-1')).toMatchObject({ kind: 'hold', holdId: 'h2', seatIds: ['ORCH-B-4'] });
    expect(recall(state, 'u3', 'req-1')).toBeUndefined();
    expect(recall(state, 'u1', 'req-2')).toBeUndefined();
  });

  it('keeps the answer after the hold has ended, and remembers releases and reservations', () => {
    const held = seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0), 'req-1');
    const other = seatsHeld('h2', 'u1', ['ORCH-B-4'], t(0), 'req-2');
    const state = stateFrom([held, released(held, t(5), 'req-3'), other, reserved(other, 'o1', t(6), 'req-4')]);
    expect(recall(state, 'u1', 'req-1')).toMatchObject({ kind: 'hold', holdId: 'h1' });
    expect(recall(state, 'u1', 'req-3')).toEqual({ kind: 'release', holdId: 'h1' });
    expect(recall(state, 'u1', 'req-4')).toEqual({
      kind: 'reserve',
      holdId: 'h2',
      orderId: 'o1',
      reservedUntil: t(6) + paymentTimeoutMs,
    });
  });

  it('remembers a release that found its hold lapsed, so the retry gets the same answer', () => {
    const held = seatsHeld('h1', 'u1', ['ORCH-B-3'], t(0), 'req-1');
    const state = stateFrom([held]);
    evolveAll(state, decide(releaseHold('h1', 'u1', t(0) + holdTtlMs, 'req-2'), state));
    expect(recall(state, 'u1', 'req-2')).toEqual({ kind: 'release', holdId: 'h1' });
  });

  it('remembers the committed outcome of a decided general-admission hold', () => {
    const state = stateFrom([]);
    evolveAll(state, decide(holdGeneral('h1', 'u1', 2, t(1)), state));
    expect(recall(state, 'u1', 'r-h1')).toMatchObject({
      kind: 'hold',
      holdId: 'h1',
      seatIds: [],
      sectionId: 'FLOOR',
      quantity: 2,
    });
  });
});
