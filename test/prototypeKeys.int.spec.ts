import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import type { api } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * Issue #8: price-tier ids such as `toString`, `constructor`, `hasOwnProperty` passed "every tier priced" through
 * Object.prototype, giving orders `amount: null` that still sold; a seat id `__proto__` was held but missing from the
 * seat-map JSON. Over real HTTP: names Object.prototype has are ordinary ids, priced only by the event, and
 * `__proto__` is refused as an id.
 */
describe('ids named like Object.prototype members over REST', () => {
  let server: RunningServer;
  let client: ReturnType<typeof api>;

  beforeAll(async () => {
    ({ server, client } = await startTestServer());
  });

  afterAll(async () => {
    await server?.drain();
  });

  const prototypeNames = ['toString', 'constructor', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
  const venue = (priceTier: (seatId: string) => string) => ({
    name: 'Proto Hall',
    sections: [
      {
        id: 'constructor',
        name: 'Seats',
        kind: 'seated',
        rows: [{ id: 'toString', seats: prototypeNames.map((id) => ({ id, priceTier: priceTier(id) })) }],
      },
      { id: 'valueOf', name: 'Floor', kind: 'general', capacity: 10, priceTier: 'hasOwnProperty' },
    ],
  });

  it('refuses an event that leaves a tier named like an Object.prototype member unpriced', async () => {
    const venueId = await client.createVenue(venue((id) => id) as never);
    for (const unpriced of ['toString', 'constructor', 'hasOwnProperty']) {
      const priceTiers = Object.fromEntries(
        [...prototypeNames, 'hasOwnProperty']
          .filter((tier) => tier !== unpriced)
          .map((tier) => [tier, { amount: 100, currency: 'EUR' }]),
      );
      const created = await client.call(
        'POST',
        '/v1/events',
        { venueId, name: 'Unpriced', startsAt: '2030-01-01T20:00:00Z', priceTiers },
        adminToken,
      );
      expect(created.status, unpriced).toBe(400);
      expect(created.body.error).toMatchObject({ code: 'INVALID_INPUT', message: `priceTiers lacks ${unpriced}` });
    }
  });

  it('holds, maps, orders and sells seats with such ids at the price of their tier', async () => {
    const venueId = await client.createVenue(
      venue((id) => (id === 'constructor' ? 'constructor' : 'toString')) as never,
    );
    const eventId = await client.createEvent({
      venueId,
      name: 'Proto Night',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers: {
        toString: { amount: 1000, currency: 'EUR' },
        constructor: { amount: 2500, currency: 'EUR' },
        hasOwnProperty: { amount: 300, currency: 'EUR' },
      },
    });
    const buyer = await client.session();
    const hold = await client.hold(eventId, buyer.token, { requestId: 'p-1', seatIds: ['constructor', 'toString'] });
    expect(hold.status).toBe(201);
    const general = await client.hold(eventId, buyer.token, { requestId: 'p-2', sectionId: 'valueOf', quantity: 2 });
    expect(general.status).toBe(201);
    const map = await client.seatMap(eventId);
    expect(Object.keys(map.seats)).toEqual(prototypeNames);
    expect(Object.keys(map.general)).toEqual(['valueOf']);
    expect([map.seats.constructor.status, map.seats.toString.status, map.general.valueOf.available]).toEqual([
      'held',
      'held',
      8,
    ]);
    const order = await client.call('POST', '/v1/orders', { holdId: hold.body.holdId, requestId: 'p-3' }, buyer.token);
    expect(order.body).toMatchObject({ amount: 3500, currency: 'EUR' });
    const gaOrder = await client.call(
      'POST',
      '/v1/orders',
      { holdId: general.body.holdId, requestId: 'p-4' },
      buyer.token,
    );
    expect(gaOrder.body).toMatchObject({ amount: 600, currency: 'EUR' });
    const paid = await client.call(
      'POST',
      `/v1/orders/${order.body.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 3500 });
    expect((await client.seatMap(eventId)).seats.constructor.status).toBe('sold');
  });

  it('refuses __proto__ as a seat id and as a price-tier key', async () => {
    const proto = await client.call(
      'POST',
      '/v1/venues',
      {
        name: 'Proto',
        sections: [
          { id: 'A', name: 'A', kind: 'seated', rows: [{ id: 'R', seats: [{ id: '__proto__', priceTier: 'P' }] }] },
        ],
      },
      adminToken,
    );
    expect(proto).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(proto.body.error.message).toContain('__proto__');
    const venueId = await client.createVenue(venue(() => 'toString') as never);
    const tiers = await client.call(
      'POST',
      '/v1/events',
      {
        venueId,
        name: 'Proto',
        startsAt: '2030-01-01T20:00:00Z',
        // Written as JSON text: an object literal's __proto__ sets the prototype and never reaches the wire.
        priceTiers: JSON.parse(
          '{"toString":{"amount":1,"currency":"EUR"},"hasOwnProperty":{"amount":1,"currency":"EUR"},"__proto__":{"amount":1,"currency":"EUR"}}',
        ),
      },
      adminToken,
    );
    expect(tiers).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(tiers.body.error.message).toContain('priceTiers.__proto__');
  });
});
