import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * The seat map as every reader gets it: from one cache per event, rendered once per committed version whoever asks
 * (REST and socket subscribe alike), with the version as ETag, and never older than a version the reader could have
 * seen. Renders are counted through the server's render listener, not timed.
 */
describe('seat-map reads', () => {
  let server: RunningServer;
  let baseUrl: string;
  let client: ReturnType<typeof api>;
  let eventId: string;
  const renders: string[] = [];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    ({ server, baseUrl, client } = await startTestServer({
      seatMapCache: { onRendered: (form, frame) => renders.push(`${form}@${frame.version}`) },
    }));
    const venueId = await client.createVenue(venueBody(10, 20));
    eventId = await client.createEvent({ venueId, name: 'Reads', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  const get = (headers: Record<string, string> = {}) => fetch(`${baseUrl}/v1/events/${eventId}/seatmap`, { headers });

  const subscriber = async () => {
    const buyer = await client.session();
    const socket = await openSocket(baseUrl, buyer.token);
    sockets.push(socket);
    return { buyer, socket };
  };

  it('renders a version once for many REST readers and socket subscribers, who all get the same map', async () => {
    const subscribers = await Promise.all(Array.from({ length: 5 }, subscriber));
    renders.length = 0;
    const [responses, acks] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => get())),
      Promise.all(subscribers.map(({ socket }) => socket.timeout(5_000).emitWithAck('subscribe', { eventId }))),
    ]);
    const bodies = await Promise.all(responses.map((response) => response.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const map = JSON.parse(bodies[0]!);
    expect(Object.keys(map.seats)).toHaveLength(200);
    for (const ack of acks) {
      expect(ack.ok).toBe(true);
      if (ack.ok) expect(ack.seatMap).toEqual(map);
    }
    expect(renders).toEqual([`json@${map.version}`, `body@${map.version}`]);

    const { buyer } = subscribers[0]!;
    expect((await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'r-once' })).status).toBe(201);
    const after = await Promise.all(Array.from({ length: 10 }, () => get().then((response) => response.json())));
    expect(after.every((read) => read.version === map.version + 1 && read.seats['ORCH-1-1'].status === 'held')).toBe(
      true,
    );
    expect(renders).toEqual([
      `json@${map.version}`,
      `body@${map.version}`,
      `json@${map.version + 1}`,
      `body@${map.version + 1}`,
    ]);
  });

  it('sends the version as ETag and answers 304 to a current If-None-Match, without rendering', async () => {
    const first = await get();
    const etag = first.headers.get('etag')!;
    const { version } = await first.json();
    expect(etag).toBe(`"${version}"`);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    renders.length = 0;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"0", ${etag}`, '*']) {
      const again = await get({ 'if-none-match': ifNoneMatch });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe('');
    }
    expect((await get({ 'if-none-match': '"0"' })).status).toBe(200);
    const buyer = await client.session();
    await client.hold(eventId, buyer.token, { seatIds: ['ORCH-2-1'], requestId: 'r-etag' });
    const changed = await get({ 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(`"${version + 1}"`);
    // Nothing was rendered for the conditional reads; the new version once.
    expect(renders).toEqual([`json@${version + 1}`, `body@${version + 1}`]);
  });

  it('never serves a version older than one its reader saw in a diff', async () => {
    const { socket } = await subscriber();
    const reads: Promise<void>[] = [];
    socket.on('seatmap:diff', (diff) => {
      reads.push(
        get()
          .then((response) => response.json())
          .then((map) => expect(map.version).toBeGreaterThanOrEqual(diff.version)),
      );
    });
    expect((await socket.timeout(5_000).emitWithAck('subscribe', { eventId })).ok).toBe(true);
    const buyers = await Promise.all(Array.from({ length: 8 }, () => client.session()));
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        buyers.map((buyer, i) =>
          client.hold(eventId, buyer.token, { seatIds: [`ORCH-${5 + round}-${i + 1}`], requestId: `r${round}` }),
        ),
      );
    }
    await expect.poll(() => reads.length).toBeGreaterThanOrEqual(5);
    await Promise.all(reads);
  });
});

describe('seat-map bytes per address, REST and socket subscribes together', () => {
  let server: RunningServer;
  let baseUrl: string;
  let client: ReturnType<typeof api>;
  let eventId: string;
  const sockets: ReturnType<typeof io>[] = [];

  beforeAll(async () => {
    ({ server, baseUrl, client } = await startTestServer({
      restRateLimit: { requestsPerSecondMax: 1_000_000, trustedProxyHops: 1 },
      // A byte an hour: an address gets one map (the budget is charged after the fact), then nothing more.
      readBudget: { inFlightPerClientMax: 100, bytesPerSecondPerClientMax: 1 / 3_600, windowSeconds: 3_600 },
    }));
    const venue = await client.createVenue(venueBody(10, 20));
    eventId = await client.createEvent({ venueId: venue, name: 'Bytes', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  const socketFrom = async (address: string) => {
    const { token } = await client.session();
    const socket = io(baseUrl, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { 'x-forwarded-for': address },
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  };
  const subscribe = (socket: ReturnType<typeof io>) => socket.timeout(5_000).emitWithAck('subscribe', { eventId });
  const rest = (address: string) =>
    fetch(`${baseUrl}/v1/events/${eventId}/seatmap`, { headers: { 'x-forwarded-for': address } });

  it('refuses a subscribe once its address has spent its bytes on maps, on either transport, and serves others', async () => {
    const first = await socketFrom('198.51.100.20');
    expect(await subscribe(first)).toMatchObject({ ok: true });
    const refused = await subscribe(await socketFrom('198.51.100.20'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    const overRest = await rest('198.51.100.20');
    expect(overRest.status).toBe(429);
    expect(Number(overRest.headers.get('retry-after'))).toBeGreaterThan(3_000);
    // A resume from a version the server still has diffs for costs no map, so it is still answered.
    expect(await first.timeout(5_000).emitWithAck('subscribe', { eventId, sinceVersion: 0 })).toMatchObject({
      ok: true,
      diffs: [],
    });
    expect(await subscribe(await socketFrom('198.51.100.21'))).toMatchObject({ ok: true });
    expect((await rest('198.51.100.22')).status).toBe(200);
  });
});
