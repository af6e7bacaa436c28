import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { startTestServer } from './support/testServer.ts';

type Client = ReturnType<typeof api>;

const newEvent = async (client: Client, venueId: string, name: string) =>
  client.createEvent({ venueId, name, startsAt: '2030-01-01T20:00:00Z', priceTiers, maxSeatsPerUser: 10 });

/** `GET /v1/me/holds` and `GET /v1/me/orders`: what a buyer owns, found again after a reload, a new device, a restart. */
describe('buyer recovery over REST', () => {
  const schema = uniqueSchema('buyer_recovery');
  const store = { kind: 'postgres' as const, url: databaseUrl, schema };
  let server: RunningServer;
  let client: Client;
  let venueId: string;

  beforeAll(async () => {
    ({ server, client } = await startTestServer({ store }));
    venueId = await client.createVenue(venueBody(4, 10));
  });
  afterAll(async () => {
    await server?.drain();
    await dropSchema(schema);
  });

  const held = async (eventId: string, token: string, body: Record<string, unknown>) => {
    const reply = await client.hold(eventId, token, { requestId: `r-${Math.random()}`, ...body });
    expect(reply.status).toBe(201);
    return reply.body as { holdId: string; seatIds: string[]; quantity: number; expiresAt: string };
  };
  const me = async (path: string, token: string) => {
    const reply = await client.call('GET', `/v1/me/${path}`, undefined, token);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };

  it('lists the caller’s live holds across events: not released or ordered ones, not anyone else’s', async () => {
    const [first, second] = [await newEvent(client, venueId, 'Holds 1'), await newEvent(client, venueId, 'Holds 2')];
    const [buyer, other] = [await client.session(), await client.session()];
    const kept = await held(first, buyer.token, { seatIds: ['ORCH-1-1'] });
    const dropped = await held(first, buyer.token, { seatIds: ['ORCH-1-2'] });
    expect((await client.release(dropped.holdId, buyer.token)).status).toBe(204);
    await held(first, other.token, { seatIds: ['ORCH-1-3'] });
    const floor = await held(second, buyer.token, { sectionId: 'FLOOR', quantity: 2 });
    const ordered = await held(second, buyer.token, { seatIds: ['ORCH-2-1'] });
    const order = await client.call('POST', '/v1/orders', { holdId: ordered.holdId, requestId: 'o' }, buyer.token);
    expect(order.status).toBe(201);

    const all = await me('holds', buyer.token);
    const byEvent = [
      { ...kept, eventId: first },
      { ...floor, eventId: second },
    ].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
    expect(all).toEqual({ holds: byEvent });
    expect(await me(`holds?eventId=${second}`, buyer.token)).toEqual({ holds: [{ ...floor, eventId: second }] });

    // One event per page here: the cursor carries on where the first page stopped.
    const page = await me('holds?limit=1', buyer.token);
    expect(page.holds).toEqual([byEvent[0]]);
    expect(await me(`holds?limit=1&cursor=${page.next}`, buyer.token)).toEqual({ holds: [byEvent[1]] });
    expect(await me('holds', (await client.session()).token)).toEqual({ holds: [] });
  });

  it('lists the caller’s orders across events, newest first, with tickets as GET /v1/orders/:id shows them', async () => {
    const [first, second] = [await newEvent(client, venueId, 'Orders 1'), await newEvent(client, venueId, 'Orders 2')];
    const buyer = await client.session();
    const placeOrder = async (eventId: string, seatId: string) => {
      const hold = await held(eventId, buyer.token, { seatIds: [seatId] });
      const reply = await client.call('POST', '/v1/orders', { holdId: hold.holdId, requestId: seatId }, buyer.token);
      expect(reply.status).toBe(201);
      return reply.body.orderId as string;
    };
    const paid = await placeOrder(first, 'ORCH-3-1');
    const pay = await client.call('POST', `/v1/orders/${paid}/pay`, { paymentMethod: 'pm_card_visa' }, buyer.token);
    expect(pay.status).toBe(200);
    const open = await placeOrder(second, 'ORCH-3-2');
    const view = async (orderId: string) =>
      (await client.call('GET', `/v1/orders/${orderId}`, undefined, buyer.token)).body;

    const listed = await me('orders', buyer.token);
    expect(listed).toEqual({ orders: [await view(open), await view(paid)] });
    expect(listed.orders[1].tickets).toEqual([
      expect.objectContaining({ seatId: 'ORCH-3-1', code: expect.any(String) }),
    ]);
    expect(await me(`orders?eventId=${first}`, buyer.token)).toEqual({ orders: [await view(paid)] });
    const page = await me('orders?limit=1', buyer.token);
    expect(page.orders.map((order: { orderId: string }) => order.orderId)).toEqual([open]);
    const rest = await me(`orders?limit=1&cursor=${page.next}`, buyer.token);
    expect(rest.orders.map((order: { orderId: string }) => order.orderId)).toEqual([paid]);
    expect(await me('orders', (await client.session()).token)).toEqual({ orders: [] });
  });

  it('refuses a bad query and a missing session with stable codes', async () => {
    const { token } = await client.session();
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'cursor=%21%21',
      'cursor=bm90LWpzb24',
      'eventId=a%20b',
      'x=1',
    ]) {
      const reply = await client.call('GET', `/v1/me/orders?${query}`, undefined, token);
      expect([query, reply.status, reply.body.error.code]).toEqual([query, 400, 'INVALID_INPUT']);
    }
    expect((await client.call('GET', '/v1/me/holds')).body.error.code).toBe('UNAUTHORIZED');
    expect((await client.call('GET', '/v1/me/holds?eventId=evt_none', undefined, token)).body.error.code).toBe(
      'NOT_FOUND',
    );
  });

  it('finds holds and orders again after a restart, on the store alone', async () => {
    const [first, second] = [
      await newEvent(client, venueId, 'Restart 1'),
      await newEvent(client, venueId, 'Restart 2'),
    ];
    const buyer = await client.session();
    const hold = await held(first, buyer.token, { seatIds: ['ORCH-4-1'] });
    const toOrder = await held(second, buyer.token, { seatIds: ['ORCH-4-2'] });
    const order = await client.call('POST', '/v1/orders', { holdId: toOrder.holdId, requestId: 'r' }, buyer.token);
    await server.drain();

    ({ server, client } = await startTestServer({ store }));
    // Orders come from the store's index: their events are activated to read them.
    expect((await me('orders', buyer.token)).orders.map((o: { orderId: string }) => o.orderId)).toEqual([
      order.body.orderId,
    ]);
    // Holds live in active events; naming the event activates it (the page does, for the event it shows).
    expect(await me(`holds?eventId=${first}`, buyer.token)).toEqual({ holds: [{ ...hold, eventId: first }] });
    expect(await me('holds', buyer.token)).toEqual({ holds: [{ ...hold, eventId: first }] });
  });
});
