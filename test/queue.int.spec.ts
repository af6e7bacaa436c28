import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import type { QueueAdmitted, QueueEntryView, QueuePosition } from '../src/contract/protocol.ts';
import { verifyFairness } from '../src/domain/queue/shuffle.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { api } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { adminToken } from './support/serverProcess.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';
import { oneRowVenueBody } from './support/venues.ts';

/**
 * The waiting room end to end over real sockets, on Postgres, with the server's clock in the test's hands: 100 buyers
 * join before the opening and 50 after; nobody is admitted before it; the revealed seed recomputes the pre-queue's
 * order (and `npm run verify-shuffle` says so); holds need the admission token; positions are pushed; a restart keeps
 * every place; the sell-out reaches every waiting socket. Nothing sleeps: every wait is for an event the server
 * sends, and time moves when the test moves the clock.
 */
const run = promisify(execFile);
const schema = uniqueSchema('queue');
const clock = new ManualClock(Date.UTC(2026, 5, 1, 18));
const saleStartsAt = clock.now() + 10 * 60_000;
const tickMs = 1_000;

type Buyer = {
  token: string;
  userId: string;
  socket: TestSocket;
  entry?: QueueEntryView;
  positions: QueuePosition[];
  admitted?: QueueAdmitted;
  soldOut: boolean;
};

const start = () =>
  startTestServer({
    store: { kind: 'postgres', url: databaseUrl, schema },
    clock,
    queue: { tickMs },
  });

/** Listens for the room's pushes on a buyer's socket. */
const listen = (buyer: Buyer): void => {
  buyer.socket.on('queue:position', (push) => buyer.positions.push(push));
  buyer.socket.on('queue:admitted', (push) => {
    buyer.admitted = push;
  });
  buyer.socket.on('queue:soldout', () => {
    buyer.soldOut = true;
  });
};

/** Resolves once `done()` holds, checked after every push any socket receives (never on a timer). */
const until = (sockets: readonly TestSocket[], done: () => boolean, what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    if (done()) return resolve();
    const timeout = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting until ${what}`));
    }, 20_000);
    // Catch-all listeners run before the event's own: look once those have recorded the push.
    const check = () =>
      queueMicrotask(() => {
        if (!done()) return;
        cleanup();
        resolve();
      });
    const cleanup = () => {
      clearTimeout(timeout);
      for (const socket of sockets) socket.offAny(check);
    };
    for (const socket of sockets) socket.onAny(check);
  });

const join = async (buyer: Buyer, eventId: string): Promise<QueueEntryView> => {
  const reply = await buyer.socket.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: `join-${eventId}` });
  if (!reply.ok) throw new Error(`join failed: ${JSON.stringify(reply.error)}`);
  buyer.entry = reply.entry;
  return reply.entry;
};

let server: RunningServer | undefined;
afterAll(async () => {
  await server?.drain();
  await dropSchema(schema);
});

describe('the virtual waiting room over real sockets', { timeout: 120_000 }, () => {
  it('pre-queue shuffled from a committed seed, FIFO after, admission tokens, pushes, a restart, the sell-out', async () => {
    let started = await start();
    server = started.server;
    let client = started.client;
    const venueId = await client.createVenue(oneRowVenueBody('Tiny Hall'));
    const eventId = await client.createEvent({
      venueId,
      name: 'Flash Night',
      startsAt: new Date(saleStartsAt + 86_400_000).toISOString(),
      saleStartsAt: new Date(saleStartsAt).toISOString(),
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
      waitingRoom: { enabled: true, admittedMax: 2 },
    });
    const before = await client.call('GET', `/v1/events/${eventId}/queue/fairness`);
    expect(before.status).toBe(200);
    expect(before.body.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(before.body.seed).toBeUndefined();

    const connect = async (): Promise<Buyer> => {
      const { token, userId } = await client.session();
      const buyer: Buyer = {
        token,
        userId,
        socket: await openSocket(started.baseUrl, token),
        positions: [],
        soldOut: false,
      };
      listen(buyer);
      return buyer;
    };
    const early = await Promise.all(Array.from({ length: 100 }, connect));
    const late = await Promise.all(Array.from({ length: 50 }, connect));
    const everyone = [...early, ...late];
    const sockets = () => everyone.map((buyer) => buyer.socket);

    // 100 join before the opening: all in the pre-queue, no position, nobody admitted.
    for (const buyer of early)
      expect(await join(buyer, eventId)).toEqual({ queueId: expect.any(String), state: 'prequeue' });
    const again = await join(early[0]!, eventId);
    expect(again.queueId).toBe(early[0]!.entry!.queueId);
    const rest = await client.call('POST', `/v1/events/${eventId}/queue`, { requestId: 'r' }, early[1]!.token);
    expect(rest).toMatchObject({ status: 201, body: { queueId: early[1]!.entry!.queueId, state: 'prequeue' } });
    const stats = await client.call('GET', `/v1/events/${eventId}/queue/stats`, undefined, adminToken);
    expect(stats.body).toMatchObject({ phase: 'prequeue', waiting: 100, prequeue: 100, admitted: 0, admittedTotal: 0 });
    const tooEarly = await client.hold(eventId, early[0]!.token, { requestId: 'h0', seatIds: ['A1'] });
    expect(tooEarly.body.error.code).toBe('SALE_NOT_OPEN');

    // The opening: the actor's timer shuffles the pre-queue and admits two (two per buyer, four seats, admittedMax 2).
    clock.set(saleStartsAt + 1);
    await until(sockets(), () => everyone.filter((buyer) => buyer.admitted !== undefined).length === 2, 'two admitted');
    const admitted = everyone.filter((buyer) => buyer.admitted !== undefined);
    expect(admitted.every((buyer) => early.includes(buyer))).toBe(true);

    // The revealed seed recomputes the pre-queue's order, here and with the published verifier.
    const fairness = (await client.call('GET', `/v1/events/${eventId}/queue/fairness`)).body;
    expect(fairness.commitment).toBe(before.body.commitment);
    expect(verifyFairness(fairness)).toEqual([]);
    expect([...fairness.order].sort()).toEqual(early.map((buyer) => buyer.entry!.queueId).sort());
    const verified = await run('npx', ['tsx', 'scripts/verifyShuffle.ts', started.baseUrl, eventId]);
    expect(verified.stdout).toContain('verified');
    // Admission follows the shuffled order: the first two of it.
    expect(admitted.map((buyer) => buyer.admitted!.queueId).sort()).toEqual(fairness.order.slice(0, 2).sort());

    // 50 join after the opening: behind the pre-queue, first come first served.
    for (const buyer of late) await join(buyer, eventId);
    expect(late.map((buyer) => buyer.entry!.position)).toEqual(late.map((_, i) => 98 + i + 1));
    expect(late.every((buyer) => buyer.entry!.state === 'queued' && buyer.entry!.etaSeconds! > 0)).toBe(true);

    // Positions are pushed in rounds on the clock: every buyer in line hears their place.
    const waiting = everyone.filter((buyer) => buyer.admitted === undefined);
    const placeOf = async (buyer: Buyer) =>
      (await client.call('GET', `/v1/events/${eventId}/queue/me`, undefined, buyer.token)).body as QueueEntryView;
    const heard = () => waiting.every((buyer) => buyer.positions.length > 0);
    clock.advance(tickMs);
    await until(sockets(), heard, 'every buyer in line heard their position');
    for (const buyer of waiting) expect(buyer.positions.at(-1)!.position).toBe((await placeOf(buyer)).position);
    expect(new Set(waiting.map((buyer) => buyer.positions.at(-1)!.position)).size).toBe(148);
    // The round that pushed the positions sampled the room for /metrics too.
    const metricsPage = await fetch(`${started.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const text = await metricsPage.text();
    expect(text).toContain(`queue_waiting{event="${eventId}"} 148`);
    expect(text).toContain(`queue_admitted{event="${eventId}"} 2`);
    expect(text).toMatch(/^queue_joins_total 150$/m);
    expect(text).toMatch(/^queue_admissions_total 2$/m);

    // Holds: without a token NOT_ADMITTED (REST and socket), with another buyer's token too, with one's own accepted.
    const [first, second] = admitted as [Buyer, Buyer];
    const refused = await client.hold(eventId, waiting[0]!.token, { requestId: 'h1', seatIds: ['A1'] });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'NOT_ADMITTED' } } });
    const borrowed = await client.hold(eventId, waiting[0]!.token, {
      requestId: 'h2',
      seatIds: ['A1'],
      admissionToken: first.admitted!.token,
    });
    expect(borrowed).toMatchObject({ status: 403, body: { error: { code: 'NOT_ADMITTED' } } });
    const overSocket = await waiting[1]!.socket
      .timeout(5_000)
      .emitWithAck('hold', { eventId, requestId: 'h3', seatIds: ['A1'] });
    expect(overSocket).toMatchObject({ ok: false, error: { code: 'NOT_ADMITTED' } });
    const held = await client.hold(eventId, first.token, {
      requestId: 'h4',
      seatIds: ['A1', 'A2'],
      admissionToken: first.admitted!.token,
    });
    expect(held.status).toBe(201);

    // A restart mid-queue keeps every place (and every admission: its token verifies with the kept key).
    const places = await Promise.all(everyone.map(placeOf));
    for (const buyer of everyone) buyer.socket.close();
    await server.drain();
    started = await start();
    server = started.server;
    client = api(started.baseUrl);
    expect(await Promise.all(everyone.map(placeOf))).toEqual(places);
    expect((await client.call('GET', `/v1/events/${eventId}/queue/fairness`)).body).toEqual(fairness);

    // Everyone reconnects and joins again (the same entry), so the sell-out reaches their sockets.
    for (const buyer of everyone) {
      buyer.socket = await openSocket(started.baseUrl, buyer.token);
      listen(buyer);
      const entry = await join(buyer, eventId);
      expect(entry.queueId).toBe(places[everyone.indexOf(buyer)]!.queueId);
    }
    const secondHold = await second.socket
      .timeout(5_000)
      .emitWithAck('hold', { eventId, requestId: 'h5', seatIds: ['A3', 'A4'], admissionToken: second.admitted!.token });
    if (!secondHold.ok) throw new Error(`hold with a token refused: ${JSON.stringify(secondHold.error)}`);
    for (const [buyer, requestId, holdId] of [
      [first, 'h4', held.body.holdId as string],
      [second, 'h5', secondHold.hold.holdId],
    ] as const) {
      const order = await client.call('POST', '/v1/orders', { holdId, requestId: `o-${requestId}` }, buyer.token);
      expect(order.status).toBe(201);
      const paid = await client.call(
        'POST',
        `/v1/orders/${order.body.orderId}/pay`,
        { paymentMethod: 'pm_card_visa' },
        buyer.token,
      );
      expect(paid.status).toBeLessThan(300);
    }

    // Sold: the next tick tells everyone still waiting at once.
    const stillWaiting = everyone.filter((buyer) => buyer !== first && buyer !== second);
    clock.advance(tickMs);
    await until(
      sockets(),
      () => stillWaiting.every((buyer) => buyer.soldOut),
      'everyone waiting hears of the sell-out',
    );
    expect((await placeOf(stillWaiting[0]!)).state).toBe('soldout');
    for (const buyer of everyone) buyer.socket.close();
  });
});
