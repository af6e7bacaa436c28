import { createECDH, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import ece from 'http_ece';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { pushTopicOf } from '../src/notifications/webPush/webPushChannel.ts';
import { ManualClock } from '../src/platform/clock.ts';
import type { DeliveryOutcome } from '../src/services/notifications/dispatcher.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

type Received = Readonly<{ path: string; headers: IncomingMessage['headers']; body: Buffer }>;

/** A loopback HTTP endpoint that records every POST and answers with the status its mode says. */
const startEndpoint = async () => {
  const received: Received[] = [];
  let status = 201;
  const statusByPath = new Map<string, number>();
  let waiting: ((request: Received) => void)[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      received.push(entry);
      response.writeHead(statusByPath.get(entry.path) ?? status).end();
      const woken = waiting;
      waiting = [];
      for (const wake of woken) wake(entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    answer(next: number) {
      status = next;
    },
    /** This path answers `next` from now on, whatever the others answer. */
    answerPath(path: string, next: number) {
      statusByPath.set(path, next);
    },
    next: () => new Promise<Received>((resolve) => waiting.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/**
 * Web Push (the `web-push` package, to a loopback push service that decrypts what it gets) and SMS (the JSON-webhook
 * provider, to a loopback webhook) through the outbox, on a manual clock: each reaches only the buyers who gave it, a
 * webhook that keeps refusing dead-letters its notification, and an admin's retry delivers it once, to that channel
 * only; a push endpoint that is gone (410, 404) is dropped from the buyer's contact at once, not retried. Every step awaits a delivery outcome or a request, never a sleep.
 */
describe('notifications by Web Push and SMS through the outbox (loopback push service and webhook)', () => {
  const clock = new ManualClock(Date.now());
  const attemptsMax = 2;
  let push: Awaited<ReturnType<typeof startEndpoint>>;
  let sms: Awaited<ReturnType<typeof startEndpoint>>;
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let eventId: string;
  let seat = 0;
  let waiting: { key: string; resolve: (outcome: DeliveryOutcome) => void }[] = [];
  const outcomeOf = (key: string) =>
    new Promise<DeliveryOutcome>((resolve) => waiting.push({ key, resolve: (outcome) => resolve(outcome) }));

  beforeAll(async () => {
    push = await startEndpoint();
    sms = await startEndpoint();
    server = (
      await startTestServer({
        clock,
        notifications: {
          webPush: { subject: 'mailto:ops@seatactor.test' },
          sms: { url: sms.url('/sms'), timeoutMs: 2_000 },
          dispatcher: { attemptsMax, backoffBaseMs: 1_000, random: () => 1 },
          onOutcome: (outcome) => {
            const due = waiting.filter((waiter) => waiter.key === outcome.key);
            waiting = waiting.filter((waiter) => waiter.key !== outcome.key);
            for (const waiter of due) waiter.resolve(outcome);
          },
        },
      })
    ).server;
    client = api(`http://127.0.0.1:${server.port}`);
    const venueId = await client.createVenue(venueBody(5, 10));
    eventId = await client.createEvent({ venueId, name: 'Push Night', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    await server?.drain();
    await push?.close();
    await sms?.close();
  });

  /** A buyer with this contact holds a seat and orders it; `pay` pays it; `confirmed` is the confirmation's key. */
  const order = async (contact: Record<string, unknown> | undefined) => {
    const buyer = await client.session();
    if (contact !== undefined)
      expect((await client.call('PUT', '/v1/me/contact', contact, buyer.token)).status).toBe(200);
    return orderAs(buyer.token);
  };

  /** An order of one more seat by the buyer with this session. */
  const orderAs = async (token: string) => {
    const buyer = { token };
    const seatIds = [`ORCH-${Math.floor(seat / 10) + 1}-${(seat++ % 10) + 1}`];
    const hold = await client.hold(eventId, buyer.token, { seatIds, requestId: `hold-${seat}` });
    const placed = await client.call(
      'POST',
      '/v1/orders',
      { holdId: hold.body.holdId, requestId: `o-${seat}` },
      buyer.token,
    );
    expect(placed.status).toBe(201);
    const orderId: string = placed.body.orderId;
    return {
      token: buyer.token,
      confirmed: `order_confirmed:${eventId}:${orderId}`,
      // A card of its own per order: one card may buy only so many seats of an event (PURCHASE_LIMIT).
      pay: () =>
        client.call('POST', `/v1/orders/${orderId}/pay`, { paymentMethod: `pm_card_test_push${seat}` }, buyer.token),
    };
  };

  it('pushes to the subscription the buyer gave, encrypted to it, signed with the published VAPID key', async () => {
    const device = createECDH('prime256v1');
    device.generateKeys();
    const auth = randomBytes(16).toString('base64url');
    const bought = await order({
      webPush: { endpoint: push.url('/push/ada'), keys: { p256dh: device.getPublicKey('base64url'), auth } },
    });
    const pushed = push.next();
    const delivered = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    const request = await pushed;
    expect(await delivered).toMatchObject({ state: 'delivered', attempts: 1, channelsDone: ['socket', 'webPush'] });
    expect(request.path).toBe('/push/ada');
    expect(request.headers['content-encoding']).toBe('aes128gcm');
    expect(request.headers.topic).toBe(pushTopicOf(bought.confirmed));
    const { publicKey } = (await client.call('GET', '/v1/notifications/web-push-key')).body;
    expect(String(request.headers.authorization)).toContain(`k=${publicKey}`);
    const payload = JSON.parse(
      ece.decrypt(request.body, { version: 'aes128gcm', privateKey: device, authSecret: auth }).toString('utf8'),
    );
    expect(payload).toMatchObject({
      title: 'Your tickets for Push Night',
      key: bought.confirmed,
      topic: 'order_confirmed',
      notification: { key: bought.confirmed, topic: 'order_confirmed' },
    });
    expect(sms.received).toEqual([]);
  });

  it('texts the number the buyer gave through the webhook, with the key as Idempotency-Key; nothing to others', async () => {
    const pushesBefore = push.received.length;
    const bought = await order({ phone: '+4915112345678' });
    const texted = sms.next();
    const delivered = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    const request = await texted;
    expect(await delivered).toMatchObject({ state: 'delivered', channelsDone: ['socket', 'sms'] });
    expect(request.headers['idempotency-key']).toBe(bought.confirmed);
    expect(JSON.parse(request.body.toString('utf8'))).toMatchObject({
      to: '+4915112345678',
      key: bought.confirmed,
      topic: 'order_confirmed',
      text: expect.stringContaining('Push Night'),
    });
    // A buyer who gave no contact gets the socket push only.
    const quiet = await order(undefined);
    const silent = outcomeOf(quiet.confirmed);
    expect((await quiet.pay()).status).toBe(200);
    expect(await silent).toMatchObject({ state: 'delivered', channelsDone: ['socket'] });
    expect(sms.received).toHaveLength(1);
    expect(push.received).toHaveLength(pushesBefore);
  });

  it('dead-letters a text the webhook keeps refusing; an admin retry sends it once, to that channel only', async () => {
    sms.answer(503);
    const bought = await order({ phone: '+4915112345679' });
    const first = outcomeOf(bought.confirmed);
    expect((await bought.pay()).status).toBe(200);
    expect(await first).toMatchObject({ state: 'retry', attempts: 1 });
    const dead = outcomeOf(bought.confirmed);
    clock.advance(1_000);
    expect(await dead).toMatchObject({ state: 'dead', attempts: attemptsMax });
    const listed = await client.call('GET', '/v1/admin/outbox/dead', undefined, adminToken);
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ key: bought.confirmed, attempts: attemptsMax, channelsDone: ['socket'] }),
    );
    expect((await client.call('GET', '/v1/admin/outbox/dead', undefined, undefined)).status).toBe(401);

    sms.answer(200);
    const texted = sms.next();
    const delivered = outcomeOf(bought.confirmed);
    const retried = await client.call('POST', '/v1/admin/outbox/retry', { keys: [bought.confirmed] }, adminToken);
    expect(retried).toEqual({ status: 200, body: { retried: 1 } });
    await texted;
    expect(await delivered).toMatchObject({ state: 'delivered', attempts: 1, channelsDone: ['socket', 'sms'] });
    const again = await client.call('POST', '/v1/admin/outbox/retry', {}, adminToken);
    expect(again.body.retried).toBe(0);
    expect(sms.received.filter((request) => request.headers['idempotency-key'] === bought.confirmed)).toHaveLength(3);
  });
  it('drops a subscription the push service says is gone (410, 404), without retrying it, and pushes there no more', async () => {
    const device = createECDH('prime256v1');
    device.generateKeys();
    const keys = { p256dh: device.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
    for (const [path, status] of [
      ['/push/gone', 410],
      ['/push/unknown', 404],
    ] as const) {
      push.answerPath(path, status);
      const contact = { phone: '+4915112345600', webPush: { endpoint: push.url(path), keys } };
      const bought = await order(contact);
      const pushed = push.next();
      const texted = sms.next();
      const delivered = outcomeOf(bought.confirmed);
      expect((await bought.pay()).status).toBe(200);
      expect((await pushed).path).toBe(path);
      await texted;
      // Delivered at the first attempt: the SMS went, the push service's answer is final, nothing is retried.
      expect(await delivered).toMatchObject({
        state: 'delivered',
        attempts: 1,
        channelsDone: ['socket', 'sms'],
        channelsGone: ['webPush'],
      });
      const token = bought.token;
      expect((await client.call('GET', '/v1/me/contact', undefined, token)).body).toEqual({ phone: contact.phone });
      // The next notification for that buyer goes to the channels left, and not to the endpoint that is gone.
      const pushesBefore = push.received.length;
      const next = await orderAs(token);
      const again = outcomeOf(next.confirmed);
      expect((await next.pay()).status).toBe(200);
      expect(await again).toMatchObject({ state: 'delivered', attempts: 1, channelsDone: ['socket', 'sms'] });
      expect((await again).channelsGone).toBeUndefined();
      expect(push.received).toHaveLength(pushesBefore);
    }
    const metrics = await (
      await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).text();
    expect(metrics).toMatch(/^notification_addresses_gone_total\{channel="webPush"\} 2$/m);
  });
});
