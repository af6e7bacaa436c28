import { describe, expect, it } from 'vitest';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { InventoryEvent } from './events.ts';
import { evolveAll } from './evolve.ts';
import {
  config,
  given,
  holdSeats,
  maxSeatsPerUser,
  paymentTimeoutMs,
  reservationReleased,
  seatsHeld,
  stateFrom,
  T0,
  venue,
} from './inventoryFixture.ts';
import { householdKeyOf, normaliseAddress, seatsOfHousehold, seatsOnCard } from './purchaseLimits.ts';
import { fromSnapshot, toSnapshot } from './snapshot.ts';

const at = T0 + 1_000;
const visa = 'fp_visa';
const amex = 'fp_amex';
const home = householdKeyOf({
  line1: '12 Main Street',
  line2: 'Flat 3',
  postalCode: 'SW1A 1AA',
  city: 'London',
  country: 'GB',
});

/** A history built by deciding commands in turn: each command's events are the next one's given. */
const history = (...commands: InventoryCommand[]): InventoryEvent[] => {
  const events: InventoryEvent[] = [];
  for (const command of commands) events.push(...decide(command, stateFrom(events)));
  return events;
};
const placeOrder = (orderId: string, holdId: string, userId: string, householdKey?: string): InventoryCommand => ({
  type: 'PlaceOrder',
  data: {
    orderId,
    holdId,
    userId,
    requestId: `ord-${orderId}`,
    ...(householdKey === undefined ? {} : { householdKey }),
    now: at,
  },
});
const recordCard = (orderId: string, cardFingerprint: string, now = at): InventoryCommand => ({
  type: 'RecordPaymentCard',
  data: { orderId, cardFingerprint, now },
});
const result = (orderId: string, outcome: 'succeeded' | 'failed', cardFingerprint?: string): InventoryCommand => ({
  type: 'RecordPaymentResult',
  data: {
    orderId,
    outcome,
    providerEventId: `evt-${orderId}-${outcome}`,
    paymentId: `pi-${orderId}`,
    ...(cardFingerprint === undefined ? {} : { cardFingerprint }),
    now: at + 2_000,
  },
});

// Alice orders 2 seats and pays with the visa; Bob has 3 seats in checkout (the limit is 4 per buyer, card, home).
function aliceCommands(): InventoryCommand[] {
  return [
    holdSeats('e.h1', 'alice', ['ORCH-A-1', 'ORCH-A-2'], T0),
    placeOrder('e.o1', 'e.h1', 'alice', home),
    recordCard('e.o1', visa),
  ];
}
const aliceOrdered = history(...aliceCommands());
const bobSeats = ['ORCH-B-1', 'ORCH-B-2', 'ORCH-B-3'];
const bobOrdered = history(
  ...aliceCommands(),
  holdSeats('e.h2', 'bob', bobSeats, T0),
  placeOrder('e.o2', 'e.h2', 'bob'),
);

describe('purchase limits: per payment card', () => {
  it('records the card an order pays with, once', () => {
    given(bobOrdered)
      .when(recordCard('e.o2', amex))
      .then([{ type: 'PaymentCardRecorded', data: { orderId: 'e.o2', cardFingerprint: amex, at } }]);
    given(aliceOrdered).when(recordCard('e.o1', visa)).then([]);
  });

  it('refuses a card whose orders at this event would pass the limit, before anything is charged', () => {
    expect(maxSeatsPerUser).toBe(4);
    given(bobOrdered).when(recordCard('e.o2', visa)).then('PURCHASE_LIMIT');
  });

  it('counts a card no more once its order failed or timed out', () => {
    const aliceFailed = [...bobOrdered, ...decide(result('e.o1', 'failed'), stateFrom(bobOrdered))];
    given(aliceFailed)
      .when(recordCard('e.o2', visa))
      .then([{ type: 'PaymentCardRecorded', data: { orderId: 'e.o2', cardFingerprint: visa, at } }]);
    const timedOut = recordCard('e.o2', visa, at + paymentTimeoutMs);
    given(bobOrdered).when(timedOut).then('ORDER_STATE');
  });

  it('moves an order to another card: the first card is free again', () => {
    const moved = [...aliceOrdered, ...decide(recordCard('e.o1', amex), stateFrom(aliceOrdered))];
    const state = stateFrom(moved);
    expect(seatsOnCard(state, visa)).toBe(0);
    expect(seatsOnCard(state, amex)).toBe(2);
  });

  it('rejects a success paid in the browser with a card over the limit: nothing sold, seats back, money back', () => {
    const now = at + 2_000;
    given(bobOrdered)
      .when(result('e.o2', 'succeeded', visa))
      .then([
        {
          type: 'PaymentRejected',
          data: {
            orderId: 'e.o2',
            providerEventId: 'evt-e.o2-succeeded',
            paymentId: 'pi-e.o2',
            reason: 'purchase_limit',
            expected: { amount: 15_000, currency: 'EUR' },
            received: { amount: 15_000, currency: 'EUR' },
            at: now,
          },
        },
        reservationReleased(seatsHeld('e.h2', 'bob', bobSeats, T0), 'e.o2', now, 'payment_rejected'),
        {
          type: 'RefundRequested',
          data: { orderId: 'e.o2', amount: 15_000, currency: 'EUR', reason: 'purchase_limit', at: now },
        },
      ]);
  });

  it('sells on a success with a card within the limit, and counts the card from then on', () => {
    const events = decide(result('e.o2', 'succeeded', amex), stateFrom(bobOrdered));
    expect(events[0]).toMatchObject({ type: 'PaymentSucceeded', data: { cardFingerprint: amex, late: false } });
    expect(events.map((event) => event.type)).toContain('ReservationSold');
    expect(seatsOnCard(stateFrom([...bobOrdered, ...events]), amex)).toBe(3);
    // The card the order recorded before is not checked again.
    const paid = decide(result('e.o1', 'succeeded', visa), stateFrom(aliceOrdered));
    expect(paid[0]).toMatchObject({ type: 'PaymentSucceeded' });
    expect(paid[0]!.data).not.toHaveProperty('cardFingerprint');
  });
});

describe('purchase limits: per household', () => {
  const bobHeld = history(...aliceCommands(), holdSeats('e.h2', 'bob', bobSeats, T0));
  const carolHeld = history(...aliceCommands(), holdSeats('e.h3', 'carol', ['ORCH-C-1', 'ORCH-C-2'], T0));

  it('refuses an order whose household would pass the limit, and takes one within it', () => {
    given(bobHeld)
      .when(placeOrder('e.o2', 'e.h2', 'bob', home))
      .then('PURCHASE_LIMIT');
    const events = decide(placeOrder('e.o3', 'e.h3', 'carol', home), stateFrom(carolHeld));
    expect(events[0]).toMatchObject({ type: 'OrderPlaced', data: { householdKey: home, quantity: 2 } });
    expect(seatsOfHousehold(stateFrom([...carolHeld, ...events]), home)).toBe(4);
  });

  it('takes an order without an address, or for another home', () => {
    const elsewhere = householdKeyOf({
      line1: '13 Main Street',
      postalCode: 'SW1A 1AA',
      city: 'London',
      country: 'GB',
    });
    expect(decide(placeOrder('e.o2', 'e.h2', 'bob'), stateFrom(bobHeld))[0]!.type).toBe('OrderPlaced');
    expect(decide(placeOrder('e.o2', 'e.h2', 'bob', elsewhere), stateFrom(bobHeld))[0]!.type).toBe('OrderPlaced');
  });

  it('writes one address one way: case, accents, punctuation, spaces and abbreviations do not count', () => {
    const a = { line1: '12 Main Street', line2: 'Flat 3', postalCode: 'SW1A 1AA', city: 'London', country: 'GB' };
    const b = { line1: '12, MAIN ST.  apt 3', postalCode: 'sw1a1aa', city: ' london ', country: 'gb' };
    expect(normaliseAddress(a)).toBe(normaliseAddress(b));
    expect(householdKeyOf(a)).toBe(householdKeyOf(b));
    expect(normaliseAddress({ line1: 'Große Straße 5', postalCode: '10115', city: 'Berlin', country: 'DE' })).toBe(
      normaliseAddress({ line1: 'grosse str 5', postalCode: '10115', city: 'BERLIN', country: 'de' }),
    );
    // Word order is the address: another flat number in another place is another home.
    expect(householdKeyOf({ ...a, line1: '3 Main Street', line2: 'Flat 12' })).not.toBe(householdKeyOf(a));
    expect(home).toMatch(/^hh_[0-9a-f]{32}$/);
  });
});

describe('purchase limits: recovery', () => {
  it('rebuilds the card and household indexes from a snapshot', () => {
    const state = stateFrom(bobOrdered);
    const restored = fromSnapshot(venue, config, JSON.parse(JSON.stringify(toSnapshot(state))));
    expect(seatsOnCard(restored, visa)).toBe(2);
    expect(seatsOfHousehold(restored, home)).toBe(2);
    const replayed = evolveAll(stateFrom([]), bobOrdered);
    expect(seatsOnCard(replayed, visa)).toBe(2);
  });
});
