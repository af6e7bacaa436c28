import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { openSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * Orders end to end over REST with the simulated provider. The server runs on a manual clock, so a payment
 * timeout is reached by moving the clock, not by waiting (the actor's sweep still runs on its real timer).
 */
describe('orders, payments and tickets over REST (simulated provider)', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let baseUrl: string;
  let eventId: string;

  beforeAll(async () => {
    server = (
      await startTestServer({ store: { kind: 'pglite', dataDir: undefined }, clock, actor: { sweepIntervalMs: 50 } })
    ).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    client = api(baseUrl);
    const venueId = await client.createVenue(venueBody(5, 10));
    eventId = await client.createEvent({
      venueId,
      name: 'Orders',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
      paymentTimeoutSeconds: 30,
    });
  });

  afterAll(async () => {
    await server?.drain();
  });

  const holdAndOrder = async (token: string, seatIds: string[], tag: string) => {
    const hold = await client.hold(eventId, token, { seatIds, requestId: `hold-${tag}` });
    expect(hold.status).toBe(201);
    const order = await client.call(
      'POST',
      '/v1/orders',
      { holdId: hold.body.holdId, requestId: `order-${tag}` },
      token,
    );
    expect(order.status).toBe(201);
    return { hold: hold.body, order: order.body };
  };

  it('sells two premium seats for the sum of their prices, issues two signed tickets and admits each once', async () => {
    const buyer = await client.session();
    const { hold, order } = await holdAndOrder(buyer.token, ['ORCH-1-1', 'ORCH-1-2'], 'visa');
    expect(order).toMatchObject({
      status: 'processing',
      amount: 2 * priceTiers.P.amount,
      currency: 'EUR',
      payment: { provider: 'simulated' },
    });
    expect(order.payment.clientSecret).toEqual(expect.any(String));
    expect(Date.parse(order.expiresAt) - clock.now()).toBe(30_000);
    // A retried create returns the same order (and the same payment), not a second one.
    const retried = await client.call(
      'POST',
      '/v1/orders',
      { holdId: hold.holdId, requestId: 'order-visa' },
      buyer.token,
    );
    expect(retried.body.orderId).toBe(order.orderId);
    expect(retried.body.payment.clientSecret).toBe(order.payment.clientSecret);
    expect((await client.seatMap(eventId)).seats['ORCH-1-1'].status).toBe('reserved');

    const stranger = await client.session();
    expect((await client.call('GET', `/v1/orders/${order.orderId}`, undefined, stranger.token)).body.error.code).toBe(
      'ORDER_NOT_FOUND',
    );

    const paid = await client.call(
      'POST',
      `/v1/orders/${order.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('succeeded');
    expect(paid.body.tickets).toHaveLength(2);
    const map = await client.seatMap(eventId);
    expect([map.seats['ORCH-1-1'].status, map.seats['ORCH-1-2'].status]).toEqual(['sold', 'sold']);
    const read = await client.call('GET', `/v1/orders/${order.orderId}`, undefined, buyer.token);
    expect(read.body).toMatchObject({ orderId: order.orderId, status: 'succeeded', amount: 24_000 });
    const [first, second] = read.body.tickets as { ticketId: string; seatId: string; code: string }[];

    // Offline verification: the published public key alone checks the code.
    const { body: publicKey } = await client.call('GET', '/v1/tickets/public-key');
    const verified = await compactVerify(first!.code, await importJWK(publicKey.jwk, 'EdDSA'));
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual({
      ticketId: first!.ticketId,
      eventId,
      orderId: order.orderId,
      seatId: first!.seatId,
    });

    const svg = await fetch(`${baseUrl}/v1/tickets/${first!.ticketId}/qr`, {
      headers: { authorization: `Bearer ${buyer.token}` },
    });
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('<svg');
    const png = await fetch(`${baseUrl}/v1/tickets/${first!.ticketId}/qr?format=png`, {
      headers: { authorization: `Bearer ${buyer.token}` },
    });
    expect([...new Uint8Array(await png.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(
      (
        await fetch(`${baseUrl}/v1/tickets/${first!.ticketId}/qr`, {
          headers: { authorization: `Bearer ${stranger.token}` },
        })
      ).status,
    ).toBe(404);

    const admitted = await client.call('POST', '/v1/checkins', { code: first!.code, gate: 'north' }, adminToken);
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({
      status: 'admitted',
      ticket: { ticketId: first!.ticketId, seatId: 'ORCH-1-1' },
    });
    const again = await client.call('POST', '/v1/checkins', { code: first!.code }, adminToken);
    expect([again.status, again.body.error.code]).toEqual([409, 'TICKET_ALREADY_USED']);
    // Two gates scan the second ticket at the same moment: the actor admits exactly one.
    const gates = await Promise.all(
      ['east', 'west'].map((gate) => client.call('POST', '/v1/checkins', { code: second!.code, gate }, adminToken)),
    );
    expect(gates.map((reply) => reply.status).sort()).toEqual([200, 409]);
    // A forged code: the payload changed (another seat), the signature kept.
    const [header, , signature] = first!.code.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ticketId: first!.ticketId, eventId, orderId: order.orderId, seatId: 'ORCH-1-9' }),
    ).toString('base64url');
    const forged = await client.call(
      'POST',
      '/v1/checkins',
      { code: `${header}.${forgedPayload}.${signature}` },
      adminToken,
    );
    expect([forged.status, forged.body.error.code]).toEqual([400, 'TICKET_INVALID']);
    expect((await client.call('POST', '/v1/checkins', { code: first!.code }, buyer.token)).status).toBe(403);

    const history = await client.call('GET', `/v1/orders/${order.orderId}/history`, undefined, buyer.token);
    expect((history.body.events as { type: string }[]).map((event) => event.type)).toEqual([
      'HoldPlaced',
      'OrderPlaced',
      'HoldReserved',
      'PaymentInitiated',
      'PaymentCardRecorded',
      'PaymentSucceeded',
      'ReservationSold',
      'TicketIssued',
      'TicketIssued',
      'TicketCheckedIn',
      'TicketCheckedIn',
    ]);
  });

  it("pushes every change of an order to its buyer's sockets, and to no one else's", async () => {
    const buyer = await client.session();
    const other = await client.session();
    const [mine, theirs] = await Promise.all([openSocket(baseUrl, buyer.token), openSocket(baseUrl, other.token)]);
    try {
      const pushed: { orderId: string; status: string }[] = [];
      const leaked: unknown[] = [];
      mine.on('order:updated', (update) => pushed.push(update));
      theirs.on('order:updated', (update) => leaked.push(update));
      const { order } = await holdAndOrder(buyer.token, ['ORCH-3-5'], 'pushed');
      await client.call('POST', `/v1/orders/${order.orderId}/pay`, { paymentMethod: 'pm_card_visa' }, buyer.token);
      await expect.poll(() => pushed.at(-1)?.status).toBe('succeeded');
      expect(pushed.every((update) => update.orderId === order.orderId)).toBe(true);
      expect(leaked).toEqual([]);
    } finally {
      mine.disconnect();
      theirs.disconnect();
    }
  });

  it('returns the seat to sale when the card is declined', async () => {
    const buyer = await client.session();
    const { order } = await holdAndOrder(buyer.token, ['ORCH-2-1'], 'declined');
    expect(order.amount).toBe(priceTiers.P.amount);
    const declined = await client.call(
      'POST',
      `/v1/orders/${order.orderId}/pay`,
      { paymentMethod: 'pm_card_chargeDeclined' },
      buyer.token,
    );
    expect([declined.status, declined.body.error.code]).toEqual([402, 'PAYMENT_FAILED']);
    expect((await client.call('GET', `/v1/orders/${order.orderId}`, undefined, buyer.token)).body.status).toBe(
      'failed',
    );
    expect((await client.seatMap(eventId)).seats['ORCH-4-7'].status).toBe('available');
    const other = await client.session();
    expect((await client.hold(eventId, other.token, { seatIds: ['ORCH-2-1'], requestId: 'resale' })).status).toBe(201);
  });

  it('times out an unpaid order after the payment timeout and puts its seat back on sale', async () => {
    const buyer = await client.session();
    const { order } = await holdAndOrder(buyer.token, ['ORCH-4-1'], 'unpaid');
    expect(order.amount).toBe(priceTiers.S.amount);
    // The sweep runs as the manual clock moves and posts any timeout to the actor's mailbox then; the read below
    // queues behind it, so it would see the timeout had one been due.
    clock.advance(29_000);
    expect((await client.call('GET', `/v1/orders/${order.orderId}`, undefined, buyer.token)).body.status).toBe(
      'processing',
    );
    clock.advance(1_000);
    await expect
      .poll(async () => (await client.call('GET', `/v1/orders/${order.orderId}`, undefined, buyer.token)).body.status, {
        timeout: 5_000,
      })
      .toBe('timed_out');
    expect((await client.seatMap(eventId)).seats['ORCH-4-1'].status).toBe('available');
    const late = await client.call(
      'POST',
      `/v1/orders/${order.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    expect([late.status, late.body.error.code]).toEqual([409, 'ORDER_STATE']);
  });

  it('lets an admin refund a paid order: seats back on sale, tickets void, the money refunded once', async () => {
    const buyer = await client.session();
    const { order } = await holdAndOrder(buyer.token, ['ORCH-4-7'], 'refund');
    const paid = await client.call(
      'POST',
      `/v1/orders/${order.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    const code = paid.body.tickets[0].code as string;
    const refundPath = `/v1/orders/${order.orderId}/refund`;
    expect((await client.call('POST', refundPath, {}, buyer.token)).body.error.code).toBe('FORBIDDEN');
    const refunded = await client.call('POST', refundPath, { reason: 'show moved' }, adminToken);
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ status: 'refunded', refund: { reason: 'admin' } });
    expect(refunded.body.tickets).toBeUndefined();
    expect((await client.seatMap(eventId)).seats['ORCH-4-7'].status).toBe('available');
    // The provider's refund follows the commit and is recorded on the order.
    await expect
      .poll(async () => (await client.call('GET', `/v1/orders/${order.orderId}`, undefined, buyer.token)).body.refund)
      .toMatchObject({ status: 'completed', refundId: expect.any(String) });
    expect((await client.call('POST', '/v1/checkins', { code }, adminToken)).body.error.code).toBe('TICKET_INVALID');
    const again = await client.call('POST', refundPath, {}, adminToken);
    expect([again.status, again.body.error.code]).toEqual([409, 'ORDER_STATE']);
    const history = await client.call('GET', `/v1/orders/${order.orderId}/history`, undefined, buyer.token);
    const types = (history.body.events as { type: string }[]).map((event) => event.type);
    expect(types.slice(-3)).toEqual(['SaleRefunded', 'RefundRequested', 'PaymentRefunded']);
  });

  it('validates order input with stable codes', async () => {
    const buyer = await client.session();
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [client.call('POST', '/v1/orders', { holdId: 'nodot', requestId: 'x' }, buyer.token), 400, 'INVALID_INPUT'],
      [
        client.call('POST', '/v1/orders', { holdId: `${eventId}.hold_missing`, requestId: 'x' }, buyer.token),
        404,
        'HOLD_NOT_FOUND',
      ],
      [
        client.call('POST', '/v1/orders', { holdId: 'evt_missing.hold_x', requestId: 'x' }, buyer.token),
        404,
        'HOLD_NOT_FOUND',
      ],
      [client.call('GET', `/v1/orders/${eventId}.ord_missing`, undefined, buyer.token), 404, 'ORDER_NOT_FOUND'],
      [client.call('POST', '/v1/checkins', { code: 'not-a-ticket' }, adminToken), 400, 'TICKET_INVALID'],
      [client.call('POST', '/v1/payments/stripe/webhook', {}), 404, 'NOT_FOUND'],
    ];
    for (const [reply, status, code] of cases) {
      const { status: actual, body } = await reply;
      expect({ actual, code: body.error.code }).toEqual({ actual: status, code });
    }
  });
});
