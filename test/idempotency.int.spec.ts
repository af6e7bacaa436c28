import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { openSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * Issue #8's idempotency findings over real HTTP and sockets: a requestId reused with another payload is refused
 * 409 IDEMPOTENCY_KEY_REUSED (before: a release of hold B under hold A's requestId answered 204 and left B held; an
 * order for hold c2 under c1's requestId answered c1's order), and a transient refusal is not remembered (before: a
 * retry after the sale opened still got SALE_NOT_OPEN).
 */
describe('request ids over REST and sockets', () => {
  const clock = new ManualClock(Date.now());
  const opensAt = clock.now() + 60_000;
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let baseUrl: string;
  let eventId: string;
  let laterEventId: string;

  beforeAll(async () => {
    ({ server, client, baseUrl } = await startTestServer({ clock }));
    const venueId = await client.createVenue(venueBody(5, 10));
    const event = { venueId, name: 'Keys', startsAt: '2030-01-01T20:00:00Z', priceTiers };
    eventId = await client.createEvent(event);
    laterEventId = await client.createEvent({ ...event, saleStartsAt: new Date(opensAt).toISOString() });
  });

  afterAll(async () => {
    await server?.drain();
  });

  it('refuses a release of hold B under the requestId that released hold A, and B stays held', async () => {
    const buyer = await client.session();
    const a = await client.hold(eventId, buyer.token, { requestId: 'hold-a', seatIds: ['ORCH-1-1'] });
    const b = await client.hold(eventId, buyer.token, { requestId: 'hold-b', seatIds: ['ORCH-1-2'] });
    const releaseA = await client.call('DELETE', `/v1/holds/${a.body.holdId}?requestId=rel-1`, undefined, buyer.token);
    expect(releaseA.status).toBe(204);
    const releaseB = await client.call('DELETE', `/v1/holds/${b.body.holdId}?requestId=rel-1`, undefined, buyer.token);
    expect(releaseB).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    expect((await client.seatMap(eventId)).seats['ORCH-1-2'].status).toBe('held');
    // The same release again is a retry: its first answer.
    const again = await client.call('DELETE', `/v1/holds/${a.body.holdId}?requestId=rel-1`, undefined, buyer.token);
    expect(again.status).toBe(204);
  });

  it('refuses an order for hold c2 under the requestId of the order for c1', async () => {
    const buyer = await client.session();
    const c1 = await client.hold(eventId, buyer.token, { requestId: 'c1', seatIds: ['ORCH-2-1'] });
    const c2 = await client.hold(eventId, buyer.token, { requestId: 'c2', seatIds: ['ORCH-2-2'] });
    const first = await client.call(
      'POST',
      '/v1/orders',
      { holdId: c1.body.holdId, requestId: 'order-1' },
      buyer.token,
    );
    expect(first.status).toBe(201);
    const second = await client.call(
      'POST',
      '/v1/orders',
      { holdId: c2.body.holdId, requestId: 'order-1' },
      buyer.token,
    );
    expect(second).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    expect((await client.seatMap(eventId)).seats['ORCH-2-2'].status).toBe('held');
    const retried = await client.call(
      'POST',
      '/v1/orders',
      { holdId: c1.body.holdId, requestId: 'order-1' },
      buyer.token,
    );
    expect(retried.body.orderId).toBe(first.body.orderId);
  });

  it('refuses a hold of other seats under a used requestId, over REST and over the socket', async () => {
    const buyer = await client.session();
    const socket = await openSocket(baseUrl, buyer.token);
    try {
      const first = await client.hold(eventId, buyer.token, { requestId: 'h-1', seatIds: ['ORCH-3-1'] });
      expect(first.status).toBe(201);
      const other = await client.hold(eventId, buyer.token, { requestId: 'h-1', seatIds: ['ORCH-3-2'] });
      expect(other).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
      const overSocket = await socket
        .timeout(5_000)
        .emitWithAck('hold', { eventId, requestId: 'h-1', sectionId: 'FLOOR', quantity: 1 });
      expect(overSocket).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
      const retry = await socket
        .timeout(5_000)
        .emitWithAck('hold', { eventId, requestId: 'h-1', seatIds: ['ORCH-3-1'] });
      expect(retry).toMatchObject({ ok: true, hold: { holdId: first.body.holdId } });
    } finally {
      socket.close();
    }
  });

  it('decides a hold refused SALE_NOT_OPEN anew once the sale opens, under the same requestId', async () => {
    const buyer = await client.session();
    const early = await client.hold(laterEventId, buyer.token, { requestId: 'early', seatIds: ['ORCH-1-1'] });
    expect(early).toMatchObject({ status: 409, body: { error: { code: 'SALE_NOT_OPEN' } } });
    clock.set(opensAt);
    const opened = await client.hold(laterEventId, buyer.token, { requestId: 'early', seatIds: ['ORCH-1-1'] });
    expect(opened.status).toBe(201);
  });
});
