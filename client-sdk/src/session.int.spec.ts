import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/startServer.ts';
import type { SessionView } from '../../src/contract/protocol.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { api, priceTiers, venueBody } from '../../test/support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../../test/support/postgres.ts';
import { freePort, type ServerProcess, startServerProcess } from '../../test/support/serverProcess.ts';
import { startTestServer } from '../../test/support/testServer.ts';
import { connect, createSession, type SeatActorClient } from './index.ts';

const sessionTtlSeconds = 60;
const fast = { reconnectionDelay: 50, reconnectionDelayMax: 200 };

describe('the SDK recovers an expired session', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let baseUrl: string;
  let rest: ReturnType<typeof api>;
  let eventId: string;
  const clients: SeatActorClient[] = [];

  beforeAll(async () => {
    ({
      server,
      baseUrl,
      client: rest,
    } = await startTestServer({
      clock,
      sessions: { sessionTtlSeconds },
      socket: { sessionSweepIntervalMs: 20 },
    }));
    const venueId = await rest.createVenue(venueBody(4, 10));
    eventId = await rest.createEvent({ venueId, name: 'Renew', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.drain();
  });

  const clientWith = (token: string, renewSession?: false) => {
    const client = connect(baseUrl, {
      token,
      ackTimeoutMs: 3_000,
      socket: fast,
      ...(renewSession === undefined ? {} : { renewSession }),
    });
    clients.push(client);
    return client;
  };

  it('renews the same buyer when the server expires its socket, reconnects, and keeps the map live and the holds its own', async () => {
    const first = await createSession(baseUrl);
    const client = clientWith(first.token);
    const sessions: SessionView[] = [];
    client.on('session', (session) => sessions.push(session));
    const map = await client.subscribe(eventId);
    const hold = await client.hold(eventId, { seatIds: ['ORCH-1-1'] });

    clock.advance(sessionTtlSeconds * 1000);
    await expect.poll(() => sessions.length).toBe(1);
    expect(sessions[0]).toMatchObject({ userId: first.userId, renewed: true });
    expect(client.token).toBe(sessions[0]!.token);
    await expect.poll(() => client.connected).toBe(true);

    // Still the same buyer: the hold taken with the old token is theirs, listed and released with the new one.
    expect(await client.myHolds({ eventId })).toEqual({ holds: [{ ...hold, eventId }] });
    await client.release(hold.holdId);
    expect(await client.myHolds()).toEqual({ holds: [] });
    const other = clientWith((await createSession(baseUrl)).token);
    await other.hold(eventId, { seatIds: ['ORCH-1-2'] });
    const restMap = await rest.seatMap(eventId);
    await expect.poll(() => map.version).toBe(restMap.version);
    expect(map.seats).toEqual(restMap.seats);
  });

  it('renews and repeats a request refused UNAUTHORIZED because the token expired under it', async () => {
    const first = await createSession(baseUrl);
    const client = clientWith(first.token);
    await client.ready();
    const sessions: SessionView[] = [];
    client.on('session', (session) => sessions.push(session));
    // Expired by the clock, but the sweep has not run yet when the request arrives, or has: either way it succeeds.
    clock.advance(sessionTtlSeconds * 1000);
    const hold = await client.hold(eventId, { seatIds: ['ORCH-2-1'] });
    expect(hold.seatIds).toEqual(['ORCH-2-1']);
    expect(sessions.map((session) => session.userId)).toEqual([first.userId]);
  });

  it('gets a new buyer for a token it cannot renew, unless renewal is turned off', async () => {
    const forged = clientWith('forged-token');
    const sessions: SessionView[] = [];
    forged.on('session', (session) => sessions.push(session));
    await forged.ready();
    expect(sessions).toEqual([expect.objectContaining({ renewed: false, userId: expect.stringMatching(/^u_/) })]);
    await forged.hold(eventId, { seatIds: ['ORCH-3-1'] });
    expect((await forged.myHolds()).holds.map((hold) => hold.seatIds)).toEqual([['ORCH-3-1']]);
    expect(await forged.myOrders()).toEqual({ orders: [] });

    const strict = clientWith('forged-token', false);
    await expect(strict.ready()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('the SDK across server restarts (real processes on one port)', () => {
  const schema = uniqueSchema('sdk_restart');
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop('SIGKILL');
    await dropSchema(schema);
  });

  it('reconnects by itself as the same buyer while the key is kept, and with a new session once the key changed', async () => {
    const port = String(await freePort());
    const env = { PORT: port, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema };
    const start = async (jwtSecret: string) => {
      const server = await startServerProcess({ ...env, JWT_SECRET: jwtSecret }, [], 120_000);
      running.push(server);
      return server;
    };
    // Empty: the key generated once and kept in the store.
    let server = await start('');
    const baseUrl = server.baseUrl;
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(2, 5));
    const eventId = await rest.createEvent({ venueId, name: 'Restart', startsAt: '2030-01-01T20:00:00Z', priceTiers });
    const first = await createSession(baseUrl);
    const client = connect(baseUrl, { token: first.token, ackTimeoutMs: 3_000, socket: fast });
    const sessions: SessionView[] = [];
    client.on('session', (session) => sessions.push(session));
    try {
      const map = await client.subscribe(eventId);
      const hold = await client.hold(eventId, { seatIds: ['ORCH-1-1'] });
      const changedElsewhere = async (seatId: string) => {
        await rest.hold(eventId, (await createSession(baseUrl)).token, { seatIds: [seatId], requestId: seatId });
        await expect.poll(() => map.seats[seatId]?.status, { timeout: 10_000 }).toBe('held');
      };

      // A drain closes every socket from the server's side, which socket.io clients do not retry by themselves.
      expect(await server.stop('SIGTERM')).toBe(0);
      server = await start('');
      await expect.poll(() => client.connected, { timeout: 30_000 }).toBe(true);
      await changedElsewhere('ORCH-1-2');
      expect(sessions).toEqual([]);
      await client.release(hold.holdId);

      // Under another key the old token is refused: the client gets a new buyer's session and carries on.
      expect(await server.stop('SIGTERM')).toBe(0);
      server = await start('another-session-key-of-at-least-32-bytes');
      await expect.poll(() => sessions.length, { timeout: 30_000 }).toBe(1);
      expect(sessions[0]).toMatchObject({ renewed: false });
      expect(sessions[0]!.userId).not.toBe(first.userId);
      await expect.poll(() => client.connected, { timeout: 30_000 }).toBe(true);
      await changedElsewhere('ORCH-1-3');
      expect((await client.hold(eventId, { seatIds: ['ORCH-2-1'] })).seatIds).toEqual(['ORCH-2-1']);
    } finally {
      client.close();
    }
  });
});
