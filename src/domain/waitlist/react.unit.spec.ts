import { describe, expect, it } from 'vitest';
import type { InventoryCommand } from '../seatMap/commands.ts';
import { decide } from '../seatMap/decide.ts';
import type { HoldPlaced } from '../seatMap/events.ts';
import {
  expired,
  expireHolds,
  generalHeld,
  holdGeneral,
  holdSeats,
  released,
  releaseHold,
  releaseReservation,
  replaced,
  replaceHold,
  reservationReleased,
  reserved,
  seatsHeld,
  sold,
  t,
  waitlistOfferMs,
} from '../seatMap/inventoryFixture.ts';
import { handle } from './eventDecider.ts';
import type { EventState, EventStreamEvent } from './eventState.ts';
import { gathererIdOf, gatherHoldIdOf, offerHoldIdOf, waitlistPolicyDefault } from './state.ts';
import {
  eventStateFrom,
  fulfilled,
  gathered,
  gatherReleased,
  generalOffer,
  given,
  joined,
  joinWaitlist,
  offer,
  offerDeclined,
  offerLapsed,
  type Setup,
  seatsRequest,
  violations,
} from './waitlistFixture.ts';

const soldTo = (holdId: string, userId: string, seatIds: readonly string[]): EventStreamEvent[] => {
  const held = seatsHeld(holdId, userId, seatIds, t(0));
  return [held, reserved(held, `o-${holdId}`, t(0)), sold(held, `o-${holdId}`, t(0))];
};
const balcony = (quantity: number, together = false) => seatsRequest(quantity, { sectionId: 'BALC', together });
/** The offer's hold as the inventory placed it (for the events that end it). */
const offerHold = (entryId: string, userId: string, seatIds: readonly string[], at: number): HoldPlaced =>
  offer(entryId, userId, seatIds, at)[0];
const gatherHold = (entryId: string, n: number, seatIds: readonly string[], at: number): HoldPlaced =>
  gathered(entryId, n, seatIds, at)[0];
const releasedBy = (placed: HoldPlaced, at: number, requestId: string) => ({
  ...released(placed, at),
  data: { ...released(placed, at).data, requestId },
});

/** Runs commands on one state, as the actor would, checking every invariant after each; returns all their events. */
const drive = (state: EventState, ...commands: Parameters<typeof handle>[1][]): EventStreamEvent[] => {
  const events: EventStreamEvent[] = [];
  for (const command of commands) {
    const handled = handle(state, command);
    expect(handled.rejection, `${command.type} refused`).toBeUndefined();
    expect(violations(state)).toEqual([]);
    events.push(...handled.events);
  }
  return events;
};

describe('seats that come back are offered in the same batch', () => {
  const a4 = seatsHeld('h4', 'b4', ['BALC-A-4'], t(0));
  const line = [
    ...soldTo('h1', 'b1', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3']),
    a4,
    joined('e1', 'u1', balcony(1), t(1)),
    joined('e2', 'u2', balcony(1), t(2)),
  ];

  it('a released seat becomes a hold for the first entry in line, lasting waitlistOfferSeconds', () => {
    given(line)
      .when(releaseHold('h4', 'b4', t(20)))
      .then([released(a4, t(20)), ...offer('e1', 'u1', ['BALC-A-4'], t(20))]);
  });

  it('so does a seat whose hold expired', () => {
    given(line)
      .when(expireHolds(t(60)))
      .then([expired(a4, t(60)), ...offer('e1', 'u1', ['BALC-A-4'], t(60))]);
  });

  it('so does a seat whose payment failed or timed out', () => {
    given([...line, reserved(a4, 'o4', t(5))])
      .when(releaseReservation('o4', t(20)))
      .then([reservationReleased(a4, 'o4', t(20)), ...offer('e1', 'u1', ['BALC-A-4'], t(20))]);
    given([...line, reserved(a4, 'o4', t(5))])
      .when(releaseReservation('o4', t(20), 'payment_timed_out'))
      .then([reservationReleased(a4, 'o4', t(20), 'payment_timed_out'), ...offer('e1', 'u1', ['BALC-A-4'], t(20))]);
  });

  it('so does a refunded seat', () => {
    const state = eventStateFrom(line);
    const commands: InventoryCommand[] = [
      { type: 'PlaceOrder', data: { orderId: 'o4', holdId: 'h4', userId: 'b4', requestId: 'po', now: t(5) } },
      {
        type: 'RecordPaymentResult',
        data: { orderId: 'o4', outcome: 'succeeded', providerEventId: 'evt1', now: t(6) },
      },
    ];
    drive(state, ...commands);
    const events = drive(state, { type: 'RefundOrder', data: { orderId: 'o4', reason: 'asked', now: t(20) } });
    expect(events.map((event) => event.type)).toEqual([
      'SaleRefunded',
      'RefundRequested',
      'HoldPlaced',
      'WaitlistOffered',
    ]);
    expect(events.slice(2)).toEqual(offer('e1', 'u1', ['BALC-A-4'], t(20)));
  });

  it('several seats at once are offered in join order, one entry after the other', () => {
    const a34 = seatsHeld('h3', 'b3', ['BALC-A-3', 'BALC-A-4'], t(0));
    given([
      ...soldTo('h1', 'b1', ['BALC-A-1', 'BALC-A-2']),
      a34,
      joined('e1', 'u1', balcony(1), t(1)),
      joined('e2', 'u2', balcony(1), t(2)),
      joined('e3', 'u3', balcony(1), t(3)),
    ])
      .when(releaseHold('h3', 'b3', t(20)))
      .then([
        released(a34, t(20)),
        // Best available for one seat: the one nearest the row's centre first.
        ...offer('e1', 'u1', ['BALC-A-3'], t(20)),
        ...offer('e2', 'u2', ['BALC-A-4'], t(20)),
      ]);
  });

  it('passes over an entry the seats do not fit and serves the next one they fit (FIFO among entries that fit)', () => {
    const state = given([
      ...line.slice(0, -2),
      joined('e1', 'u1', balcony(2, true), t(1)),
      joined('e2', 'u2', balcony(1), t(2)),
    ])
      .when(releaseHold('h4', 'b4', t(20)))
      .then([released(a4, t(20)), ...offer('e2', 'u2', ['BALC-A-4'], t(20))]);
    expect(state.waitlist.entries.get('e1')).toMatchObject({ status: 'waiting', overtaken: 1 });
  });

  it('does not count as overtaking an offer of seats the passed-over entry could not use', () => {
    const state = given([
      ...soldTo('h1', 'b1', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3']),
      a4,
      ...soldTo('h5', 'b5', ['ORCH-A-1', 'ORCH-A-2', 'ORCH-A-3']),
      ...soldTo('h6', 'b6', ['ORCH-A-4', 'ORCH-A-5', 'ORCH-A-6']),
      joined('e1', 'u1', seatsRequest(1, { priceTier: 'premium' }), t(1)),
      joined('e2', 'u2', balcony(1), t(2)),
    ])
      .when(releaseHold('h4', 'b4', t(20)))
      .then([released(a4, t(20)), ...offer('e2', 'u2', ['BALC-A-4'], t(20))]);
    expect(state.waitlist.entries.get('e1')?.overtaken).toBe(0);
  });

  it('entry 3, for 2 together, gets two adjacent seats when they come back', () => {
    const a1 = seatsHeld('h1', 'b1', ['BALC-A-1'], t(0));
    const a23 = seatsHeld('h2', 'b2', ['BALC-A-2', 'BALC-A-3'], t(0));
    const state = eventStateFrom([
      a1,
      a23,
      a4,
      joined('e1', 'u1', balcony(1), t(1)),
      joined('e2', 'u2', balcony(1), t(2)),
      joined('e3', 'u3', balcony(2, true), t(3)),
    ]);
    expect(drive(state, releaseHold('h1', 'b1', t(10)))).toEqual([
      released(a1, t(10)),
      ...offer('e1', 'u1', ['BALC-A-1'], t(10)),
    ]);
    expect(drive(state, releaseHold('h4', 'b4', t(11)))).toEqual([
      released(a4, t(11)),
      ...offer('e2', 'u2', ['BALC-A-4'], t(11)),
    ]);
    expect(drive(state, releaseHold('h2', 'b2', t(12)))).toEqual([
      released(a23, t(12)),
      ...offer('e3', 'u3', ['BALC-A-2', 'BALC-A-3'], t(12)),
    ]);
  });

  it('serves general admission by places', () => {
    const floor = [
      generalHeld('g1', 'b1', 4, t(0)),
      generalHeld('g2', 'b2', 2, t(0)),
      generalHeld('g3', 'b3', 4, t(0)),
    ];
    const history = [
      ...floor,
      joined('e1', 'u1', seatsRequest(3, { sectionId: 'FLOOR' }), t(1)),
      joined('e2', 'u2', seatsRequest(2, { sectionId: 'FLOOR' }), t(2)),
    ];
    given(history)
      .when(releaseHold('g2', 'b2', t(20)))
      .then([released(floor[1]!, t(20)), ...generalOffer('e2', 'u2', 2, t(20))]);
    given(history)
      .when(releaseHold('g1', 'b1', t(20)))
      .then([released(floor[0]!, t(20)), ...generalOffer('e1', 'u1', 3, t(20))]);
  });
});

describe('limits', () => {
  const a34 = seatsHeld('h3', 'b3', ['BALC-A-3', 'BALC-A-4'], t(0));
  const orch = seatsHeld('h9', 'u1', ['ORCH-A-1', 'ORCH-A-2', 'ORCH-A-3'], t(2));
  const history = [
    ...soldTo('h1', 'b1', ['BALC-A-1', 'BALC-A-2']),
    a34,
    joined('e1', 'u1', balcony(2), t(1)),
    orch,
    joined('e2', 'u2', balcony(2), t(3)),
  ];

  it('passes over an entry whose buyer now holds too much for it (maxSeatsPerUser counts what they hold and own)', () => {
    const state = given(history)
      .when(releaseHold('h3', 'b3', t(20)))
      .then([released(a34, t(20)), ...offer('e2', 'u2', ['BALC-A-3', 'BALC-A-4'], t(20))]);
    expect(state.waitlist.entries.get('e1')?.status).toBe('waiting');
  });

  it('serves it as soon as the buyer releases seats elsewhere, even when nothing of its scope comes back', () => {
    // e1 alone wants the balcony: the seats stay available while u1 holds too much, and are offered once u1 has room.
    const state = eventStateFrom(
      history.filter((event) => event.type !== 'WaitlistJoined' || event.data.entryId === 'e1'),
    );
    expect(drive(state, releaseHold('h3', 'b3', t(20)))).toEqual([released(a34, t(20))]);
    expect(drive(state, releaseHold('h9', 'u1', t(21)))).toEqual([
      released(orch, t(21)),
      ...offer('e1', 'u1', ['BALC-A-3', 'BALC-A-4'], t(21)),
    ]);
  });

  it('serves it once the buyer has room again', () => {
    const state = eventStateFrom(history);
    drive(state, releaseHold('h9', 'u1', t(10)));
    expect(drive(state, releaseHold('h3', 'b3', t(20)))).toEqual([
      released(a34, t(20)),
      ...offer('e1', 'u1', ['BALC-A-3', 'BALC-A-4'], t(20)),
    ]);
  });
});

describe('the offer chain', () => {
  const a4 = seatsHeld('h4', 'b4', ['BALC-A-4'], t(0));
  const history = [
    ...soldTo('h1', 'b1', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3']),
    a4,
    joined('e1', 'u1', balcony(1), t(1)),
    joined('e2', 'u2', balcony(1), t(2)),
    released(a4, t(10)),
    ...offer('e1', 'u1', ['BALC-A-4'], t(10)),
  ];
  const lapse = t(10) + waitlistOfferMs;

  it('entry 1 ignores its offer → it lapses → entry 2 gets the seat in the same batch → and buys it', () => {
    const state = given(history)
      .when(expireHolds(lapse))
      .then([
        expired(offerHold('e1', 'u1', ['BALC-A-4'], t(10)), lapse),
        offerLapsed('e1', 'u1', lapse),
        ...offer('e2', 'u2', ['BALC-A-4'], lapse),
      ]);
    expect(state.waitlist.entries.get('e1')?.status).toBe('lapsed');
    const placeOrder: InventoryCommand = {
      type: 'PlaceOrder',
      data: { orderId: 'o2', holdId: offerHoldIdOf('e2'), userId: 'u2', requestId: 'po2', now: lapse + 1000 },
    };
    const ordered = decide(placeOrder, state.inventory);
    given([...history, ...handle(eventStateFrom(history), expireHolds(lapse)).events])
      .when(placeOrder)
      .then([...ordered, fulfilled('e2', 'u2', 'o2', lapse + 1000)]);
  });

  it('a lapsed offer’s seat is not taken by a buyer who asks in that instant: the line comes first', () => {
    given(history)
      .when(holdSeats('h8', 'u8', ['BALC-A-4'], lapse))
      .thenRefused('SEAT_UNAVAILABLE', [
        expired(offerHold('e1', 'u1', ['BALC-A-4'], t(10)), lapse),
        offerLapsed('e1', 'u1', lapse),
        ...offer('e2', 'u2', ['BALC-A-4'], lapse),
      ]);
  });

  it('with nobody left waiting, a lapsed offer’s seat goes back on sale', () => {
    given(history.filter((event) => event.type !== 'WaitlistJoined' || event.data.entryId !== 'e2'))
      .when(holdSeats('h8', 'u8', ['BALC-A-4'], lapse))
      .then([
        expired(offerHold('e1', 'u1', ['BALC-A-4'], t(10)), lapse),
        offerLapsed('e1', 'u1', lapse),
        seatsHeld('h8', 'u8', ['BALC-A-4'], lapse),
      ]);
  });

  it('a declined offer (the buyer releases its hold) goes to the next entry', () => {
    given(history)
      .when(releaseHold(offerHoldIdOf('e1'), 'u1', t(20)))
      .then([
        released(offerHold('e1', 'u1', ['BALC-A-4'], t(10)), t(20), `rel-${offerHoldIdOf('e1')}`),
        offerDeclined('e1', 'u1', t(20)),
        ...offer('e2', 'u2', ['BALC-A-4'], t(20)),
      ]);
  });

  it('an order on the offer fulfils the entry; when its payment fails, the seat goes to the next entry', () => {
    const state = eventStateFrom(history);
    const placed = drive(state, {
      type: 'PlaceOrder',
      data: { orderId: 'o1', holdId: offerHoldIdOf('e1'), userId: 'u1', requestId: 'po1', now: t(20) },
    });
    expect(placed.at(-1)).toEqual(fulfilled('e1', 'u1', 'o1', t(20)));
    const failed = drive(state, {
      type: 'RecordPaymentResult',
      data: { orderId: 'o1', outcome: 'failed', providerEventId: 'evt1', now: t(30) },
    });
    expect(failed.map((event) => event.type)).toEqual([
      'PaymentFailed',
      'ReservationReleased',
      'HoldPlaced',
      'WaitlistOffered',
    ]);
    expect(failed.slice(2)).toEqual(offer('e2', 'u2', ['BALC-A-4'], t(30)));
    expect(state.waitlist.entries.get('e1')?.status).toBe('fulfilled');
  });
});

describe('starvation: an entry for 4 together behind entries for 1', () => {
  // The balcony's four seats held by four buyers; the first entry wants all four side by side.
  const holds = [1, 2, 3, 4].map((n) => seatsHeld(`h${n}`, `b${n}`, [`BALC-A-${n}`], t(0)));
  const line = [
    ...holds,
    joined('e1', 'u1', balcony(4, true), t(1)),
    ...[2, 3, 4, 5].map((n) => joined(`e${n}`, `u${n}`, balcony(1), t(n))),
  ];

  /**
   * Rounds of churn: each round a new buyer joins for one seat, and a seat comes back (the oldest offer is declined,
   * or, at first, a buyer releases). Returns how many rounds passed before the entry for 4 got an offer.
   */
  const roundsUntilServed = (setup: Setup, rounds: number): number | undefined => {
    const state = eventStateFrom(line, setup);
    const offers: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      const now = t(10 + round);
      drive(state, joinWaitlist(`x${round}`, `x${round}`, balcony(1), now));
      let release: InventoryCommand;
      if (round <= 4) release = releaseHold(`h${round}`, `b${round}`, now);
      else {
        const holder = offers.shift();
        if (holder === undefined) return undefined;
        release = releaseHold(offerHoldIdOf(holder), state.waitlist.entries.get(holder)!.userId, now);
      }
      const events = drive(state, release);
      for (const event of events) {
        if (event.type !== 'WaitlistOffered') continue;
        if (event.data.entryId === 'e1') return round;
        offers.push(event.data.entryId);
      }
    }
    return undefined;
  };

  it('without a bound it is skipped for good (the rule below is what prevents this)', () => {
    expect(roundsUntilServed({ policy: { ...waitlistPolicyDefault, overtakesMax: 1_000 } }, 40)).toBeUndefined();
  });

  it('with the default bound it is overtaken 3 times, then served as soon as its four seats are all back', () => {
    // Rounds 1–3: seats go to entries for 1 (3 overtakes). From round 4 on, every seat that comes back is gathered;
    // after round 7 all four are back and the entry gets them.
    expect(roundsUntilServed({}, 40)).toBe(7);
  });

  it('step by step: gathered in nobody’s name, then offered the four together', () => {
    const state = eventStateFrom(line);
    drive(state, releaseHold('h1', 'b1', t(10)), releaseHold('h2', 'b2', t(11)), releaseHold('h3', 'b3', t(12)));
    expect(state.waitlist.entries.get('e1')?.overtaken).toBe(3);
    expect(drive(state, releaseHold('h4', 'b4', t(13)))).toEqual([
      released(holds[3]!, t(13)),
      ...gathered('e1', 1, ['BALC-A-4'], t(13)),
    ]);
    // No later entry and no buyer can take a gathered seat, nor release it.
    expect(handle(state, holdSeats('h8', 'u8', ['BALC-A-4'], t(14))).rejection?.code).toBe('SEAT_UNAVAILABLE');
    expect(handle(state, releaseHold(gatherHoldIdOf('e1', 1), 'u1', t(14))).rejection?.code).toBe('FORBIDDEN');
    expect(drive(state, releaseHold(offerHoldIdOf('e2'), 'u2', t(15)))).toEqual([
      released(offerHold('e2', 'u2', ['BALC-A-1'], t(10)), t(15), `rel-${offerHoldIdOf('e2')}`),
      offerDeclined('e2', 'u2', t(15)),
      ...gathered('e1', 2, ['BALC-A-1'], t(15)),
    ]);
    drive(state, releaseHold(offerHoldIdOf('e3'), 'u3', t(16)));
    expect(drive(state, releaseHold(offerHoldIdOf('e4'), 'u4', t(17)))).toEqual([
      released(offerHold('e4', 'u4', ['BALC-A-3'], t(12)), t(17), `rel-${offerHoldIdOf('e4')}`),
      offerDeclined('e4', 'u4', t(17)),
      releasedBy(gatherHold('e1', 1, ['BALC-A-4'], t(13)), t(17), `${gatherHoldIdOf('e1', 1)}:release`),
      gatherReleased('e1', 1, t(17)),
      releasedBy(gatherHold('e1', 2, ['BALC-A-1'], t(15)), t(17), `${gatherHoldIdOf('e1', 2)}:release`),
      gatherReleased('e1', 2, t(17)),
      releasedBy(gatherHold('e1', 3, ['BALC-A-2'], t(16)), t(17), `${gatherHoldIdOf('e1', 3)}:release`),
      gatherReleased('e1', 3, t(17)),
      ...offer('e1', 'u1', ['BALC-A-1', 'BALC-A-2', 'BALC-A-3', 'BALC-A-4'], t(17)),
    ]);
    expect(state.waitlist.entries.get('e5')?.status).toBe('waiting');
  });

  it('an entry ahead takes seats gathered for an entry behind it (gathering holds back from later entries only)', () => {
    // e2 (3 standard seats, anywhere) is protected after one overtake; e1 (2 together in the balcony) is not.
    const setup = { policy: { ...waitlistPolicyDefault, overtakesMax: 1 } };
    const b1 = seatsHeld('k1', 'b1', ['ORCH-B-1'], t(0));
    const a1 = seatsHeld('k2', 'b2', ['BALC-A-1'], t(0));
    const a2 = seatsHeld('k3', 'b3', ['BALC-A-2'], t(0));
    const state = eventStateFrom(
      [
        ...soldTo('s1', 's1', ['ORCH-B-2', 'ORCH-B-3', 'ORCH-B-4', 'ORCH-B-5']),
        ...soldTo('s2', 's2', ['ORCH-B-6', 'ORCH-C-1', 'ORCH-C-2', 'ORCH-C-3']),
        ...soldTo('s3', 's3', ['ORCH-C-4', 'ORCH-C-5', 'ORCH-C-6', 'BALC-A-3']),
        ...soldTo('s4', 's4', ['BALC-A-4']),
        b1,
        a1,
        a2,
        joined('e1', 'u1', balcony(2, true), t(1)),
        joined('e2', 'u2', seatsRequest(3, { priceTier: 'standard' }), t(2)),
        joined('e3', 'u3', seatsRequest(1, { sectionId: 'ORCH', priceTier: 'standard' }), t(3)),
      ],
      setup,
    );
    expect(drive(state, releaseHold('k1', 'b1', t(10)))).toEqual([
      released(b1, t(10)),
      ...offer('e3', 'u3', ['ORCH-B-1'], t(10)),
    ]);
    expect(state.waitlist.entries.get('e1')?.overtaken).toBe(0);
    expect(drive(state, releaseHold('k2', 'b2', t(11)))).toEqual([
      released(a1, t(11)),
      ...gathered('e2', 1, ['BALC-A-1'], t(11)),
    ]);
    expect(drive(state, releaseHold('k3', 'b3', t(12)))).toEqual([
      released(a2, t(12)),
      releasedBy(gatherHold('e2', 1, ['BALC-A-1'], t(11)), t(12), `${gatherHoldIdOf('e2', 1)}:release`),
      gatherReleased('e2', 1, t(12)),
      ...offer('e1', 'u1', ['BALC-A-1', 'BALC-A-2'], t(12)),
    ]);
  });

  it('leaving gives the gathered seats back to the line', () => {
    const state = eventStateFrom(line);
    drive(state, releaseHold('h1', 'b1', t(10)), releaseHold('h2', 'b2', t(11)), releaseHold('h3', 'b3', t(12)));
    drive(state, releaseHold('h4', 'b4', t(13)));
    const events = drive(state, {
      type: 'LeaveWaitlist',
      data: { entryId: 'e1', userId: 'u1', requestId: 'l', now: t(14) },
    });
    expect(events.map((event) => event.type)).toEqual([
      'WaitlistLeft',
      'HoldReleased',
      'WaitlistGatherReleased',
      'HoldPlaced',
      'WaitlistOffered',
    ]);
    expect(events.slice(3)).toEqual(offer('e5', 'u5', ['BALC-A-4'], t(14)));
    expect(gathererIdOf('e1')).toBe('waitlist:e1');
  });
});

describe('gathering holds lapse like offers', () => {
  it('a gathering hold that lapses while its entry waits is gathered again in the same batch', () => {
    const setup = { policy: { ...waitlistPolicyDefault, overtakesMax: 0 } };
    const a1 = seatsHeld('h1', 'b1', ['BALC-A-1'], t(0));
    const history = [
      a1,
      ...soldTo('h2', 'b2', ['BALC-A-2', 'BALC-A-3', 'BALC-A-4']),
      joined('e1', 'u1', balcony(2, true), t(1)),
      released(a1, t(10)),
      ...gathered('e1', 1, ['BALC-A-1'], t(10)),
    ];
    const lapse = t(10) + waitlistOfferMs;
    given(history, setup)
      .when(expireHolds(lapse))
      .then([
        expired(gatherHold('e1', 1, ['BALC-A-1'], t(10)), lapse),
        gatherReleased('e1', 1, lapse),
        ...gathered('e1', 2, ['BALC-A-1'], lapse),
      ]);
  });
});

describe('general admission gathering', () => {
  it('gathers places for a protected entry until its quantity is back', () => {
    const setup = { policy: { ...waitlistPolicyDefault, overtakesMax: 0 } };
    const floor = [
      generalHeld('g1', 'b1', 4, t(0)),
      generalHeld('g2', 'b2', 4, t(0)),
      generalHeld('g3', 'b3', 2, t(0)),
    ];
    const state = eventStateFrom([...floor, joined('e1', 'u1', seatsRequest(4, { sectionId: 'FLOOR' }), t(1))], setup);
    const first = drive(state, releaseHold('g3', 'b3', t(10)));
    expect(first.map((event) => event.type)).toEqual(['HoldReleased', 'HoldPlaced', 'WaitlistSeatsGathered']);
    expect(state.waitlist.entries.get('e1')?.gathers.size).toBe(1);
    // The public cannot take the gathered places.
    expect(handle(state, holdGeneral('h9', 'u9', 1, t(11))).rejection?.code).toBe('SOLD_OUT');
    const second = drive(state, releaseHold('g1', 'b1', t(12)));
    expect(second.slice(-2)).toEqual(generalOffer('e1', 'u1', 4, t(12)));
    expect(state.inventory.general.get('FLOOR')).toMatchObject({ held: 8 });
  });
});

describe('a basket that changes (a hold replacing the buyer’s own) while the line waits', () => {
  const mine = seatsHeld('h1', 'b1', ['BALC-A-3', 'BALC-A-4'], t(0));
  const line = [...soldTo('h0', 'b0', ['BALC-A-1', 'BALC-A-2']), mine, joined('e1', 'u1', balcony(1), t(1))];

  it('keeps the seats that stay in the basket; the seat taken out is offered to the line in the same batch', () => {
    given(line)
      .when(replaceHold('h2', 'h1', 'b1', { kind: 'seats', seatIds: ['BALC-A-4'] }, t(20)))
      .then([
        replaced(mine, 'h2', t(20)),
        seatsHeld('h2', 'b1', ['BALC-A-4'], t(20)),
        ...offer('e1', 'u1', ['BALC-A-3'], t(20)),
      ]);
  });

  it('offers nothing when the basket only grows', () => {
    const small = seatsHeld('h1', 'b1', ['BALC-A-3'], t(0));
    given([...soldTo('h0', 'b0', ['BALC-A-1', 'BALC-A-2']), small, joined('e1', 'u1', balcony(2), t(1))])
      .when(replaceHold('h2', 'h1', 'b1', { kind: 'seats', seatIds: ['BALC-A-3', 'BALC-A-4'] }, t(20)))
      .then([replaced(small, 'h2', t(20)), seatsHeld('h2', 'b1', ['BALC-A-3', 'BALC-A-4'], t(20))]);
  });
});
