import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { jwtSecret } from './support/serverProcess.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

const sessionTtlSeconds = 60;

/**
 * Session expiry and renewal against a real server on a manual clock: tokens expire by moving the clock, and the
 * socket server's expiry checks read the same clock.
 */
describe('session expiry and renewal', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let baseUrl: string;
  let eventId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = (
      await startTestServer({
        clock,
        sessions: { sessionTtlSeconds, renewalGraceSeconds: 3_600 },
        // No sweep during these tests: a request after exp must meet the refusal, not a socket already closed.
        socket: { sessionSweepIntervalMs: 3_600_000 },
      })
    ).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    client = api(baseUrl);
    const venueId = await client.createVenue(venueBody(4, 10));
    eventId = await client.createEvent({
      venueId,
      name: 'Sessions',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
      holdTtlSeconds: 600,
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  const socketWith = async (token: string) => {
    const socket = await openSocket(baseUrl, token);
    sockets.push(socket);
    return socket;
  };
  const renew = async (token?: string) => (await client.call('POST', '/v1/sessions', undefined, token)).body;

  it('renews an expired session for the same buyer, who keeps their hold', async () => {
    const buyer = await client.session();
    const hold = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'r-1' });
    expect(hold.status).toBe(201);
    clock.advance(sessionTtlSeconds * 1000);
    const expired = await client.release(hold.body.holdId, buyer.token);
    expect(expired).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'session expired' } },
    });

    const renewed = await renew(buyer.token);
    expect(renewed).toMatchObject({ userId: buyer.userId, renewed: true });
    expect((await client.release(hold.body.holdId, renewed.token)).status).toBe(204);
  });

  it('gives a new buyer to a forged token, and to no token', async () => {
    const buyer = await client.session();
    const forged = await new SignJWT({ role: 'buyer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('seatactor')
      .setSubject(buyer.userId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-key-this-server-never-had-32-bytes!!'));
    const fromForged = await renew(forged);
    expect(fromForged.renewed).toBe(false);
    expect(fromForged.userId).not.toBe(buyer.userId);
    expect(await renew()).toMatchObject({ renewed: false, userId: expect.stringMatching(/^u_/) });
  });

  it('refuses a genuinely signed token without exp, over REST and in the socket handshake', async () => {
    const endless = await new SignJWT({ role: 'buyer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('seatactor')
      .setSubject('u_endless')
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .sign(new TextEncoder().encode(jwtSecret));
    const held = await client.hold(eventId, endless, { seatIds: ['ORCH-2-1'], requestId: 'r-endless' });
    expect(held).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    await expect(openSocket(baseUrl, endless)).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('refuses every socket request from the token’s exp on, and disconnects the socket', async () => {
    const buyer = await client.session();
    const socket = await socketWith(buyer.token);
    const told: string[] = [];
    socket.on('session:expired', (error) => told.push(error.code));
    const before = await socket
      .timeout(5_000)
      .emitWithAck('hold', { eventId, seatIds: ['ORCH-3-1'], requestId: 's-1' });
    expect(before.ok).toBe(true);

    clock.advance(sessionTtlSeconds * 1000);
    const after = await socket.timeout(5_000).emitWithAck('hold', { eventId, seatIds: ['ORCH-3-2'], requestId: 's-2' });
    expect(after).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: expect.stringContaining('expired') } });
    await expect.poll(() => socket.connected).toBe(false);
    expect(told).toEqual(['UNAUTHORIZED']);
    expect((await client.seatMap(eventId)).seats['ORCH-3-2'].status).toBe('available');

    // The renewed session reconnects as the same buyer and still owns the hold taken before the expiry.
    const renewed = await renew(buyer.token);
    const again = await socketWith(renewed.token);
    const hold = (before as { hold: { holdId: string } }).hold;
    const released = await again.timeout(5_000).emitWithAck('release', { holdId: hold.holdId, requestId: 'rel-1' });
    expect(released).toEqual({ ok: true });
  });
});

describe('the socket expiry sweep', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let baseUrl: string;

  beforeAll(async () => {
    // The sweep runs every 20 ms of the manual clock, so moving the clock past exp runs it there.
    server = (await startTestServer({ clock, sessions: { sessionTtlSeconds }, socket: { sessionSweepIntervalMs: 20 } }))
      .server;
    baseUrl = `http://127.0.0.1:${server.port}`;
  });

  afterAll(() => server?.drain());

  it('tells a silent socket its session expired and disconnects it; a fresh socket stays', async () => {
    const client = api(baseUrl);
    const idle = await openSocket(baseUrl, (await client.session()).token);
    const told: string[] = [];
    const reasons: string[] = [];
    idle.on('session:expired', (error) => told.push(error.code));
    idle.on('disconnect', (reason) => reasons.push(reason));
    clock.advance(sessionTtlSeconds * 1000 - 1_000);
    const fresh = await openSocket(baseUrl, (await client.session()).token);
    clock.advance(1_000);
    await expect.poll(() => idle.connected).toBe(false);
    expect(told).toEqual(['UNAUTHORIZED']);
    expect(reasons).toEqual(['io server disconnect']);
    expect(fresh.connected).toBe(true);
    fresh.disconnect();
  });
});
