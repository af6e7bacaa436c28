import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  createSession,
  type SeatActorClient,
  SeatActorError,
  type SignalsView,
} from '../client-sdk/src/index.ts';
import type { RunningServer } from '../src/app/startServer.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * The risk stage over real REST and sockets (issue #11): sessions per device fingerprint stop at the limit, a device
 * that contradicts its request headers is asked for more work, risky sessions go to the back of the waiting room and
 * are held back from holding, and the admin's risk view counts it all. Every client writes its own address in
 * X-Forwarded-For (the server trusts one proxy hop), as people behind their own addresses.
 */
const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const browserHeaders = (address: string) => ({
  'x-forwarded-for': address,
  'user-agent': chrome,
  'accept-language': 'en-US,en;q=0.9',
});
const device = (fingerprint: string, userAgent = chrome): SignalsView => ({
  fingerprint,
  device: { userAgent, languages: ['en-US', 'en'] },
});

/** `fetch` from a browser at `address`. */
const browserFetch =
  (address: string): typeof fetch =>
  (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...browserHeaders(address) } });

const venue = {
  name: 'Risk Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated' as const,
      rows: [{ id: 'A', seats: Array.from({ length: 8 }, (_, i) => ({ id: `A${i + 1}`, priceTier: 'S' })) }],
    },
  ],
};

describe('the risk stage (ANTIBOT on)', () => {
  let server: RunningServer;
  let baseUrl: string;
  let venueId: string;
  const clients: SeatActorClient[] = [];
  let address = 0;
  const nextAddress = () => `10.77.0.${++address}`;

  beforeAll(async () => {
    const started = await startTestServer({
      restRateLimit: { requestsPerSecondMax: 1_000_000, trustedProxyHops: 1 },
      antibot: {
        pow: { policy: { difficultyMin: 50, freeSolutionsPerAddress: 1_000, loadStepPerSecond: 1e9 } },
        risk: { sessionsPerDeviceMax: 2 },
      },
    });
    server = started.server;
    baseUrl = started.baseUrl;
    venueId = await started.client.createVenue(venue);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.drain();
  });

  /** A session minted through the SDK from `from` with `signals`, and its socket. */
  const buyer = async (from: string, signals: SignalsView) => {
    const session = await createSession(baseUrl, { fetch: browserFetch(from), signals });
    const client = connect(baseUrl, {
      token: session.token,
      renewSession: false,
      retries: 0,
      socket: { extraHeaders: browserHeaders(from) },
    });
    clients.push(client);
    await client.ready();
    return { session, client };
  };

  const createEvent = async (event: Record<string, unknown>) => {
    const response = await fetch(`${baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        venueId,
        name: 'Risky sale',
        startsAt: '2031-01-01T20:00:00Z',
        priceTiers: { S: { amount: 5000, currency: 'EUR' } },
        ...event,
      }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };

  const riskOf = async (eventId: string) => {
    const response = await fetch(`${baseUrl}/v1/events/${eventId}/risk`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(200);
    return response.json();
  };

  it('stops new sessions of one device fingerprint at the limit (RATE_LIMITED), whatever the address', async () => {
    const signals = device('device-limit-test-1');
    await createSession(baseUrl, { fetch: browserFetch(nextAddress()), signals });
    await createSession(baseUrl, { fetch: browserFetch(nextAddress()), signals });
    const third = createSession(baseUrl, { fetch: browserFetch(nextAddress()), signals });
    await expect(third).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(third).rejects.toThrow(/this device/);
    // Another device from the same kind of place is not affected.
    await createSession(baseUrl, { fetch: browserFetch(nextAddress()), signals: device('device-limit-test-2') });
  });

  it('asks a device that contradicts its headers for more work than a consistent one', async () => {
    const difficultyFor = async (signals: SignalsView) => {
      const response = await fetch(`${baseUrl}/v1/sessions`, {
        method: 'POST',
        headers: { ...browserHeaders(nextAddress()), 'content-type': 'application/json' },
        body: JSON.stringify({ signals }),
      });
      expect(response.status).toBe(429);
      const body = await response.json();
      expect(body.error.code).toBe('CHALLENGE_REQUIRED');
      return Number(body.error.challenge.parameters.data.difficulty);
    };
    const consistent = await difficultyFor(device('consistent-device-1'));
    const contradicting = await difficultyFor(device('contradicting-device-1', firefox));
    expect(consistent).toBe(50);
    // Risk 0.5 (a contradicting device) is two doublings of the work.
    expect(contradicting).toBe(200);
    // A declared crawler is asked for the most a risk of 1 adds; the SDK's own platforms (Node's fetch says "node",
    // React Native's on Android "okhttp") are not crawlers: only their missing fingerprint (0.2) counts, for nothing.
    const difficultyAs = async (userAgent: string) => {
      const response = await fetch(`${baseUrl}/v1/sessions`, {
        method: 'POST',
        headers: { 'x-forwarded-for': nextAddress(), 'user-agent': userAgent },
      });
      return Number((await response.json()).error.challenge.parameters.data.difficulty);
    };
    expect(await difficultyAs('Googlebot/2.1 (+http://www.google.com/bot.html)')).toBe(800);
    expect(await difficultyAs('python-requests/2.31')).toBe(800);
    expect(await difficultyAs('node')).toBe(50);
    expect(await difficultyAs('okhttp/4.9.2')).toBe(50);
  });

  it('refuses signals that do not fit the contract', async () => {
    const response = await fetch(`${baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { ...browserHeaders(nextAddress()), 'content-type': 'application/json' },
      body: JSON.stringify({ signals: { fingerprint: 'x', pointerEvents: -1 } }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('INVALID_INPUT');
  });

  it('sends a risky session to the back of the waiting room, behind a later person, and shows it to the admin', async () => {
    const opensAt = Date.now() + 1_500;
    const eventId = await createEvent({
      saleStartsAt: new Date(opensAt).toISOString(),
      waitingRoom: { enabled: true, preQueueOpensAt: new Date(Date.now() - 1_000).toISOString(), admittedMax: 1 },
    });
    // A script: one device for two sessions, a join with no pointer events a few ms after the map.
    const botAddress = nextAddress();
    const scriptSignals = { ...device('script-device-1'), pointerEvents: 0, msSinceMapShown: 5 };
    await buyer(botAddress, device('script-device-1'));
    const bot = await buyer(botAddress, device('script-device-1'));
    const botEntry = await bot.client.joinQueue(eventId, { signals: scriptSignals });
    expect(botEntry.state).toBe('prequeue');
    // A person, who joins after the script: one device, a pointer, seconds after the map showed.
    const person = await buyer(nextAddress(), device('person-device-1'));
    const admitted = new Promise((resolve) => person.client.on('queue:admitted', resolve));
    await person.client.joinQueue(eventId, {
      signals: { ...device('person-device-1'), pointerEvents: 14, msSinceMapShown: 3_000 },
    });
    await admitted;
    // The room admits one at a time: the person first, although the script joined before; the script waits, placed.
    const entry = await bot.client.joinQueue(eventId, { signals: scriptSignals });
    expect(entry).toMatchObject({ state: 'queued', position: 1 });
    const view = await riskOf(eventId);
    expect(view.sessions).toMatchObject({ low: 1, high: 1 });
    expect(view.sentToBack).toBeGreaterThanOrEqual(1);
    // Its refusals: the proof of work its joins were asked for first (the SDK solved them).
    expect(view.topAddresses).toContainEqual({
      address: botAddress,
      sessions: 1,
      highRisk: 1,
      refusals: expect.any(Number),
    });
    expect(view.refusalsByStage.challenge).toBeGreaterThanOrEqual(2);
  });

  it('holds a risky session back from holding (NOT_ADMITTED, saying until when) while a person holds', async () => {
    // A room that is not engaged (the hybrid switch): holds need no admission, but the hold-back still applies.
    const eventId = await createEvent({
      saleStartsAt: new Date(Date.now() - 1_000).toISOString(),
      waitingRoom: { enabled: false, autoEngageRequestsPerSecond: 1_000_000, riskyHeldBackSeconds: 600 },
    });
    const botAddress = nextAddress();
    for (let i = 0; i < 4; i++) await createSession(baseUrl, { fetch: browserFetch(botAddress) });
    const bot = await buyer(botAddress, device('script-device-2'));
    const refused = bot.client.hold(eventId, {
      seatIds: ['A1'],
      signals: { ...device('script-device-2'), pointerEvents: 0, msSinceMapShown: 3 },
    });
    await expect(refused).rejects.toBeInstanceOf(SeatActorError);
    await expect(refused).rejects.toMatchObject({ code: 'NOT_ADMITTED' });
    await expect(refused).rejects.toThrow(/held back until/);
    const person = await buyer(nextAddress(), device('person-device-2'));
    const hold = await person.client.hold(eventId, {
      seatIds: ['A1'],
      signals: { ...device('person-device-2'), pointerEvents: 9, msSinceMapShown: 2_500 },
    });
    expect(hold.seatIds).toEqual(['A1']);
    const view = await riskOf(eventId);
    expect(view.heldBack).toBe(1);
    expect(view.refusalsByStage.risk).toBe(1);
    expect(view.sessions).toMatchObject({ low: 1, high: 1 });
  });

  it('answers the risk view to admins only, and NOT_FOUND for an unknown event', async () => {
    expect((await fetch(`${baseUrl}/v1/events/nope/risk`)).status).toBe(401);
    const unknown = await fetch(`${baseUrl}/v1/events/nope/risk`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(unknown.status).toBe(404);
  });
});
