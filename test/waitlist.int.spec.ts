import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import type { WaitlistEntryView, WaitlistOffer, WaitlistPosition } from '../src/contract/protocol.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { type SmtpServerUnderTest, startSmtpServer } from './support/smtp.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';
import { oneRowVenueBody } from './support/venues.ts';

/**
 * The waitlist end to end: a real server on PGlite (on disk, restarted), real sockets, a real SMTP server on loopback,
 * and the server's clock in the test's hands. Seats that come back become a hold for the first entry they fit, in the
 * batch that freed them; the offer is pushed (`waitlist:offer`), mailed with a link, and passed on when it lapses.
 * Nothing sleeps: every wait is for a push or a mail, and time moves when the test moves the clock.
 */
const clock = new ManualClock(Date.UTC(2026, 10, 30, 18));
const offerSeconds = 60;
/** The interval sweep never comes round in this test: only the actor's timer at the offer's deadline passes it on. */
const sweepIntervalMs = 3_600_000;

type Buyer = {
  token: string;
  userId: string;
  socket: TestSocket;
  offers: WaitlistOffer[];
  positions: WaitlistPosition[];
  entry?: WaitlistEntryView;
};

/** Resolves once `done()` holds, checked after every push any socket receives (never on a timer). */
const until = (sockets: readonly TestSocket[], done: () => boolean, what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    if (done()) return resolve();
    const timeout = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting until ${what}`));
    }, 20_000);
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

let dataDir: string | undefined;
let server: RunningServer | undefined;
let smtp: SmtpServerUnderTest | undefined;
afterAll(async () => {
  await server?.drain();
  await smtp?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('the waitlist over real sockets, e-mail and a restart', { timeout: 120_000 }, () => {
  it('offers returned seats in line: a lapse passes them on, an order accepts, two together get adjacent seats', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'seatactor-waitlist-'));
    smtp = await startSmtpServer();
    const start = () =>
      startTestServer({
        store: { kind: 'pglite', dataDir },
        clock,
        actor: { sweepIntervalMs },
        notifications: {
          smtp: { url: smtp!.url(), from: 'Seatactor <tickets@seatactor.test>', timeoutMs: 2_000 },
          publicUrl: 'https://tickets.example.test',
        },
      });
    let started = await start();
    server = started.server;
    let client = started.client;
    const venueId = await client.createVenue(oneRowVenueBody('Tiny Hall'));
    const eventId = await client.createEvent({
      venueId,
      name: 'Waitlist Night',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
      holdTtlSeconds: 600,
      waitlistOfferSeconds: offerSeconds,
    });

    const connect = async (email?: string): Promise<Buyer> => {
      const { token, userId } = await client.session();
      if (email !== undefined) expect((await client.call('PUT', '/v1/me/contact', { email }, token)).status).toBe(200);
      const buyer: Buyer = {
        token,
        userId,
        socket: await openSocket(started.baseUrl, token),
        offers: [],
        positions: [],
      };
      buyer.socket.on('waitlist:offer', (offer) => buyer.offers.push(offer));
      buyer.socket.on('waitlist:position', (position) => buyer.positions.push(position));
      return buyer;
    };
    const joinOver = async (buyer: Buyer, quantity: number, together = false, requestId = 'join') => {
      const reply = await buyer.socket
        .timeout(10_000)
        .emitWithAck('waitlist:join', { eventId, requestId, quantity, together });
      if (!reply.ok) throw new Error(`join failed: ${JSON.stringify(reply.error)}`);
      buyer.entry = reply.entry;
      return reply.entry;
    };
    const me = async (buyer: Buyer): Promise<WaitlistEntryView> =>
      (await client.call('GET', `/v1/events/${eventId}/waitlist/me`, undefined, buyer.token)).body;

    // Seats on sale: joining is refused (hold them instead).
    const [public1, public2, w1, w2, w3, w4] = [
      await connect(),
      await connect(),
      await connect('first@example.test'),
      await connect('second@example.test'),
      await connect(),
      await connect(),
    ] as [Buyer, Buyer, Buyer, Buyer, Buyer, Buyer];
    const sockets = () => [w1, w2, w3, w4].map((buyer) => buyer.socket);
    const early = await w1.socket
      .timeout(5_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'j0', quantity: 1 });
    expect(early).toMatchObject({ ok: false, error: { code: 'SEATS_AVAILABLE' } });

    // Sold out: A1 alone, A2+A3 together, A4 alone.
    const holdA1 = await client.hold(eventId, public1.token, { requestId: 'h1', seatIds: ['A1'] });
    const holdA23 = await client.hold(eventId, public2.token, { requestId: 'h2', seatIds: ['A2', 'A3'] });
    const holdA4 = await client.hold(eventId, public2.token, { requestId: 'h3', seatIds: ['A4'] });
    expect([holdA1.status, holdA23.status, holdA4.status]).toEqual([201, 201, 201]);

    // Three in line: 1 seat, 1 seat, 2 together; the REST join and the socket join speak one entry.
    expect(await joinOver(w1, 1)).toMatchObject({ state: 'waiting', position: 1, quantity: 1, together: false });
    const viaRest = await client.call(
      'POST',
      `/v1/events/${eventId}/waitlist`,
      { requestId: 'join', quantity: 1 },
      w2.token,
    );
    expect(viaRest).toMatchObject({ status: 201, body: { state: 'waiting', position: 2 } });
    w2.entry = viaRest.body;
    expect(await joinOver(w3, 2, true)).toMatchObject({ state: 'waiting', position: 3, together: true });
    // One active entry per buyer: the same join again is the same entry, another is refused.
    expect((await joinOver(w1, 1)).entryId).toBe(w1.entry!.entryId);
    const other = await w1.socket
      .timeout(5_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'j2', quantity: 2 });
    expect(other).toMatchObject({ ok: false, error: { code: 'WAITLIST_ALREADY_JOINED' } });

    // A1 comes back: in the same batch it is held for entry 1, pushed at once and mailed with a link.
    const mailed = smtp.nextMail();
    expect((await client.release(holdA1.body.holdId, public1.token)).status).toBe(204);
    await until(sockets(), () => w1.offers.length === 1, 'entry 1 was offered A1');
    const firstOffer = w1.offers[0]!;
    expect(firstOffer).toMatchObject({ eventId, entryId: w1.entry!.entryId, hold: { seatIds: ['A1'], quantity: 1 } });
    expect(Date.parse(firstOffer.hold.expiresAt)).toBe(clock.now() + offerSeconds * 1000);
    const mail = await mailed;
    expect(mail.to).toMatchObject({ text: 'first@example.test' });
    expect(mail.text).toContain('A1');
    expect(mail.text).toContain(`https://tickets.example.test/?event=${eventId}`);
    // The line moved: entries 2 and 3 hear their new places.
    await until(
      sockets(),
      () => w2.positions.at(-1)?.position === 1 && w3.positions.at(-1)?.position === 2,
      'entries 2 and 3 moved up',
    );
    // Nobody else can take an offered seat.
    const grab = await client.hold(eventId, public1.token, { requestId: 'grab', seatIds: ['A1'] });
    expect(grab.body.error.code).toBe('SEAT_UNAVAILABLE');
    expect(await me(w1)).toMatchObject({ state: 'offered', position: null, offer: { holdId: firstOffer.hold.holdId } });

    // Entry 1 ignores it: it lapses on the clock, and entry 2 is offered A1 at once (the actor keeps a timer at the
    // earliest offer's deadline), not at the next sweep of the interval.
    const lapseAt = Date.parse(firstOffer.hold.expiresAt);
    clock.set(lapseAt + 1);
    await until(sockets(), () => w2.offers.length === 1, 'entry 2 was offered A1 after the lapse');
    const secondOffer = w2.offers[0]!;
    expect(secondOffer.hold.seatIds).toEqual(['A1']);
    const offeredAt = Date.parse(secondOffer.hold.expiresAt) - offerSeconds * 1000;
    expect(offeredAt - lapseAt).toBe(1);
    expect(await me(w1)).toMatchObject({ state: 'lapsed' });
    // The lapsed offer cannot be ordered any more.
    const late = await client.call(
      'POST',
      '/v1/orders',
      { holdId: firstOffer.hold.holdId, requestId: 'late' },
      w1.token,
    );
    expect(late.status).toBeGreaterThanOrEqual(400);

    // Entry 2 accepts: an order on the offer's hold, paid.
    const placed = await client.call(
      'POST',
      '/v1/orders',
      { holdId: secondOffer.hold.holdId, requestId: 'buy' },
      w2.token,
    );
    expect(placed.status).toBe(201);
    const paid = await client.call(
      'POST',
      `/v1/orders/${placed.body.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      w2.token,
    );
    expect(paid.status).toBeLessThan(300);
    expect(await me(w2)).toMatchObject({ state: 'fulfilled', orderId: placed.body.orderId });

    // A4 alone comes back: entry 3 wants two together, so it is not offered; entry 4 (one seat) joined later is.
    expect(await joinOver(w4, 1)).toMatchObject({ state: 'waiting', position: 2 });
    expect((await client.release(holdA4.body.holdId, public2.token)).status).toBe(204);
    await until(sockets(), () => w4.offers.length === 1, 'entry 4 was offered A4');
    expect(w4.offers[0]!.hold.seatIds).toEqual(['A4']);
    expect(w3.offers).toEqual([]);

    // A restart keeps the line, the offers and the positions.
    const before = { w3: await me(w3), w4: await me(w4) };
    for (const buyer of [public1, public2, w1, w2, w3, w4]) buyer.socket.close();
    await server.drain();
    started = await start();
    server = started.server;
    client = started.client;
    expect(await me(w3)).toEqual(before.w3);
    expect(await me(w4)).toEqual(before.w4);
    w3.socket = await openSocket(started.baseUrl, w3.token);
    w3.socket.on('waitlist:offer', (offer) => w3.offers.push(offer));

    // A2+A3 come back together: entry 3 gets the two adjacent seats.
    expect((await client.release(holdA23.body.holdId, public2.token)).status).toBe(204);
    await until([w3.socket], () => w3.offers.length === 1, 'entry 3 was offered two seats together');
    expect([...w3.offers[0]!.hold.seatIds].sort()).toEqual(['A2', 'A3']);

    // Nobody was offered seats twice, and no seat is both offered and sold to someone else.
    const offers = [w1, w2, w3, w4].flatMap((buyer) => buyer.offers);
    const entries = offers.map((offer) => offer.entryId);
    expect(new Set(entries).size).toBe(entries.length);
    const map = await client.seatMap(eventId);
    expect(map.seats.A1.status).toBe('sold');
    expect(map.seats.A2.status).toBe('held');
    expect(map.seats.A3.status).toBe('held');
    expect(map.seats.A4.status).toBe('held');
    const leave = await client.call('DELETE', `/v1/waitlist/${w4.entry!.entryId}`, undefined, w4.token);
    expect(leave.status).toBe(204);
    expect(await me(w4)).toMatchObject({ state: 'left' });
    // Its offer went back: nobody waits, so A4 is on sale again.
    expect((await client.seatMap(eventId)).seats.A4.status).toBe('available');
    w3.socket.close();
  });
});

describe('waitlist positions, coalesced', { timeout: 60_000 }, () => {
  it('tells the first move at once and gathers the moves after it into one push per entry when the interval is up', async () => {
    const positionClock = new ManualClock(Date.UTC(2026, 10, 30, 18));
    const started = await startTestServer({ store: { kind: 'memory' }, clock: positionClock });
    const { client } = started;
    const line: { socket: TestSocket; positions: number[] }[] = [];
    try {
      const venueId = await client.createVenue(oneRowVenueBody('Four Seats'));
      const eventId = await client.createEvent({
        venueId,
        name: 'Coalesced',
        startsAt: '2030-01-01T20:00:00Z',
        priceTiers: { S: { amount: 5000, currency: 'EUR' } },
        waitlistOfferSeconds: 60,
      });
      const holds: { holdId: string; token: string }[] = [];
      for (const seat of ['A1', 'A2', 'A3', 'A4']) {
        const { token } = await client.session();
        const held = await client.hold(eventId, token, { requestId: seat, seatIds: [seat] });
        expect(held.status).toBe(201);
        holds.push({ holdId: held.body.holdId, token });
      }
      for (let index = 0; index < 5; index += 1) {
        const { token } = await client.session();
        const socket = await openSocket(started.baseUrl, token);
        const waiting = { socket, positions: [] as number[] };
        socket.on('waitlist:position', (push: WaitlistPosition) => waiting.positions.push(push.position));
        const joined = await socket
          .timeout(10_000)
          .emitWithAck('waitlist:join', { eventId, requestId: 'j', quantity: 1 });
        expect(joined).toMatchObject({ ok: true, entry: { position: index + 1 } });
        line.push(waiting);
      }
      const last = line[4]!;
      const sockets = line.map((waiting) => waiting.socket);

      // The first seat back: the last in line hears 5 -> 4 at once (no telling in the last interval).
      expect((await client.release(holds[0]!.holdId, holds[0]!.token)).status).toBe(204);
      await until(sockets, () => last.positions.includes(4), 'the first move was told');
      // Two more seats back at the same instant: within the interval, so they wait for it and are told together.
      expect((await client.release(holds[1]!.holdId, holds[1]!.token)).status).toBe(204);
      expect((await client.release(holds[2]!.holdId, holds[2]!.token)).status).toBe(204);
      positionClock.advance(250);
      await until(
        sockets,
        () => last.positions.at(-1) === 2 && line[3]!.positions.at(-1) === 1,
        'the gathered moves were told',
      );
      // One push for the two moves: each buyer was told 4 and then 2, never 3; the offered ones nothing more.
      expect(last.positions).toEqual([4, 2]);
      expect(line[3]!.positions).toEqual([3, 1]);
    } finally {
      for (const { socket } of line) socket.close();
      await started.server.drain();
    }
  });
});
