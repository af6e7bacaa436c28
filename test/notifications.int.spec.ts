import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import type { DeliveryOutcome } from '../src/services/notifications/dispatcher.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { type SmtpServerUnderTest, startSmtpServer } from './support/smtp.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * E-mail notifications through the outbox against a real SMTP server on loopback (smtp-server, mails parsed with
 * mailparser). The server runs on a manual clock: a retry's backoff is reached by moving the clock, and every step
 * awaits a delivery outcome or a mail, never a sleep.
 */
describe('notifications by e-mail through the outbox (PGlite, real SMTP on loopback)', () => {
  const clock = new ManualClock(Date.now());
  const attemptsMax = 3;
  let smtp: SmtpServerUnderTest;
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let eventId: string;
  let seat = 0;
  const outcomes: DeliveryOutcome[] = [];
  let waiting: { key: string; resolve: (outcome: DeliveryOutcome) => void }[] = [];
  /** The next outcome of the notification with this key. */
  const outcomeOf = (key: string) =>
    new Promise<DeliveryOutcome>((resolve) => waiting.push({ key, resolve: (outcome) => resolve(outcome) }));

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = (
      await startTestServer({
        store: { kind: 'pglite', dataDir: undefined },
        clock,
        notifications: {
          smtp: { url: smtp.url(), from: 'Seatactor <tickets@seatactor.test>', timeoutMs: 1_000 },
          dispatcher: { attemptsMax, backoffBaseMs: 1_000, random: () => 1 },
          onOutcome: (outcome) => {
            outcomes.push(outcome);
            const due = waiting.filter((waiter) => waiter.key === outcome.key);
            waiting = waiting.filter((waiter) => waiter.key !== outcome.key);
            for (const waiter of due) waiter.resolve(outcome);
          },
        },
      })
    ).server;
    client = api(`http://127.0.0.1:${server.port}`);
    const venueId = await client.createVenue(venueBody(5, 10));
    eventId = await client.createEvent({ venueId, name: 'Mail Night', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    await server?.drain();
    await smtp?.close();
  });

  /** A buyer (with this contact) holds `count` seats and orders them; returns the order and the confirmation's key. */
  const order = async (contact: Record<string, unknown> | undefined, count = 1) => {
    const buyer = await client.session();
    if (contact !== undefined)
      expect((await client.call('PUT', '/v1/me/contact', contact, buyer.token)).status).toBe(200);
    const seatIds = Array.from({ length: count }, () => `ORCH-${Math.floor(seat / 10) + 1}-${(seat++ % 10) + 1}`);
    const hold = await client.hold(eventId, buyer.token, { seatIds, requestId: `hold-${seat}` });
    expect(hold.status).toBe(201);
    const placed = await client.call(
      'POST',
      '/v1/orders',
      { holdId: hold.body.holdId, requestId: `o-${seat}` },
      buyer.token,
    );
    expect(placed.status).toBe(201);
    const orderId: string = placed.body.orderId;
    // A card of its own per order: one card's purchases across buyers are limited (PURCHASE_LIMIT), as at a real sale.
    const card = `pm_card_test_order${seat}`;
    return {
      buyer,
      orderId,
      seatIds,
      confirmed: `order_confirmed:${eventId}:${orderId}`,
      failed: `payment_failed:${eventId}:${orderId}`,
      pay: (paymentMethod = card) => client.call('POST', `/v1/orders/${orderId}/pay`, { paymentMethod }, buyer.token),
    };
  };

  it('stores where to reach the buyer, and refuses an address that is not one', async () => {
    const buyer = await client.session();
    const contact = { email: 'ada@example.com', phone: '+4915112345678' };
    expect(await client.call('PUT', '/v1/me/contact', contact, buyer.token)).toEqual({ status: 200, body: contact });
    expect((await client.call('GET', '/v1/me/contact', undefined, buyer.token)).body).toEqual(contact);
    const bad = await client.call('PUT', '/v1/me/contact', { email: 'not an address' }, buyer.token);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    expect((await client.call('PUT', '/v1/me/contact', {}, undefined)).status).toBe(401);
  });

  it('mails the confirmation once, with a QR code per ticket, signed as GET /v1/tickets/:id/qr signs it', async () => {
    const bought = await order({ email: 'ada@example.com' }, 2);
    const mail = smtp.nextMail();
    const delivered = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    const received = await mail;
    expect(await delivered).toMatchObject({ state: 'delivered', attempts: 1, channelsDone: ['socket', 'email'] });
    expect(received.subject).toBe('Your tickets for Mail Night');
    expect(received.to).toMatchObject({ text: 'ada@example.com' });
    expect(received.from?.value[0]).toMatchObject({ name: 'Seatactor', address: 'tickets@seatactor.test' });
    expect(received.text).toContain(bought.orderId);
    expect(received.attachments.map((attachment) => attachment.contentType)).toEqual(['image/png', 'image/png']);
    for (const attachment of received.attachments) expect(received.html).toContain(`cid:${attachment.cid}`);
    const ticketId = `${bought.orderId}-1`;
    const qr = await fetch(`http://127.0.0.1:${server.port}/v1/tickets/${ticketId}/qr?format=png`, {
      headers: { authorization: `Bearer ${bought.buyer.token}` },
    });
    expect(Buffer.from(await qr.arrayBuffer()).equals(received.attachments[0]!.content)).toBe(true);
    // Time passes, the dispatcher polls: nothing is sent twice.
    clock.advance(120_000);
    expect((await client.call('GET', `/v1/orders/${bought.orderId}`, undefined, bought.buyer.token)).status).toBe(200);
    expect(smtp.mailsWithKey(bought.confirmed)).toHaveLength(1);
    expect(received.messageId).toMatch(/^<[0-9a-f]{32}@seatactor\.test>$/);
  });

  it('mails a failed payment', async () => {
    const bought = await order({ email: 'bob@example.com' });
    const mail = smtp.nextMail();
    const delivered = outcomeOf(bought.failed);
    expect((await bought.pay('pm_card_chargeDeclined')).status).toBe(402);
    expect((await mail).subject).toBe('Payment failed: Mail Night');
    expect(await delivered).toMatchObject({ state: 'delivered', channelsDone: ['socket', 'email'] });
  });

  it('sends nothing to a channel the buyer did not give (the socket push alone)', async () => {
    const bought = await order(undefined);
    const delivered = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    expect(await delivered).toMatchObject({ state: 'delivered', channelsDone: ['socket'] });
    expect(smtp.mailsWithKey(bought.confirmed)).toEqual([]);
  });

  it('retries an SMTP server that refuses, and delivers once when it accepts again', async () => {
    const bought = await order({ email: 'cy@example.com' });
    smtp.setMode('refuse');
    const refused = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    expect(await refused).toMatchObject({ state: 'retry', attempts: 1, channelsDone: ['socket'] });
    expect((await refused).error).toMatch(/^email: .*451/);
    smtp.setMode('accept');
    const delivered = outcomeOf(bought.confirmed);
    clock.advance(1_000);
    expect(await delivered).toMatchObject({ state: 'delivered', attempts: 2, channelsDone: ['socket', 'email'] });
    expect(smtp.mailsWithKey(bought.confirmed)).toHaveLength(1);
  });

  it('retries an SMTP server that does not answer in time, and delivers once it does', async () => {
    const bought = await order({ email: 'dee@example.com' });
    smtp.setMode('hang');
    const timedOut = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    expect(await timedOut).toMatchObject({ state: 'retry', attempts: 1 });
    smtp.setMode('accept');
    const delivered = outcomeOf(bought.confirmed);
    clock.advance(1_000);
    expect(await delivered).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(smtp.mailsWithKey(bought.confirmed)).toHaveLength(1);
  });

  it('retries while the SMTP server is dead, and delivers once when it is back on its port', async () => {
    const bought = await order({ email: 'eve@example.com' });
    await smtp.kill();
    const refused = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    expect(await refused).toMatchObject({ state: 'retry', attempts: 1 });
    expect((await refused).error).toMatch(/ECONNREFUSED/);
    await smtp.revive();
    const delivered = outcomeOf(bought.confirmed);
    clock.advance(1_000);
    expect(await delivered).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(smtp.mailsWithKey(bought.confirmed)).toHaveLength(1);
  });

  it('dead-letters after the last attempt, and says so on /metrics', async () => {
    const bought = await order({ email: 'fay@example.com' });
    await smtp.kill();
    let next = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    expect(await next).toMatchObject({ state: 'retry', attempts: 1 });
    next = outcomeOf(bought.confirmed);
    clock.advance(1_000);
    expect(await next).toMatchObject({ state: 'retry', attempts: 2 });
    next = outcomeOf(bought.confirmed);
    clock.advance(2_000);
    expect(await next).toMatchObject({ state: 'dead', attempts: attemptsMax });
    await smtp.revive();
    clock.advance(3_600_000);
    const metrics = await (
      await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).text();
    expect(metrics).toMatch(/^outbox_depth\{state="dead"\} 1$/m);
    expect(metrics).toMatch(/^notification_dead_letters_total 1$/m);
    expect(metrics).toMatch(/^notification_send_failures_total\{channel="email"\} \d+$/m);
    expect(metrics).toMatch(/^notification_delivery_seconds_count\{channel="email"\} \d+$/m);
    expect(smtp.mailsWithKey(bought.confirmed)).toEqual([]);
  });
});
