import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import type { SeatMapDiff } from '../src/contract/protocol.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { observe, openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

describe('socket.io API on uWebSockets.js', () => {
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let baseUrl: string;
  let venueId: string;
  const sockets: TestSocket[] = [];
  const socketOf = async () => {
    const socket = await openSocket(baseUrl, (await client.session()).token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    server = (await startTestServer()).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    client = api(baseUrl);
    venueId = await client.createVenue(venueBody(10, 20));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  it('grants each seat to at most one of 200 socket buyers, and 20 observers end with exactly the REST map and no gap', async () => {
    const eventId = await client.createEvent({
      venueId,
      name: 'Socket flash',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
    });
    const observers = await Promise.all(Array.from({ length: 20 }, async () => observe(await socketOf(), eventId)));
    const seed = Number(process.env.SIM_SEED ?? 11);
    const random = seeded(seed);
    const hotSeats = Array.from({ length: 40 }, (_, i) => `ORCH-${Math.floor(i / 20) + 1}-${(i % 20) + 1}`);
    const buyers = await Promise.all(Array.from({ length: 200 }, () => socketOf()));
    const replies = await Promise.all(
      buyers.map((socket, i) => {
        const first = hotSeats[Math.floor(random() * hotSeats.length)]!;
        let second = hotSeats[Math.floor(random() * hotSeats.length)]!;
        if (second === first) second = hotSeats[(hotSeats.indexOf(first) + 1) % hotSeats.length]!;
        // Every fourth buyer also takes general admission, so GA counters stream too.
        const request = i % 4 === 3 ? { sectionId: 'FLOOR', quantity: 1 } : { seatIds: [first, second] };
        return socket.timeout(10_000).emitWithAck('hold', { eventId, requestId: `s-${i}`, ...request });
      }),
    );
    const granted = new Set<string>();
    let gaHolds = 0;
    for (const reply of replies) {
      if (!reply.ok) {
        expect(reply.error.code, `seed ${seed}`).toBe('SEAT_UNAVAILABLE');
        continue;
      }
      if (reply.hold.seatIds.length === 0) gaHolds += 1;
      for (const seatId of reply.hold.seatIds) {
        expect(granted.has(seatId), `seed ${seed}: ${seatId} acknowledged twice`).toBe(false);
        granted.add(seatId);
      }
    }
    expect(granted.size).toBeGreaterThan(0);
    expect(gaHolds).toBe(50);
    const rest = await client.seatMap(eventId);
    for (const observer of observers) {
      await expect.poll(() => observer.version, { timeout: 5_000 }).toBe(rest.version);
      expect(observer.gaps).toEqual([]);
      expect(observer.seats).toEqual(rest.seats);
      expect(observer.general).toEqual(rest.general);
    }
    const held = Object.entries(rest.seats as Record<string, { status: string }>).filter(
      ([, seat]) => seat.status === 'held',
    );
    expect(held.map(([seatId]) => seatId).sort()).toEqual([...granted].sort());
  });

  it('pushes an expiry to every observer within 2 s of it, with nobody reading', async () => {
    const eventId = await client.createEvent({
      venueId,
      name: 'Socket expiry',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
      holdTtlSeconds: 10,
    });
    const observers = await Promise.all(Array.from({ length: 5 }, async () => observe(await socketOf(), eventId)));
    const buyer = await socketOf();
    const reply = await buyer
      .timeout(5_000)
      .emitWithAck('hold', { eventId, requestId: 'exp-1', seatIds: ['ORCH-9-1', 'ORCH-9-2'] });
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    const expiresAtMs = Date.parse(reply.hold.expiresAt);
    const seen = await Promise.all(
      observers.map(
        (observer) =>
          new Promise<number>((resolve) => {
            const timer = setInterval(() => {
              if (
                observer.seats['ORCH-9-1']?.status === 'available' &&
                observer.seats['ORCH-9-2']?.status === 'available'
              ) {
                clearInterval(timer);
                resolve(Date.now());
              }
            }, 20);
          }),
      ),
    );
    for (const at of seen) {
      expect(at).toBeGreaterThanOrEqual(expiresAtMs);
      expect(at - expiresAtMs).toBeLessThan(2_000);
    }
    for (const observer of observers) expect(observer.gaps).toEqual([]);
  }, 20_000);

  it('resumes from a version: the missed diffs when it has them, a fresh map otherwise', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Resume', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const socket = await socketOf();
    const first = await socket.timeout(5_000).emitWithAck('subscribe', { eventId });
    if (!first.ok || first.seatMap === undefined) throw new Error('subscribe failed');
    for (const [i, seatId] of ['ORCH-4-1', 'ORCH-4-2', 'ORCH-4-3'].entries()) {
      await socket.timeout(5_000).emitWithAck('hold', { eventId, requestId: `r-${i}`, seatIds: [seatId] });
    }
    const resumed = await socket
      .timeout(5_000)
      .emitWithAck('subscribe', { eventId, sinceVersion: first.seatMap.version });
    if (!resumed.ok || resumed.diffs === undefined) throw new Error(`expected diffs: ${JSON.stringify(resumed)}`);
    expect(resumed.diffs.map((diff: SeatMapDiff) => diff.changes[0]?.seatId)).toEqual([
      'ORCH-4-1',
      'ORCH-4-2',
      'ORCH-4-3',
    ]);
    expect(resumed.diffs[0]!.fromVersion).toBe(first.seatMap.version);
    expect(resumed.version).toBe((await client.seatMap(eventId)).version);
    const current = await socket.timeout(5_000).emitWithAck('subscribe', { eventId, sinceVersion: resumed.version });
    expect(current.ok && current.diffs).toEqual([]);
    const ahead = await socket
      .timeout(5_000)
      .emitWithAck('subscribe', { eventId, sinceVersion: resumed.version + 1_000 });
    expect(ahead.ok && ahead.seatMap?.version).toBe(resumed.version);
  });

  it('answers malformed requests with INVALID_INPUT, never a crash or silence', async () => {
    const eventId = await client.createEvent({
      venueId,
      name: 'Malformed',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
    });
    const socket = await socketOf();
    // biome-ignore lint/suspicious/noExplicitAny: the point is to send what the types forbid.
    const raw = socket.timeout(5_000) as any;
    const cases: [string, unknown][] = [
      ['subscribe', null],
      ['subscribe', { eventId: '../etc' }],
      ['subscribe', { eventId, sinceVersion: -1 }],
      ['subscribe', 'evt'],
      ['hold', { eventId, requestId: 'm1', seatIds: 'ORCH-1-1' }],
      ['hold', { eventId, requestId: 'm2' }],
      ['hold', { requestId: 'm3', seatIds: ['ORCH-1-1'] }],
      ['hold', { eventId, requestId: 'm4', seatIds: ['ORCH-1-1'], sectionId: 'FLOOR', quantity: 1 }],
      ['hold', 42],
      ['release', { holdId: 'nope' }],
      ['release', { holdId: 'evt.x', requestId: 7 }],
      ['unsubscribe', []],
    ];
    for (const [event, payload] of cases) {
      const reply = await raw.emitWithAck(event, payload);
      expect(reply, `${event} ${JSON.stringify(payload)}`).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT' },
      });
    }
    expect(await raw.emitWithAck('subscribe')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    // Without an ack the answer comes as a `request:error` push.
    const pushed = new Promise((resolve) => socket.once('request:error', resolve));
    // biome-ignore lint/suspicious/noExplicitAny: no ack on purpose.
    (socket as any).emit('hold', { eventId });
    expect(await pushed).toMatchObject({ event: 'hold', error: { code: 'INVALID_INPUT' } });
    // Domain errors keep their codes, and the connection keeps serving.
    expect(await raw.emitWithAck('subscribe', { eventId: 'evt_missing' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await raw.emitWithAck('release', { holdId: `${eventId}.hold_x`, requestId: 'r' })).toMatchObject({
      ok: false,
      error: { code: 'HOLD_NOT_FOUND' },
    });
    expect(await raw.emitWithAck('subscribe', { eventId })).toMatchObject({ ok: true });
    expect(socket.connected).toBe(true);
  });

  it('answers an event that no handler serves with NOT_FOUND, through its ack or as a request:error push', async () => {
    const socket = await socketOf();
    // biome-ignore lint/suspicious/noExplicitAny: the point is to send what the types forbid.
    const raw = socket.timeout(5_000) as any;
    for (const event of ['holdd', 'toString', '__proto__', 'queue:nope', '\ud800']) {
      expect(await raw.emitWithAck(event, { eventId: 'x' }), event).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    }
    const pushed = new Promise((resolve) => socket.once('request:error', resolve));
    // biome-ignore lint/suspicious/noExplicitAny: no ack on purpose.
    (socket as any).emit('no-such-event', 1);
    expect(await pushed).toMatchObject({ event: 'no-such-event', error: { code: 'INVALID_INPUT' } });
    expect(socket.connected).toBe(true);
  });

  it('refuses a handshake without a valid session token', async () => {
    await expect(openSocket(baseUrl, 'not-a-token')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(openSocket(baseUrl, adminToken)).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('rate-limits one connection with RATE_LIMITED and leaves others alone', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Flood', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const [flooder, bystander] = [await socketOf(), await socketOf()];
    const replies = await Promise.all(
      Array.from({ length: 120 }, () => flooder.timeout(5_000).emitWithAck('subscribe', { eventId })),
    );
    const limited = replies.filter((reply) => !reply.ok && reply.error.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    expect(replies.length - limited.length).toBeLessThanOrEqual(50);
    expect(await bystander.timeout(5_000).emitWithAck('subscribe', { eventId })).toMatchObject({ ok: true });
  });

  it('pushes to every socket of one user through notifyUser', async () => {
    const buyer = await client.session();
    const [a, b, other] = [
      await openSocket(baseUrl, buyer.token),
      await openSocket(baseUrl, buyer.token),
      await socketOf(),
    ];
    sockets.push(a, b);
    const received = (socket: TestSocket) => new Promise((resolve) => socket.once('order:updated', resolve));
    const otherGot: unknown[] = [];
    other.on('order:updated', (update) => otherGot.push(update));
    const both = Promise.all([received(a), received(b)]);
    server.sockets.notifyUser(buyer.userId, 'order:updated', { orderId: 'ord_1', status: 'paid' });
    expect(await both).toEqual([
      { orderId: 'ord_1', status: 'paid' },
      { orderId: 'ord_1', status: 'paid' },
    ]);
    expect(otherGot).toEqual([]);
  });
});
