import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  createSession,
  type SeatActorClient,
  SeatActorError,
  solveInProcess,
} from '../client-sdk/src/index.ts';
import type { RunningServer } from '../src/app/startServer.ts';
import type { api } from './support/api.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * The anti-bot stages over real REST and sockets (proof of work, limits that follow the person), against real Redis when
 * REDIS_URL is set (spent solutions are claimed there, as every node of a cluster would), in memory otherwise.
 */
const redisUrl = process.env.REDIS_URL;
const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const venue = {
  name: 'Small Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated' as const,
      rows: [
        {
          id: 'A',
          seats: [
            { id: 'A1', priceTier: 'S' },
            { id: 'A2', priceTier: 'S' },
          ],
        },
      ],
    },
  ],
};

const challengeOf = (body: { error?: { code?: string; challenge?: unknown } }) => {
  expect(body.error?.code).toBe('CHALLENGE_REQUIRED');
  expect(body.error?.challenge).toBeDefined();
  return body.error?.challenge as Parameters<typeof solveInProcess>[0];
};

describe('proof of work (ANTIBOT on)', () => {
  let server: RunningServer;
  let baseUrl: string;
  let rest: ReturnType<typeof api>;
  const clients: SeatActorClient[] = [];
  /** A session minted the way an SDK user does: the SDK solves the challenge by itself. */
  const session = () => createSession(baseUrl);

  beforeAll(async () => {
    const started = await startTestServer({
      antibot: { pow: { policy: { difficultyMin: 2_000, freeSolutionsPerAddress: 1_000 } } },
      ...(redisUrl === undefined ? {} : { redisUrl }),
    });
    server = started.server;
    baseUrl = started.baseUrl;
    rest = started.client;
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.drain();
  });

  it('answers a new session CHALLENGE_REQUIRED (429) with an ALTCHA challenge, and mints it once solved', async () => {
    const refused = await rest.call('POST', '/v1/sessions');
    expect(refused.status).toBe(429);
    const challenge = challengeOf(refused.body);
    expect(challenge.parameters.data).toMatchObject({ purpose: 'session', event: '' });
    const solution = await solveInProcess(challenge);
    const response = await fetch(`${baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { 'x-challenge-solution': solution },
    });
    expect(response.status).toBe(201);
    expect((await response.json()).token).toEqual(expect.any(String));
  });

  it('refuses a replayed solution, with a fresh challenge', async () => {
    const challenge = challengeOf((await rest.call('POST', '/v1/sessions')).body);
    const solution = await solveInProcess(challenge);
    const post = () =>
      fetch(`${baseUrl}/v1/sessions`, { method: 'POST', headers: { 'x-challenge-solution': solution } });
    expect((await post()).status).toBe(201);
    const replayed = await post();
    expect(replayed.status).toBe(429);
    const body = await replayed.json();
    expect(body.error.message).toContain('used already');
    expect(body.error.challenge.signature).not.toBe(challenge.signature);
  });

  it('refuses a forged or tampered solution', async () => {
    const challenge = challengeOf((await rest.call('POST', '/v1/sessions')).body);
    const solution = JSON.parse(atob(await solveInProcess(challenge)));
    solution.challenge.parameters.data.purpose = 'queueJoin';
    const tampered = btoa(JSON.stringify(solution));
    const response = await fetch(`${baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { 'x-challenge-solution': tampered },
    });
    expect(response.status).toBe(429);
    expect((await response.json()).error.message).toContain('does not verify');
    const garbage = await fetch(`${baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { 'x-challenge-solution': 'abc' },
    });
    expect(garbage.status).toBe(429);
  });

  it('renews a session that is still valid without asking for work', async () => {
    const { token, userId } = await session();
    const renewed = await rest.call('POST', '/v1/sessions', undefined, token);
    expect(renewed.status).toBe(201);
    expect(renewed.body.userId).toBe(userId);
  });

  describe('waiting-room joins', () => {
    let eventId: string;
    let freeEventId: string;

    beforeAll(async () => {
      const venueId = await rest.createVenue(venue);
      const saleStartsAt = Date.now() + 10 * 60_000;
      const event = (name: string, extra: Record<string, unknown> = {}) =>
        rest.createEvent({
          venueId,
          name,
          startsAt: new Date(saleStartsAt + 86_400_000).toISOString(),
          saleStartsAt: new Date(saleStartsAt).toISOString(),
          priceTiers: { S: { amount: 5000, currency: 'EUR' } },
          waitingRoom: { enabled: true },
          ...extra,
        });
      eventId = await event('Guarded');
      freeEventId = await event('Unguarded', { antibot: { proofOfWork: false } });
    });

    it('asks a REST join for work bound to the event, and takes a solution for that event only', async () => {
      const { token } = await session();
      const join = (id: string, solution?: string) =>
        fetch(`${baseUrl}/v1/events/${id}/queue`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            ...(solution === undefined ? {} : { 'x-challenge-solution': solution }),
          },
          body: JSON.stringify({ requestId: 'join-1' }),
        });
      const refused = await join(eventId);
      expect(refused.status).toBe(429);
      const challenge = challengeOf(await refused.json());
      expect(challenge.parameters.data).toMatchObject({ purpose: 'queueJoin', event: eventId });
      const solution = await solveInProcess(challenge);
      // A solution for a session, or for another event, is not one for this join.
      const sessionSolution = await solveInProcess(challengeOf((await rest.call('POST', '/v1/sessions')).body));
      const wrongPurpose = await join(eventId, sessionSolution);
      expect(wrongPurpose.status).toBe(429);
      expect((await wrongPurpose.json()).error.message).toContain('issued for session');
      const joined = await join(eventId, solution);
      expect(joined.status).toBe(201);
      expect((await joined.json()).state).toBe('prequeue');
    });

    it('lets an event turn the work off for its own joins', async () => {
      const { token } = await session();
      const joined = await rest.call('POST', `/v1/events/${freeEventId}/queue`, { requestId: 'join-free' }, token);
      expect(joined.status).toBe(201);
    });

    it('the SDK solves a socket join by itself and retries with the same requestId', async () => {
      const { token } = await session();
      const client = connect(baseUrl, { token, ackTimeoutMs: 10_000 });
      clients.push(client);
      await client.ready();
      const entry = await client.joinQueue(eventId);
      expect(entry.state).toBe('prequeue');
      // A raw socket request without a solution is refused with a challenge in its ack.
      const raw = await client.socket.timeout(5_000).emitWithAck('queue:join', { eventId, requestId: 'raw-1' });
      expect(raw.ok).toBe(false);
      if (!raw.ok) expect(raw.error.code).toBe('CHALLENGE_REQUIRED');
    });
  });
});

describe('proof of work: difficulty rises with the sessions of an address', () => {
  let server: RunningServer;
  let baseUrl: string;

  beforeAll(async () => {
    const started = await startTestServer({
      antibot: {
        pow: { policy: { difficultyMin: 500, freeSolutionsPerAddress: 2, loadStepPerSecond: 1e9 } },
        // The address's sessions count here through the proof of work's own policy, not through the risk score.
        risk: { policy: { addressSessionsFree: 1_000 } },
      },
    });
    server = started.server;
    baseUrl = started.baseUrl;
  });
  afterAll(() => server?.drain());

  it('doubles the work for every session an address mints past its free ones', async () => {
    const difficulties: number[] = [];
    for (let i = 0; i < 5; i++) {
      await createSession(baseUrl, {
        // A browser's session (one device each): neither a declared crawler nor a device-less client, so risk adds nothing.
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'user-agent': chrome } }),
        signals: { fingerprint: `browser-device-${i}` },
        solveChallenge: (challenge) => {
          difficulties.push(Number(challenge.parameters.data?.difficulty));
          return solveInProcess(challenge);
        },
      });
    }
    expect(difficulties).toEqual([500, 500, 1_000, 2_000, 4_000]);
  });

  it('surfaces CHALLENGE_REQUIRED to an SDK caller whose solver gives up', async () => {
    const error = await createSession(baseUrl, {
      solveChallenge: async () => {
        throw new SeatActorError('CHALLENGE_REQUIRED', 'gave up');
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SeatActorError);
    expect((error as SeatActorError).code).toBe('CHALLENGE_REQUIRED');
  });
});

describe('limits that follow the person (real sockets and REST)', () => {
  let server: RunningServer;
  let baseUrl: string;
  let rest: ReturnType<typeof api>;
  const sockets: TestSocket[] = [];
  let buyerToken: string;
  const open = async (token: string) => {
    const socket = await openSocket(baseUrl, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    const started = await startTestServer({
      // Small numbers, counted over a minute so no window turns over during a test.
      antibot: {
        pow: { policy: { difficultyMin: 50, freeSolutionsPerAddress: 1_000 } },
        perAddress: { sessionsPerMinuteMax: 6, connectionsMax: 1_000, handshakesPerMinuteMax: 1_000 },
      },
      userRequestsPerSecondMax: 30 / 60,
      userRequestsWindowSeconds: 60,
      ...(redisUrl === undefined ? {} : { redisUrl }),
    });
    server = started.server;
    baseUrl = started.baseUrl;
    rest = started.client;
    // The first of the address's 6 sessions this minute: the budget test's buyer.
    buyerToken = (await createSession(baseUrl)).token;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  it('stops session minting from one address at the limit, however the work is done (renewals still pass)', async () => {
    const minted = [];
    for (let i = 0; i < 5; i++) minted.push(await createSession(baseUrl));
    const refused = await createSession(baseUrl).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SeatActorError);
    expect((refused as SeatActorError).code).toBe('RATE_LIMITED');
    // Straight to REST, a solved challenge in hand: still refused, before any work is asked for.
    const direct = await rest.call('POST', '/v1/sessions');
    expect(direct.status).toBe(429);
    expect(direct.body.error.code).toBe('RATE_LIMITED');
    // Renewing a live session is not a new buyer.
    const renewed = await rest.call('POST', '/v1/sessions', undefined, minted[0]!.token);
    expect(renewed.status).toBe(201);
  });

  it("shares one budget across one buyer's many connections and REST, and a reconnect does not reset it", async () => {
    const token = buyerToken;
    const connections = await Promise.all(Array.from({ length: 6 }, () => open(token)));
    // 60 requests over 6 connections and REST; the buyer's budget is 30 a minute, each connection's 50 a second.
    const socketReplies = await Promise.all(
      connections.flatMap((socket) =>
        Array.from({ length: 8 }, () => socket.timeout(5_000).emitWithAck('unsubscribe', { eventId: 'e1' })),
      ),
    );
    const restReplies = await Promise.all(
      Array.from({ length: 12 }, () => rest.call('GET', '/v1/me/holds', undefined, token)),
    );
    const accepted =
      socketReplies.filter((reply) => reply.ok).length + restReplies.filter((r) => r.status === 200).length;
    expect(accepted).toBe(30);
    expect(socketReplies.filter((reply) => !reply.ok && reply.error.code === 'RATE_LIMITED').length).toBeGreaterThan(0);
    // Every connection closes; the buyer comes back on a new one: still over budget.
    for (const socket of connections) socket.disconnect();
    const again = await open(token);
    const reply = await again.timeout(5_000).emitWithAck('unsubscribe', { eventId: 'e1' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });
});

describe('connections and handshakes per address', () => {
  const servers: RunningServer[] = [];
  const sockets: TestSocket[] = [];
  const serverWith = async (perAddress: { connectionsMax: number; handshakesPerMinuteMax: number }) => {
    const started = await startTestServer({
      antibot: { pow: { sessions: false }, perAddress: { sessionsPerMinuteMax: 1_000, ...perAddress } },
      ...(redisUrl === undefined ? {} : { redisUrl }),
    });
    servers.push(started.server);
    return started;
  };
  const open = async (baseUrl: string, token: string) => {
    const socket = await openSocket(baseUrl, token);
    sockets.push(socket);
    return socket;
  };

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const server of servers) await server.drain();
  });

  it('refuses a third open connection from one address, and takes one again once one closes', async () => {
    const { server, baseUrl } = await serverWith({ connectionsMax: 2, handshakesPerMinuteMax: 1_000 });
    const { token } = await createSession(baseUrl);
    const first = await open(baseUrl, token);
    await open(baseUrl, token);
    await expect(openSocket(baseUrl, token)).rejects.toMatchObject({ data: { code: 'RATE_LIMITED' } });
    first.disconnect();
    await expect.poll(() => server.sockets.socketCount()).toBe(1);
    await expect.poll(async () => (await open(baseUrl, token).catch(() => undefined)) !== undefined).toBe(true);
  });

  it('counts every engine.io handshake of an address, refused ones and reconnects too', async () => {
    const { baseUrl } = await serverWith({ connectionsMax: 1_000, handshakesPerMinuteMax: 3 });
    const { token } = await createSession(baseUrl);
    for (let i = 0; i < 3; i++) (await open(baseUrl, token)).disconnect();
    // Answered at once (see socketServer.ts), the handshake past the limit is refused at the connect, with the reason.
    await expect(openSocket(baseUrl, token)).rejects.toMatchObject({
      message: expect.stringContaining('too many connection attempts'),
      data: { code: 'RATE_LIMITED' },
    });
  });
});
