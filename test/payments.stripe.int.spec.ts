import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { createLogger } from '../src/platform/logger.ts';
import { startFakeStripe } from './stripe/fakeStripe.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { startTestServer } from './support/testServer.ts';

const webhookSecret = 'whsec_test_secret';

/**
 * The real `stripe` package against a Stripe-compatible fake on loopback, with webhooks signed as Stripe signs
 * them. The test plays the browser's part (Stripe.js confirming with the client secret) with the same package.
 */
describe('payments through Stripe (fake Stripe on loopback)', () => {
  const clock = new ManualClock(Date.now());
  let fake: Awaited<ReturnType<typeof startFakeStripe>>;
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let browser: Stripe;
  let eventId: string;
  let seat = 0;
  const warnings: object[] = [];

  beforeAll(async () => {
    fake = await startFakeStripe(webhookSecret);
    server = (
      await startTestServer({
        store: { kind: 'pglite', dataDir: undefined },
        clock,
        actor: { sweepIntervalMs: 50 },
        payments: { provider: 'stripe', secretKey: 'sk_test_fake', webhookSecret, apiBase: fake.url },
        // Warnings are kept, so a test can see that a rejected payment is logged for an operator.
        logger: createLogger('warn', {
          write: (line: string) => {
            const entry = JSON.parse(line) as { level: number };
            if (entry.level === 40) warnings.push(entry);
          },
        }),
      })
    ).server;
    fake.setWebhookUrl(`http://127.0.0.1:${server.port}/v1/payments/stripe/webhook`);
    client = api(`http://127.0.0.1:${server.port}`);
    browser = new Stripe('pk_test_fake', { host: '127.0.0.1', port: Number(new URL(fake.url).port), protocol: 'http' });
    const venueId = await client.createVenue(venueBody(5, 10));
    eventId = await client.createEvent({
      venueId,
      name: 'Stripe',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
      paymentTimeoutSeconds: 30,
    });
  });

  afterAll(async () => {
    await server?.drain();
    await fake?.close();
  });

  const order = async (tag: string) => {
    const buyer = await client.session();
    const seatId = `ORCH-5-${++seat}`;
    const hold = await client.hold(eventId, buyer.token, { seatIds: [seatId], requestId: `h-${tag}` });
    const placed = await client.call(
      'POST',
      '/v1/orders',
      { holdId: hold.body.holdId, requestId: `o-${tag}` },
      buyer.token,
    );
    expect(placed.status).toBe(201);
    const read = async () =>
      (await client.call('GET', `/v1/orders/${placed.body.orderId}`, undefined, buyer.token)).body;
    const paymentId = (await read()).payment.paymentId as string;
    return { buyer, seatId, hold: hold.body, placed: placed.body, paymentId, read };
  };
  const statusOf = async (seatId: string) => (await client.seatMap(eventId)).seats[seatId].status;

  it('tells pages Stripe takes payments, without Stripe.js settings while no publishable key is configured', async () => {
    const config = await client.call('GET', '/v1/payments/config');
    expect(config.status).toBe(200);
    expect(config.body).toEqual({ provider: 'stripe' });
  });

  it('sells the seat on payment_intent.succeeded', async () => {
    const { placed, paymentId, read, seatId } = await order('ok');
    expect(placed.payment).toEqual({ provider: 'stripe', clientSecret: fake.intents.get(paymentId)!.client_secret });
    expect(fake.intents.get(paymentId)).toMatchObject({
      amount: priceTiers.S.amount,
      currency: 'eur',
      metadata: { orderId: placed.orderId },
    });
    await browser.paymentIntents.confirm(paymentId, { payment_method: 'pm_card_visa' });
    await expect.poll(async () => (await read()).status).toBe('succeeded');
    expect((await read()).tickets).toHaveLength(1);
    expect(await statusOf(seatId)).toBe('sold');
  });

  it('puts the seat back on sale on payment_intent.payment_failed', async () => {
    const { paymentId, read, seatId } = await order('declined');
    await browser.paymentIntents.confirm(paymentId, { payment_method: 'pm_card_chargeDeclined' });
    await expect.poll(async () => (await read()).status).toBe('failed');
    expect(await statusOf(seatId)).toBe('available');
  });

  it('cancels the PaymentIntent of an order that times out unpaid', async () => {
    const { paymentId, read, seatId } = await order('unpaid');
    clock.advance(30_000);
    await expect.poll(async () => (await read()).status).toBe('timed_out');
    expect(await statusOf(seatId)).toBe('available');
    await expect.poll(() => fake.intents.get(paymentId)!.status).toBe('canceled');
  });

  it('refunds a success that arrives after the timeout, and never sells the seat', async () => {
    const { paymentId, read, seatId, placed, buyer } = await order('late');
    await browser.paymentIntents.confirm(paymentId, { payment_method: 'pm_card_slow' });
    clock.advance(30_000);
    await expect.poll(async () => (await read()).status).toBe('timed_out');
    // The intent is processing, so the cancel is refused; meanwhile someone else buys the released seat.
    const other = await client.session();
    expect((await client.hold(eventId, other.token, { seatIds: [seatId], requestId: 'resale' })).status).toBe(201);
    await fake.complete(paymentId);
    await expect.poll(async () => (await read()).refund?.status).toBe('completed');
    expect(await read()).toMatchObject({ status: 'refunded', refund: { reason: 'late_payment' } });
    expect((await read()).tickets).toBeUndefined();
    expect(fake.refunds.filter((refund) => refund.paymentIntent === paymentId)).toEqual([
      { id: expect.any(String), paymentIntent: paymentId, amount: priceTiers.S.amount },
    ]);
    expect(await statusOf(seatId)).toBe('held');
    const history = await client.call('GET', `/v1/orders/${placed.orderId}/history`, undefined, buyer.token);
    expect((history.body.events as { type: string }[]).map((event) => event.type).slice(-5)).toEqual([
      'PaymentTimedOut',
      'ReservationReleased',
      'PaymentSucceeded',
      'RefundRequested',
      'PaymentRefunded',
    ]);
  });

  it('applies a duplicate webhook once and ignores a failure delivered after the success', async () => {
    const { paymentId, read, placed, buyer } = await order('dup');
    await browser.paymentIntents.confirm(paymentId, { payment_method: 'pm_card_visa' });
    await expect.poll(async () => (await read()).status).toBe('succeeded');
    const succeeded = fake.events.find(
      (event) => event.type === 'payment_intent.succeeded' && (event.data.object as { id: string }).id === paymentId,
    )!;
    expect(await fake.redeliver(succeeded)).toBe(200);
    expect(await fake.redeliver(succeeded)).toBe(200);
    // An older failure of the same intent, arriving late (out of order), under its own event id.
    const failed = { ...succeeded, id: 'evt_stale_failure', type: 'payment_intent.payment_failed' };
    expect(await fake.redeliver(failed)).toBe(200);
    const view = await read();
    expect(view.status).toBe('succeeded');
    expect(view.tickets).toHaveLength(1);
    const history = await client.call('GET', `/v1/orders/${placed.orderId}/history`, undefined, buyer.token);
    expect(
      (history.body.events as { type: string }[]).filter((event) => event.type === 'PaymentSucceeded'),
    ).toHaveLength(1);
    expect(fake.charges.filter((charge) => charge.paymentIntent === paymentId)).toHaveLength(1);
  });

  it('creates one PaymentIntent and one charge however often the order is retried', async () => {
    const buyer = await client.session();
    const hold = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-4-9'], requestId: 'h-retry' });
    const before = fake.intents.size;
    const tries = await Promise.all(
      [1, 2, 3].map(() =>
        client.call('POST', '/v1/orders', { holdId: hold.body.holdId, requestId: 'o-retry' }, buyer.token),
      ),
    );
    expect(new Set(tries.map((reply) => reply.body.orderId)).size).toBe(1);
    expect(new Set(tries.map((reply) => reply.body.payment.clientSecret)).size).toBe(1);
    expect(fake.intents.size - before).toBe(1);
    const orderId = tries[0]!.body.orderId as string;
    const paid = await client.call('POST', `/v1/orders/${orderId}/pay`, { paymentMethod: 'pm_card_visa' }, buyer.token);
    expect(paid.status).toBeLessThan(300);
    await expect
      .poll(async () => (await client.call('GET', `/v1/orders/${orderId}`, undefined, buyer.token)).body.status)
      .toBe('succeeded');
    const paymentId = (await client.call('GET', `/v1/orders/${orderId}`, undefined, buyer.token)).body.payment
      .paymentId;
    expect(fake.charges.filter((charge) => charge.paymentIntent === paymentId)).toHaveLength(1);
  });

  it('refunds a signed success for another amount, logs it, and never sells the seat', async () => {
    const { paymentId, read, seatId, placed, buyer } = await order('wrong-amount');
    // Stripe lets whoever holds the secret key change an intent's amount before it is confirmed.
    await browser.paymentIntents.update(paymentId, { amount: 100 });
    await browser.paymentIntents.confirm(paymentId, { payment_method: 'pm_card_visa' });
    await expect.poll(async () => (await read()).refund?.status).toBe('completed');
    expect(await read()).toMatchObject({ status: 'refunded', refund: { reason: 'payment_rejected' } });
    expect((await read()).tickets).toBeUndefined();
    // What was taken goes back, not the order's price.
    expect(fake.refunds.filter((refund) => refund.paymentIntent === paymentId)).toEqual([
      { id: expect.any(String), paymentIntent: paymentId, amount: 100 },
    ]);
    expect(await statusOf(seatId)).toBe('available');
    const history = await client.call('GET', `/v1/orders/${placed.orderId}/history`, undefined, buyer.token);
    const events = history.body.events as { type: string; data: Record<string, unknown> }[];
    expect(events.map((event) => event.type).slice(-4)).toEqual([
      'PaymentRejected',
      'ReservationReleased',
      'RefundRequested',
      'PaymentRefunded',
    ]);
    expect(events.at(-4)!.data).toMatchObject({
      reason: 'amount_mismatch',
      expected: { amount: priceTiers.S.amount, currency: 'EUR' },
      received: { amount: 100, currency: 'EUR' },
    });
    expect(warnings).toContainEqual(
      expect.objectContaining({
        orderId: placed.orderId,
        reason: 'amount_mismatch',
        received: { amount: 100, currency: 'EUR' },
      }),
    );
  });

  it('refunds a signed success in another currency, even for the same number', async () => {
    const { paymentId, read, seatId } = await order('wrong-currency');
    await browser.paymentIntents.update(paymentId, { currency: 'usd' });
    await browser.paymentIntents.confirm(paymentId, { payment_method: 'pm_card_visa' });
    await expect.poll(async () => (await read()).refund?.status).toBe('completed');
    expect(await read()).toMatchObject({ status: 'refunded', refund: { reason: 'payment_rejected' } });
    expect(fake.refunds.filter((refund) => refund.paymentIntent === paymentId)).toEqual([
      { id: expect.any(String), paymentIntent: paymentId, amount: priceTiers.S.amount },
    ]);
    expect(await statusOf(seatId)).toBe('available');
  });

  it('rejects a webhook whose signature does not verify', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/v1/payments/stripe/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=deadbeef' },
      body: JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded', data: { object: {} } }),
    });
    expect(response.status).toBe(400);
  });

  describe('purchase limit per card (the event allows 5 seats a buyer, card and household)', () => {
    /** A new buyer orders `seatIds` (in rows 1 and 2, which no other test uses). */
    const orderSeats = async (seatIds: string[], tag: string) => {
      const buyer = await client.session();
      const hold = await client.hold(eventId, buyer.token, { seatIds, requestId: `h-${tag}` });
      expect(hold.status).toBe(201);
      const placed = await client.call(
        'POST',
        '/v1/orders',
        { holdId: hold.body.holdId, requestId: `o-${tag}` },
        buyer.token,
      );
      expect(placed.status).toBe(201);
      const read = async () =>
        (await client.call('GET', `/v1/orders/${placed.body.orderId}`, undefined, buyer.token)).body;
      const paymentId = (await read()).payment.paymentId as string;
      return { buyer, placed: placed.body, paymentId, read };
    };

    it('refuses PURCHASE_LIMIT before confirming when the server pays with a card over its limit', async () => {
      const first = await orderSeats(['ORCH-1-1', 'ORCH-1-2', 'ORCH-1-3'], 'card-1');
      const paid = await client.call(
        'POST',
        `/v1/orders/${first.placed.orderId}/pay`,
        { paymentMethod: 'pm_card_visa_debit' },
        first.buyer.token,
      );
      expect(paid.status).toBeLessThan(300);
      await expect.poll(async () => (await first.read()).status).toBe('succeeded');
      const second = await orderSeats(['ORCH-1-4', 'ORCH-1-5', 'ORCH-1-6'], 'card-2');
      const refused = await client.call(
        'POST',
        `/v1/orders/${second.placed.orderId}/pay`,
        { paymentMethod: 'pm_card_visa_debit' },
        second.buyer.token,
      );
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('PURCHASE_LIMIT');
      // Stripe was never asked to charge the card: the intent still waits for a payment method.
      expect(fake.intents.get(second.paymentId)!.status).toBe('requires_payment_method');
      expect((await second.read()).status).toBe('processing');
    });

    it('refunds a success confirmed in the browser with a card over its limit, and never sells the seats', async () => {
      const first = await orderSeats(['ORCH-2-1', 'ORCH-2-2', 'ORCH-2-3'], 'browser-1');
      await browser.paymentIntents.confirm(first.paymentId, { payment_method: 'pm_card_mastercard' });
      await expect.poll(async () => (await first.read()).status).toBe('succeeded');
      const second = await orderSeats(['ORCH-2-4', 'ORCH-2-5', 'ORCH-2-6'], 'browser-2');
      await browser.paymentIntents.confirm(second.paymentId, { payment_method: 'pm_card_mastercard' });
      await expect.poll(async () => (await second.read()).refund?.status).toBe('completed');
      expect(await second.read()).toMatchObject({ status: 'refunded', refund: { reason: 'purchase_limit' } });
      expect((await second.read()).tickets).toBeUndefined();
      expect(await statusOf('ORCH-2-4')).toBe('available');
      expect(fake.refunds.filter((refund) => refund.paymentIntent === second.paymentId)).toHaveLength(1);
    });
  });
});
