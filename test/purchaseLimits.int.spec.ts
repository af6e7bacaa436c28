import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * Purchase limits per payment card and per household over REST, with the simulated provider (its test cards have
 * stable fingerprints: every `pm_card_visa` is one card, whoever pays with it). The event allows 4 seats a buyer.
 */
describe('purchase limits over REST (simulated provider)', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let eventId: string;
  let row = 0;

  beforeAll(async () => {
    server = (
      await startTestServer({ store: { kind: 'pglite', dataDir: undefined }, clock, actor: { sweepIntervalMs: 50 } })
    ).server;
    client = api(`http://127.0.0.1:${server.port}`);
    const venueId = await client.createVenue(venueBody(12, 10));
    eventId = await client.createEvent({
      venueId,
      name: 'Limits',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
      maxSeatsPerUser: 4,
    });
  });

  afterAll(async () => {
    await server?.drain();
  });

  /** A new buyer holds `seats` seats of a fresh row and orders them (with an address when given). */
  const newOrder = async (seats: number, address?: Record<string, string>) => {
    const buyer = await client.session();
    const rowId = ++row;
    const seatIds = Array.from({ length: seats }, (_, i) => `ORCH-${rowId}-${i + 1}`);
    const hold = await client.hold(eventId, buyer.token, { seatIds, requestId: `h-${rowId}` });
    expect(hold.status).toBe(201);
    const order = await client.call(
      'POST',
      '/v1/orders',
      { holdId: hold.body.holdId, requestId: `o-${rowId}`, ...(address === undefined ? {} : { address }) },
      buyer.token,
    );
    const pay = (paymentMethod: string) =>
      client.call('POST', `/v1/orders/${order.body.orderId}/pay`, { paymentMethod }, buyer.token);
    return { buyer, seatIds, order, pay };
  };

  it('refuses a card over its limit across buyers with PURCHASE_LIMIT, charges nothing, and takes another card', async () => {
    const first = await newOrder(3);
    expect((await first.pay('pm_card_visa')).status).toBe(200);
    const second = await newOrder(2);
    const refused = await second.pay('pm_card_visa');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('PURCHASE_LIMIT');
    const pending = await client.call('GET', `/v1/orders/${second.order.body.orderId}`, undefined, second.buyer.token);
    expect(pending.body.status).toBe('processing');
    expect((await client.seatMap(eventId)).seats[second.seatIds[0]!].status).toBe('reserved');
    const paid = await second.pay('pm_card_mastercard');
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(2);
  });

  it('counts a card no more once its payment failed', async () => {
    const declined = await newOrder(3);
    expect((await declined.pay('pm_card_chargeDeclined')).body.error.code).toBe('PAYMENT_FAILED');
    // The same card again, for 2 seats: 3 + 2 would pass 4, but the failed order holds nothing.
    const again = await newOrder(2);
    expect((await again.pay('pm_card_chargeDeclined')).body.error.code).toBe('PAYMENT_FAILED');
  });

  it('refuses an order whose household would pass the limit, however the address is written', async () => {
    const home = { line1: '12 Main Street', line2: 'Flat 3', postalCode: 'SW1A 1AA', city: 'London', country: 'GB' };
    const first = await newOrder(3, home);
    expect(first.order.status).toBe(201);
    const sameHome = { line1: '12, MAIN ST. apt 3', postalCode: 'sw1a1aa', city: 'london', country: 'gb' };
    const second = await newOrder(2, sameHome);
    expect(second.order.status).toBe(409);
    expect(second.order.body.error.code).toBe('PURCHASE_LIMIT');
    // The hold is still the buyer's: one seat fits the household's limit, another address takes both.
    const next = await newOrder(1, sameHome);
    expect(next.order.status).toBe(201);
    const elsewhere = await newOrder(2, { ...home, line1: '14 Main Street' });
    expect(elsewhere.order.status).toBe(201);
  });

  it('refuses a malformed address as INVALID_INPUT', async () => {
    const bad = await newOrder(1, { line1: '1 Road', postalCode: 'X', city: 'Y', country: 'Germany' });
    expect(bad.order.status).toBe(400);
    expect(bad.order.body.error.code).toBe('INVALID_INPUT');
  });
});
