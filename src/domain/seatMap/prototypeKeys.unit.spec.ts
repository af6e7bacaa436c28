import { describe, expect, it } from 'vitest';
import type { EventConfig, Venue } from '../venue.ts';
import { decide } from './decide.ts';
import type { OrderPlaced } from './events.ts';
import { evolveAll } from './evolve.ts';
import { config, T0 } from './inventoryFixture.ts';
import { seatMapView } from './read.ts';
import { initialState } from './state.ts';

/**
 * Ids are keys of plain objects in views and in the event config, and some ids are names Object.prototype has. A
 * lookup that reaches the prototype priced a tier named `toString` with a function (orders of `amount: null` that
 * still sold), and a seat named `__proto__` set the map's prototype instead of a key (missing from its JSON).
 */
const prototypeVenue: Venue = {
  id: 'proto-hall',
  name: 'Proto Hall',
  sections: [
    {
      id: 'constructor',
      name: 'Constructor',
      kind: 'seated',
      rows: [
        {
          id: 'toString',
          seats: [
            { id: '__proto__', priceTier: 'toString' },
            { id: 'constructor', priceTier: 'constructor' },
            { id: 'hasOwnProperty', priceTier: 'toString' },
          ],
        },
      ],
    },
    { id: 'valueOf', name: 'Floor', kind: 'general', capacity: 5, priceTier: 'hasOwnProperty' },
  ],
};
const prototypeConfig: EventConfig = {
  ...config,
  venueId: prototypeVenue.id,
  priceTiers: {
    toString: { amount: 1000, currency: 'EUR' },
    constructor: { amount: 2000, currency: 'EUR' },
    hasOwnProperty: { amount: 300, currency: 'EUR' },
  },
};

const holdAndOrder = (eventConfig: EventConfig, seatIds: string[]) => {
  const state = initialState(prototypeVenue, eventConfig);
  const request = { kind: 'seats', seatIds } as const;
  evolveAll(
    state,
    decide({ type: 'PlaceHold', data: { holdId: 'h1', userId: 'u', requestId: 'r', request, now: T0 } }, state),
  );
  return () =>
    decide({ type: 'PlaceOrder', data: { orderId: 'o1', holdId: 'h1', userId: 'u', requestId: 'o', now: T0 } }, state);
};

describe('ids named like Object.prototype members', () => {
  it('shows every seat and section in the seat map, __proto__ included, as its own key', () => {
    const view = JSON.parse(JSON.stringify(seatMapView(initialState(prototypeVenue, prototypeConfig), T0)));
    expect(Object.keys(view.seats)).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
    expect(Object.getOwnPropertyDescriptor(view.seats, '__proto__')?.value).toEqual({
      status: 'available',
      priceTier: 'toString',
      version: 0,
    });
    expect(view.general).toEqual({ valueOf: { capacity: 5, available: 5, priceTier: 'hasOwnProperty' } });
  });

  it('prices tiers named toString and constructor from the event, never from Object.prototype', () => {
    const [placed] = holdAndOrder(prototypeConfig, ['__proto__', 'constructor'])() as [OrderPlaced];
    expect(placed.data).toMatchObject({
      amount: 3000,
      currency: 'EUR',
      lines: [
        { seatId: '__proto__', priceTier: 'toString', amount: 1000 },
        { seatId: 'constructor', priceTier: 'constructor', amount: 2000 },
      ],
    });
  });

  it('refuses to price a tier the event lacks, even when Object.prototype has a member of its name', () => {
    const { constructor: _priced, ...withoutConstructor } = prototypeConfig.priceTiers;
    const order = holdAndOrder({ ...prototypeConfig, priceTiers: withoutConstructor }, ['constructor']);
    expect(order).toThrow(/no price for tier constructor/);
  });
});
