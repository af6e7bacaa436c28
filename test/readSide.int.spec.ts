import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { eventStatsSchema, seatHistorySchema } from '../src/contract/readSchemas.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

type Client = ReturnType<typeof api>;

/**
 * The read side over REST on real Postgres (issue #13): the admin's stats (stock live, sales from the projection), a
 * seat's history, the orders as CSV, and the buyer's order list served from the buyers projection.
 */
describe('read side over REST (Postgres)', () => {
  const schema = uniqueSchema('read_side');
  const clock = new ManualClock(Date.parse('2030-03-01T10:00:00Z'));
  let server: RunningServer;
  let client: Client;
  let venueId: string;

  beforeAll(async () => {
    ({ server, client } = await startTestServer({ store: { kind: 'postgres', url: databaseUrl, schema }, clock }));
    venueId = await client.createVenue(venueBody(4, 10));
  });
  afterAll(async () => {
    await server?.drain();
    await dropSchema(schema);
  });

  const admin = (path: string) => client.call('GET', path, undefined, adminToken);
  let requests = 0;
  const buy = async (eventId: string, token: string, hold: Record<string, unknown>, card: string) => {
    const held = await client.hold(eventId, token, { requestId: `h${++requests}`, ...hold });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const order = await client.call(
      'POST',
      '/v1/orders',
      { holdId: held.body.holdId, requestId: `o${requests}` },
      token,
    );
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const paid = await client.call('POST', `/v1/orders/${order.body.orderId}/pay`, { paymentMethod: card }, token);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    return order.body.orderId as string;
  };

  it('answers stats: live stock by tier and section, revenue paid minus refunded, sales by minute', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Stats', startsAt: '2030-06-01T20:00:00Z', priceTiers });
    const [alice, bob] = [await client.session(), await client.session()];
    // Minute 10:00: two P seats and two GA places sold; a hold left open.
    await buy(eventId, alice.token, { seatIds: ['ORCH-1-1', 'ORCH-1-2'] }, 'pm_card_test_alice');
    await buy(eventId, bob.token, { sectionId: 'FLOOR', quantity: 2 }, 'pm_card_test_bob');
    clock.advance(60_000);
    // Minute 10:01: an S seat sold, then refunded by the admin.
    const refunded = await buy(eventId, bob.token, { seatIds: ['ORCH-4-1'] }, 'pm_card_test_bob2');
    const refund = await client.call('POST', `/v1/orders/${refunded}/refund`, { reason: 'test' }, adminToken);
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect((await client.hold(eventId, alice.token, { requestId: 'open', seatIds: ['ORCH-2-5'] })).status).toBe(201);

    const reply = await admin(`/v1/events/${eventId}/stats`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const stats = eventStatsSchema.parse(reply.body);
    expect(stats.seats).toEqual({ total: 140, available: 135, held: 1, reserved: 0, sold: 4 });
    expect(stats.sold).toBe(4);
    expect(stats.holdsActive).toBe(1);
    expect(stats.revenue).toEqual({ EUR: 2 * 12000 + 2 * 3000 });
    const tiers = Object.fromEntries(stats.byTier.map((tier) => [tier.priceTier, tier]));
    expect(tiers.P).toMatchObject({ total: 30, sold: 2, held: 1, revenue: 24000, price: 12000, currency: 'EUR' });
    expect(tiers.S).toMatchObject({ total: 10, sold: 0, available: 10, revenue: 0 });
    expect(tiers.GA).toMatchObject({ total: 100, sold: 2, revenue: 6000 });
    expect(stats.bySection.map((section) => [section.sectionId, section.name, section.sold])).toEqual([
      ['ORCH', 'Orchestra', 2],
      ['FLOOR', 'Floor', 2],
    ]);
    expect(stats.salesByMinute).toEqual([
      { minute: '2030-03-01T10:00:00.000Z', sold: 4, revenue: { EUR: 30000 } },
      { minute: '2030-03-01T10:01:00.000Z', sold: 0, revenue: { EUR: 0 } },
    ]);
    expect(stats.projection).toEqual({ version: stats.version, lagEvents: 0 });
    expect((await client.call('GET', `/v1/events/${eventId}/stats`, undefined, alice.token)).status).toBe(403);
  });

  it('tells every change of a seat with its cause, and exports the orders as CSV', async () => {
    const eventId = await client.createEvent({
      venueId,
      name: 'History',
      startsAt: '2030-06-01T20:00:00Z',
      priceTiers,
    });
    const buyer = await client.session();
    const orderId = await buy(eventId, buyer.token, { seatIds: ['ORCH-3-3'] }, 'pm_card_test_history');
    const reply = await admin(`/v1/events/${eventId}/seats/ORCH-3-3/history`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const history = seatHistorySchema.parse(reply.body);
    expect(history.changes.map((change) => [change.cause, change.status, change.userId])).toEqual([
      ['HoldPlaced', 'held', buyer.userId],
      ['HoldReserved', 'reserved', buyer.userId],
      ['ReservationSold', 'sold', buyer.userId],
    ]);
    expect(history.changes[2]?.orderId).toBe(orderId);
    expect((await admin(`/v1/events/${eventId}/seats/ORCH-3-4/history`)).body.changes).toEqual([]);
    expect((await admin(`/v1/events/${eventId}/seats/NOPE/history`)).status).toBe(404);

    const csv = await fetch(`http://127.0.0.1:${server.port}/v1/events/${eventId}/orders.csv`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('orderId,userId,status,quantity,seatIds,sectionId,amount,currency,createdAt,reservedUntil');
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(new RegExp(`^${orderId},${buyer.userId},succeeded,1,ORCH-3-3,,12000,EUR,`));
  });

  it('lists a buyer’s orders from the buyers projection at once, and a rebuild gives the same documents', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Mine', startsAt: '2030-06-01T20:00:00Z', priceTiers });
    const buyer = await client.session();
    const first = await buy(eventId, buyer.token, { seatIds: ['ORCH-2-1'] }, 'pm_card_test_mine1');
    clock.advance(1_000);
    const second = await buy(eventId, buyer.token, { seatIds: ['ORCH-2-2'] }, 'pm_card_test_mine2');
    const mine = await client.call('GET', '/v1/me/orders', undefined, buyer.token);
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.orders.map((order: { orderId: string }) => order.orderId)).toEqual([second, first]);

    await server.projections.catchUp();
    const readAll = () =>
      Promise.all([
        server.projections.docs('sales', eventId),
        server.projections.docs('buyers', buyer.userId),
        server.projections.entries('seat-history', `${eventId}/ORCH-2-1`),
      ]);
    const before = await readAll();
    // The seat was held, reserved and sold: three entries in its history.
    expect(before[2]).toHaveLength(3);
    const applied = await server.projections.rebuild();
    expect(applied).toBeGreaterThan(0);
    const after = await readAll();
    expect(after).toEqual(before);
    // Nothing left behind once the database's other transactions (other test files' schemas, server-wide) have ended.
    let status = await server.projections.status();
    for (const deadline = Date.now() + 10_000; status.some((row) => row.lagEvents > 0) && Date.now() < deadline; ) {
      await server.projections.catchUp();
      status = await server.projections.status();
    }
    expect(status.map((row) => [row.projection, row.lagEvents])).toEqual([
      ['sales', 0],
      ['seat-history', 0],
      ['buyers', 0],
    ]);
  });
});

/** PROJECTIONS_INTERVAL_MS=0: no background pass; every projection still catches up when read. */
describe('read side with the background pass off', () => {
  const clock = new ManualClock(Date.parse('2030-03-01T10:00:00Z'));
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    ({ server, client } = await startTestServer({ store: { kind: 'memory' }, clock, readSide: { intervalMs: 0 } }));
  });
  afterAll(async () => {
    await server?.drain();
  });

  it('leaves the projections behind while nobody reads them, and a read brings its projection up to date', async () => {
    const venueId = await client.createVenue(venueBody(2, 4));
    const eventId = await client.createEvent({ venueId, name: 'Off', startsAt: '2030-06-01T20:00:00Z', priceTiers });
    const buyer = await client.session();
    expect((await client.hold(eventId, buyer.token, { requestId: 'a', seatIds: ['ORCH-1-1'] })).status).toBe(201);
    // The background pass would have run many times over in this much clock time.
    for (let tick = 0; tick < 40; tick += 1) clock.advance(250);
    const lag = async () =>
      Object.fromEntries((await server.projections.status()).map((row) => [row.projection, row.lagEvents]));
    const before = await lag();
    expect(before['seat-history']).toBeGreaterThan(0);
    expect(before.sales).toBeGreaterThan(0);

    const history = await client.call('GET', `/v1/events/${eventId}/seats/ORCH-1-1/history`, undefined, adminToken);
    expect(history.status).toBe(200);
    expect(history.body.changes.map((change: { cause: string }) => change.cause)).toEqual(['HoldPlaced']);
    const after = await lag();
    expect(after['seat-history']).toBe(0);
    expect(after.sales).toBe(before.sales);
  });
});
