import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
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
  /** Renders of events other than `eventId` (the layout test's own event). */
  const otherRenders: string[] = [];
  let venueId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    ({ server, baseUrl, client } = await startTestServer({
      seatMapCache: {
        onRendered: (form, frame) => {
          if (frame.eventId === eventId) renders.push(`${form}@${frame.version}`);
          else otherRenders.push(`${frame.eventId}:${form}@${frame.version}`);
        },
      },
    }));
    venueId = await client.createVenue(venueBody(10, 20));
    eventId = await client.createEvent({ venueId, name: 'Reads', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  // fetch asks for gzip by itself and decodes it; these reads ask for the identity form unless a test says otherwise.
  const get = (headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}/v1/events/${eventId}/seatmap`, { headers: { 'accept-encoding': 'identity', ...headers } });

  /** A read over node:http, which (unlike fetch) hands over the bytes as sent: compressed bodies stay compressed. */
  const raw = (headers: Record<string, string>, path = `/v1/events/${eventId}/seatmap`) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (resolve, reject) => {
        const req = request(`${baseUrl}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      },
    );

  /** The seats of venueBody(10, 20) in layout order: rows in order, seats in order (the floor is general). */
  const layoutSeatIds = Array.from({ length: 10 }, (_, r) =>
    Array.from({ length: 20 }, (_, s) => `ORCH-${r + 1}-${s + 1}`),
  ).flat();
  const statusNames = ['available', 'held', 'reserved', 'sold'];
  const decodeStatuses = (statuses: string) => [...Buffer.from(statuses, 'base64')].map((code) => statusNames[code]);

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

  it('compresses each form once per version in br or gzip, as Accept-Encoding asks, and the bodies decompress to the JSON', async () => {
    const buyer = await client.session();
    await client.hold(eventId, buyer.token, { seatIds: ['ORCH-3-3'], requestId: 'r-compress' });
    const identity = await raw({ 'accept-encoding': 'identity' });
    const { version } = JSON.parse(identity.body.toString());
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.headers.etag).toBe(`"${version}"`);
    renders.length = 0;
    const [gzipped, brotli] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => raw({ 'accept-encoding': 'gzip, deflate' }))),
      Promise.all(Array.from({ length: 10 }, () => raw({ 'accept-encoding': 'gzip;q=0.8, br' }))),
    ]);
    for (const reply of gzipped) {
      expect(reply.headers['content-encoding']).toBe('gzip');
      expect(reply.headers.vary).toBe('Accept-Encoding');
      expect(reply.headers.etag).toBe(`"${version}+gzip"`);
      expect(gunzipSync(reply.body).equals(identity.body)).toBe(true);
    }
    for (const reply of brotli) {
      expect(reply.headers['content-encoding']).toBe('br');
      expect(reply.headers.etag).toBe(`"${version}+br"`);
      expect(brotliDecompressSync(reply.body).equals(identity.body)).toBe(true);
    }
    // The status form compresses the same way; q=0 refuses a coding; `*` takes the preferred one.
    const status = await raw({ 'accept-encoding': 'br;q=0, gzip' }, `/v1/events/${eventId}/seatmap?form=status`);
    expect(status.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(status.body).toString())).toMatchObject({ eventId, version, seatCount: 200 });
    expect((await raw({ 'accept-encoding': '*' })).headers['content-encoding']).toBe('br');
    expect((await raw({})).headers['content-encoding']).toBeUndefined();
    // Twenty-odd compressed reads, one compression per form and coding of this version.
    expect(renders.sort()).toEqual(
      [
        `body:br@${version}`,
        `body:gzip@${version}`,
        `status@${version}`,
        `statusBody@${version}`,
        `statusBody:gzip@${version}`,
      ].sort(),
    );
    // A tag of any coding of this version is this version: 304, whichever coding is asked for now.
    for (const [tag, coding] of [
      [`"${version}+gzip"`, 'identity'],
      [`"${version}"`, 'br'],
      [`"${version}+br"`, 'gzip'],
    ] as const) {
      const again = await raw({ 'if-none-match': tag, 'accept-encoding': coding });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }
    // A commit later, the same tag is a full answer with the new version, never the old bytes.
    await client.hold(eventId, buyer.token, { seatIds: ['ORCH-3-4'], requestId: 'r-compress-2' });
    const changed = await raw({ 'if-none-match': `"${version}+gzip"`, 'accept-encoding': 'gzip' });
    expect(changed.status).toBe(200);
    const map = JSON.parse(gunzipSync(changed.body).toString());
    expect(map.version).toBe(version + 1);
    expect(map.seats['ORCH-3-4'].status).toBe('held');
  });

  it('serves the layout once per event, cacheable forever, compressed, and 304 to its ETag', async () => {
    // An event of its own: the earlier tests' subscribers keep rendering the shared event's map after each commit.
    const layoutEvent = await client.createEvent({
      venueId,
      name: 'Layout',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
    });
    const layoutPath = `/v1/events/${layoutEvent}/layout`;
    otherRenders.length = 0;
    const plain = await raw({ 'accept-encoding': 'identity' }, layoutPath);
    expect(plain.status).toBe(200);
    const etag = String(plain.headers.etag);
    expect(etag).toMatch(/^"L[\w-]{22}"$/);
    const gzipped = await raw({ 'accept-encoding': 'gzip' }, layoutPath);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.etag).toBe(`${etag.slice(0, -1)}+gzip"`);
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
    // A hold changes the statuses, not the layout: same bytes, same tag, 304.
    const buyer = await client.session();
    expect(
      (await client.hold(layoutEvent, buyer.token, { seatIds: ['ORCH-4-19'], requestId: 'r-layout' })).status,
    ).toBe(201);
    const again = await raw({ 'accept-encoding': 'identity' }, layoutPath);
    expect(again.body.equals(plain.body)).toBe(true);
    expect((await raw({ 'if-none-match': etag }, layoutPath)).status).toBe(304);
    // It never touches the seat-map cache: nobody else reads this event's map.
    expect(otherRenders.filter((render) => render.startsWith(`${layoutEvent}:`))).toEqual([]);
    expect((await fetch(`${baseUrl}/v1/events/evt_nope/layout`)).status).toBe(404);
  });

  it('serves the status form, one byte per seat in layout order, decoding to the statuses of the JSON map, on REST and in subscribe acks', async () => {
    const buyer = await client.session();
    const held = await client.hold(eventId, buyer.token, {
      seatIds: ['ORCH-10-20', 'ORCH-4-20'],
      requestId: 'r-status',
    });
    expect(held).toMatchObject({ status: 201, body: { seatIds: ['ORCH-10-20', 'ORCH-4-20'] } });
    const map = await (await get()).json();
    // The layout gives the seat order: sections, rows and seats as listed, general sections skipped.
    const layoutReply = await fetch(`${baseUrl}/v1/events/${eventId}/layout`);
    expect(layoutReply.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const layout = await layoutReply.json();
    type Section = { kind: string; rows?: { seats: { id: string; priceTier: string }[] }[] };
    const layoutSeats = (layout.sections as Section[]).flatMap((section) =>
      (section.rows ?? []).flatMap((row) => row.seats),
    );
    expect(layoutSeats.map((seat) => seat.id)).toEqual(layoutSeatIds);
    expect(layout).toMatchObject({ eventId, seatCount: 200, statusCodes: statusNames, priceTiers });
    expect(layoutSeats.map((seat) => seat.priceTier)).toEqual(
      layoutSeatIds.map((seatId) => map.seats[seatId].priceTier),
    );
    const form = await (await fetch(`${baseUrl}/v1/events/${eventId}/seatmap?form=status`)).json();
    expect(form.version).toBe(map.version);
    expect(form.general).toEqual(map.general);
    expect(form.seatCount).toBe(layoutSeatIds.length);
    const statuses = decodeStatuses(form.statuses);
    expect(statuses).toEqual(layoutSeatIds.map((seatId) => map.seats[seatId].status));
    expect(statuses.filter((status) => status !== 'available').length).toBeGreaterThanOrEqual(2);
    const { socket } = await subscriber();
    const ack = await socket.timeout(5_000).emitWithAck('subscribe', { eventId, form: 'status' });
    expect(ack).toMatchObject({ ok: true, eventId, version: map.version, statusMap: form });
    expect(ack.ok && ack.seatMap).toBeUndefined();
    const bad = await fetch(`${baseUrl}/v1/events/${eventId}/seatmap?form=compact`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
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

  it('charges the layout to the same budget: one per address, then 429, while its 304 stays free', async () => {
    const layout = (address: string, headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}/v1/events/${eventId}/layout`, { headers: { 'x-forwarded-for': address, ...headers } });
    const first = await layout('198.51.100.30');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect((await layout('198.51.100.30')).status).toBe(429);
    expect((await rest('198.51.100.30')).status).toBe(429);
    expect((await layout('198.51.100.30', { 'if-none-match': etag })).status).toBe(304);
    expect((await layout('198.51.100.31')).status).toBe(200);
  });
});
