import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedRendition } from '../../test/support/rendition.ts';
import type { SeatMapRendition } from '../actors/seatMapCache.ts';
import { BookingError } from '../domain/bookingError.ts';
import type { HoldRequest, HoldView } from '../domain/seatMap/views.ts';
import type { EventConfig } from '../domain/venue.ts';
import { createLogger } from '../platform/logger.ts';
import { createMetrics } from '../platform/metrics.ts';
import type { BookingService } from '../services/bookingService.ts';
import { type LayoutRendition, renderLayout } from '../services/eventLayout.ts';
import { createAuth } from './auth.ts';
import { type Gateway, PortInUseError, startGateway } from './server.ts';

const adminToken = 'admin-secret-token-for-tests';
const jwtSecret = 'a-jwt-secret-of-at-least-32-bytes-long!';

/** An in-memory stand-in for the booking core: enough behaviour to exercise every gateway path. */
class FakeBooking implements BookingService {
  isReady = true;
  readonly events = new Map<string, EventConfig>();
  readonly calls: unknown[][] = [];
  nextError: unknown;
  /** While set, holds wait for it to resolve: how a test answers a hold after its client has hung up. */
  holdGate: Promise<void> | undefined;

  #fail(): void {
    const error = this.nextError;
    this.nextError = undefined;
    if (error !== undefined) throw error;
  }
  async createVenue(venue: { id?: string }) {
    this.#fail();
    this.calls.push(['createVenue', venue]);
    return { id: venue.id ?? 'v1' };
  }
  async createEvent(event: Omit<EventConfig, 'id'> & { id?: string }) {
    this.#fail();
    const id = event.id ?? `e${this.events.size + 1}`;
    this.events.set(id, { ...event, id });
    return { id };
  }
  async getEvent(eventId: string) {
    this.#fail();
    const event = this.events.get(eventId);
    if (!event) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
    return event;
  }
  async listEvents(limit: number) {
    return [...this.events.values()].slice(0, limit);
  }
  async getVenue(venueId: string): Promise<never> {
    throw new BookingError('NOT_FOUND', `no venue ${venueId}`);
  }
  async layout(eventId: string): Promise<LayoutRendition> {
    const event = await this.getEvent(eventId);
    return renderLayout(event, { id: event.venueId, name: 'Hall', sections: [] });
  }
  async seatMapAt(eventId: string): Promise<never> {
    await this.getEvent(eventId);
    throw new BookingError('NOT_FOUND', 'the fake keeps no log');
  }
  async replay(eventId: string): Promise<never> {
    await this.getEvent(eventId);
    throw new BookingError('NOT_FOUND', 'the fake keeps no log');
  }
  async seatMap(eventId: string): Promise<SeatMapRendition> {
    await this.getEvent(eventId);
    return this.#map(eventId);
  }
  /** The frame a conditional read is answered from at once: the same map, for an event that exists. */
  currentSeatMap(eventId: string): SeatMapRendition | undefined {
    return this.events.has(eventId) ? this.#map(eventId) : undefined;
  }
  #map(eventId: string): SeatMapRendition {
    return fixedRendition({
      eventId,
      version: 3,
      seats: { 'A-1': { status: 'available', priceTier: 'STD', version: 1 } },
      general: {},
    });
  }
  async committedVersion(eventId: string) {
    return (await this.seatMap(eventId)).version;
  }
  async hold(eventId: string, userId: string, requestId: string, request: HoldRequest): Promise<HoldView> {
    this.#fail();
    this.calls.push(['hold', eventId, userId, requestId, request]);
    await this.holdGate;
    const seatIds = request.kind === 'seats' ? request.seatIds : [];
    return {
      holdId: 'evt_1.h1',
      seatIds,
      quantity: request.kind === 'seats' ? seatIds.length : request.quantity,
      expiresAt: '2030-01-01T00:08:00.000Z',
    };
  }
  async release(holdId: string, userId: string, requestId: string) {
    this.#fail();
    this.calls.push(['release', holdId, userId, requestId]);
  }
  ready() {
    return this.isReady;
  }
  async drain() {}
}

const booking = new FakeBooking();
let gateway: Gateway;
let base: string;

const call = async (method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}) => {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: response.headers.get('content-type')?.startsWith('application/json')
      ? (JSON.parse(text) as unknown)
      : undefined,
  };
};

/** An admin POST whose body is streamed in these chunks, with no content-length (chunked transfer encoding). */
const postChunked = (path: string, chunks: readonly Uint8Array[]) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    body: new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    }),
    duplex: 'half',
    headers: { authorization: `Bearer ${adminToken}` },
  } as RequestInit);

const buyerToken = async () => ((await call('POST', '/v1/sessions')).json as { token: string }).token;

const venue = {
  name: 'Hall',
  sections: [
    { id: 'ORCH', name: 'Orchestra', kind: 'seated', rows: [{ id: 'A', seats: [{ id: 'A-1', priceTier: 'STD' }] }] },
    { id: 'FLOOR', name: 'Floor', kind: 'general', capacity: 100, priceTier: 'GA' },
  ],
};
const event = {
  venueId: 'v1',
  name: 'Show',
  startsAt: '2030-01-01T20:00:00Z',
  priceTiers: { STD: { amount: 5000, currency: 'EUR' } },
};

/** A gateway over this file's booking on loopback, with what a case sets beside it. */
const gatewayWith = (options: Partial<Parameters<typeof startGateway>[0]> = {}) =>
  startGateway({
    host: '127.0.0.1',
    port: 0,
    booking,
    auth: createAuth({ jwtSecret, adminToken }),
    logger: createLogger('silent'),
    metrics: createMetrics(),
    ...options,
  });

beforeAll(async () => {
  gateway = await gatewayWith({
    bodyBytesMax: 8 * 1024,
    // The limit has its own test below; here every request comes from one test client.
    rateLimit: { requestsPerSecondMax: 1_000_000 },
  });
  base = `http://127.0.0.1:${gateway.port}`;
});

afterAll(() => gateway.close());

describe('gateway over loopback', () => {
  it('listens on the port the OS picked', () => {
    expect(gateway.port).toBeGreaterThan(0);
  });

  it('answers a taken port with PortInUseError, saying what to do', async () => {
    const second = gatewayWith({ port: gateway.port });
    await expect(second).rejects.toBeInstanceOf(PortInUseError);
    await expect(second).rejects.toThrow(`cannot listen on 127.0.0.1:${gateway.port}: the port is in use`);
  });

  it('creates guest sessions', async () => {
    const { status, json } = await call('POST', '/v1/sessions');
    expect(status).toBe(201);
    expect(json).toMatchObject({
      token: expect.any(String),
      userId: expect.stringMatching(/^u_/),
      expiresAt: expect.any(String),
    });
  });

  it('guards admin routes: no token 401, forged 401, buyer 403, admin 201', async () => {
    expect((await call('POST', '/v1/venues', { body: venue })).status).toBe(401);
    const forged = await call('POST', '/v1/venues', { body: venue, token: 'eyJhbGciOiJIUzI1NiJ9.e30.forged' });
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const buyer = await call('POST', '/v1/venues', { body: venue, token: await buyerToken() });
    expect(buyer.status).toBe(403);
    expect(buyer.json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const admin = await call('POST', '/v1/venues', { body: venue, token: adminToken });
    expect(admin.status).toBe(201);
    expect(admin.json).toEqual({ id: 'v1' });
  });

  it('creates events with defaults and returns them with ISO instants', async () => {
    const created = await call('POST', '/v1/events', {
      body: { ...event, saleStartsAt: '2030-01-01T10:00:00Z' },
      token: adminToken,
    });
    expect(created.status).toBe(201);
    const { id } = created.json as { id: string };
    const fetched = await call('GET', `/v1/events/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.json).toMatchObject({
      id,
      holdTtlSeconds: 480,
      paymentTimeoutSeconds: 600,
      maxSeatsPerUser: 5,
      saleStartsAt: '2030-01-01T10:00:00.000Z',
    });
    expect((await call('GET', `/v1/events/${id}/seatmap`)).json).toMatchObject({ eventId: id, version: 3 });
  });

  it('rejects wrong types and bad JSON with 400 INVALID_INPUT naming the field', async () => {
    const wrong = await call('POST', '/v1/events', { body: { ...event, holdTtlSeconds: 'long' }, token: adminToken });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toMatchObject({
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('holdTtlSeconds') },
    });
    const broken = await call('POST', '/v1/events', { raw: '{"venueId":', token: adminToken });
    expect(broken.json).toMatchObject({ error: { code: 'INVALID_INPUT', message: 'body is not valid JSON' } });
    const empty = await call('POST', '/v1/events', { token: adminToken });
    expect(empty.status).toBe(400);
  });

  it('holds and releases seats for a buyer', async () => {
    const token = await buyerToken();
    const held = await call('POST', '/v1/events/e1/holds', { token, body: { requestId: 'r1', seatIds: ['A-1'] } });
    expect(held.status).toBe(201);
    expect(held.json).toMatchObject({ holdId: 'evt_1.h1', seatIds: ['A-1'], expiresAt: expect.any(String) });
    expect(booking.calls.at(-1)).toEqual([
      'hold',
      'e1',
      expect.stringMatching(/^u_/),
      'r1',
      { kind: 'seats', seatIds: ['A-1'] },
    ]);

    const released = await call('DELETE', '/v1/holds/evt_1.h1?requestId=r2', { token });
    expect(released.status).toBe(204);
    expect(released.text).toBe('');
    expect(booking.calls.at(-1)).toEqual(['release', 'evt_1.h1', expect.any(String), 'r2']);
    await call('DELETE', '/v1/holds/evt_1.h1', { token });
    expect(booking.calls.at(-1)).toEqual(['release', 'evt_1.h1', expect.any(String), 'evt_1.h1']);
    await call('DELETE', '/v1/holds/evt_1.h1', { token, body: { requestId: 'r3' } });
    expect(booking.calls.at(-1)).toEqual(['release', 'evt_1.h1', expect.any(String), 'r3']);

    expect((await call('POST', '/v1/events/e1/holds', { body: { requestId: 'r1', seatIds: ['A-1'] } })).status).toBe(
      401,
    );
    expect(
      (await call('POST', '/v1/events/e1/holds', { token: adminToken, body: { requestId: 'r1', seatIds: ['A-1'] } }))
        .status,
    ).toBe(403);
  });

  it('maps BookingErrors from the core to their status and body', async () => {
    const token = await buyerToken();
    const cases = [
      [new BookingError('SEAT_UNAVAILABLE', 'A-1 is taken'), 409],
      [new BookingError('HOLD_EXPIRED', 'too late'), 410],
      [new BookingError('SALE_NOT_OPEN', 'not yet'), 409],
      [new BookingError('UNAVAILABLE', 'store down'), 503],
    ] as const;
    for (const [error, status] of cases) {
      booking.nextError = error;
      const reply = await call('POST', '/v1/events/e1/holds', {
        token,
        body: { requestId: 'r9', sectionId: 'FLOOR', quantity: 2 },
      });
      expect(reply.status).toBe(status);
      expect(reply.json).toEqual({ error: { code: error.code, message: error.message } });
    }
    booking.nextError = new TypeError('secret internals');
    const crash = await call('GET', '/v1/events/e1');
    expect(crash.status).toBe(500);
    expect(crash.json).toEqual({ error: { code: 'INTERNAL', message: 'internal server error' } });
  });

  it('answers 413 to an oversized body, declared or streamed', async () => {
    const big = { ...event, name: 'x'.repeat(20_000) };
    const reply = await call('POST', '/v1/events', { body: big, token: adminToken });
    expect(reply.status).toBe(413);
    expect(reply.json).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    // No content-length: the limit must be enforced while the chunks arrive.
    const chunk = new TextEncoder().encode('x'.repeat(4096));
    expect((await postChunked('/v1/events', [chunk, chunk, chunk, chunk])).status).toBe(413);
  });

  it('reads a chunked body within the limit', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ ...event, id: 'chunked' }));
    const reply = await postChunked('/v1/events', [bytes.slice(0, 10), bytes.slice(10)]);
    expect(reply.status).toBe(201);
    expect(await reply.json()).toEqual({ id: 'chunked' });
  });

  it('routes added after start (and after the catch-all) take precedence over it', async () => {
    gateway.route('get', '/v1/extra/:name', ({ params, query }) => ({
      status: 200,
      json: { name: params.name, q: query.get('q') },
    }));
    const reply = await call('GET', '/v1/extra/a%20b?q=1');
    expect(reply.json).toEqual({ name: 'a b', q: '1' });
    gateway.route('get', '/v1/unserializable', () => ({ status: 200, json: { n: 1n } }));
    const broken = await call('GET', '/v1/unserializable');
    expect(broken.status).toBe(500);
    expect(broken.json).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  it('survives a client that hangs up before the reply', async () => {
    const token = await buyerToken();
    let answer = () => {};
    booking.holdGate = new Promise((resolve) => {
      answer = resolve;
    });
    const client = new AbortController();
    const aborted = fetch(`${base}/v1/events/e1/holds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requestId: 'slow', seatIds: ['A-1'] }),
      signal: client.signal,
    });
    // The hold reached the booking and waits there; the client hangs up, and only then is the hold answered.
    await expect.poll(() => booking.calls.at(-1)?.[3]).toBe('slow');
    client.abort();
    await expect(aborted).rejects.toThrow();
    const answered = booking.holdGate;
    answer();
    await answered;
    booking.holdGate = undefined;
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('answers unknown routes and methods with 404 NOT_FOUND', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/v1/nope'],
      ['GET', '/v1/venues'],
      ['PUT', '/v1/sessions'],
    ]) {
      const reply = await call(method!, path!);
      expect(reply.status).toBe(404);
      expect(reply.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('serves healthz, readyz and metrics', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    booking.isReady = false;
    const notReady = await call('GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    expect((await call('GET', '/healthz')).status).toBe(200);
    booking.isReady = true;
    // Not public: the admin's token or METRICS_PORT (test/metrics.int.spec.ts).
    expect((await call('GET', '/metrics')).json).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await call('GET', '/metrics', { token: await buyerToken() })).status).toBe(403);
    const metrics = await call('GET', '/metrics', { token: adminToken });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{route="\/v1\/events\/:id\/holds",method="POST",status="201"\} \d+/,
    );
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('still serves after all of the above', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/v1/sessions')));
    expect(replies.every((reply) => reply.status === 201)).toBe(true);
  });
});

describe('REST rate limit per client', () => {
  let limited: Gateway;
  let limitedBase: string;

  beforeAll(async () => {
    limited = await gatewayWith({ rateLimit: { requestsPerSecondMax: 5, trustedProxyHops: 1 } });
    limitedBase = `http://127.0.0.1:${limited.port}`;
  });

  afterAll(() => limited?.close());

  const from = (client: string, path = '/v1/sessions', method = 'POST') =>
    fetch(`${limitedBase}${path}`, { method, headers: { 'x-forwarded-for': client } });

  it('answers RATE_LIMITED past the limit, per client, and never limits the probes', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, () => from('198.51.100.7')));
    const statuses = burst.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    const refused = burst.find((reply) => reply.status === 429)!;
    expect(await refused.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', message: expect.stringMatching(/retry in \d+ s/) },
    });
    // Another client behind the same proxy has its own allowance.
    expect((await from('198.51.100.8')).status).toBe(201);
    const probes = await Promise.all(Array.from({ length: 20 }, () => from('198.51.100.7', '/healthz', 'GET')));
    expect(probes.every((reply) => reply.status === 200)).toBe(true);
  });

  it('behind the trusted proxy, a client cannot choose its own address by writing X-Forwarded-For', async () => {
    // Each request claims another address in front; the proxy appended the one it really saw, on the right.
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(`${limitedBase}/v1/sessions`, {
          method: 'POST',
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}, 198.51.100.20` },
        }),
      ),
    );
    expect(burst.filter((reply) => reply.status === 429)).toHaveLength(3);
  });
});

describe('a seat map answered 304 at once', () => {
  let gateway: Gateway;
  let limitedBase: string;

  beforeAll(async () => {
    // 6 requests a minute: one read after another stays in one window however slow the machine.
    gateway = await gatewayWith({ rateLimit: { requestsPerSecondMax: 0.1, windowSeconds: 60, trustedProxyHops: 1 } });
    limitedBase = `http://127.0.0.1:${gateway.port}`;
  });

  afterAll(() => gateway?.close());

  const read = (eventId: string, client: string, ifNoneMatch: string, token?: string) =>
    fetch(`${limitedBase}/v1/events/${eventId}/seatmap`, {
      headers: {
        'x-forwarded-for': client,
        'if-none-match': ifNoneMatch,
        'accept-encoding': 'gzip',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    });

  it('counts each read once against the address: a current tag (304 at once) and a stale one (200 from the handler)', async () => {
    const { id } = (await call('POST', '/v1/events', { token: adminToken, body: { ...event, name: 'Counted' } }))
      .json as {
      id: string;
    };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const current = await read(id, '198.51.100.50', '"3"');
      if (current.status === 304) {
        expect(current.headers.get('etag')).toBe('"3+gzip"');
        expect(current.headers.get('vary')).toBe('Accept-Encoding');
        expect(current.headers.get('cache-control')).toBe('no-cache');
      }
      statuses.push(current.status);
      const stale = await read(id, '198.51.100.50', '"2"');
      statuses.push(stale.status);
      await stale.arrayBuffer();
    }
    expect(statuses).toEqual([304, 200, 304, 200, 304, 200, 429, 429]);
    // Another address has its own count.
    expect((await read(id, '198.51.100.51', '"3"')).status).toBe(304);
  });

  it("answers a buyer's conditional read 304 too (after its token is checked), counted against the same address", async () => {
    const { id } = (await call('POST', '/v1/events', { token: adminToken, body: { ...event, name: 'Buyer' } }))
      .json as {
      id: string;
    };
    const session = await fetch(`${limitedBase}/v1/sessions`, {
      method: 'POST',
      headers: { 'x-forwarded-for': '198.51.100.60' },
    });
    const { token } = (await session.json()) as { token: string };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await read(id, '198.51.100.60', '"3"', token)).status);
    expect(statuses).toEqual([304, 304, 304, 304, 304, 429]);
  });

  it('leaves a bad id, a bad form and an unknown event to the handler', async () => {
    expect((await read('bad%20id', '198.51.100.70', '"3"')).status).toBe(400);
    const { id } = (await call('POST', '/v1/events', { token: adminToken, body: { ...event, name: 'Forms' } }))
      .json as {
      id: string;
    };
    const badForm = await fetch(`${limitedBase}/v1/events/${id}/seatmap?form=nope`, {
      headers: { 'x-forwarded-for': '198.51.100.70', 'if-none-match': '"3"' },
    });
    expect(badForm.status).toBe(400);
    expect((await read('e-unknown', '198.51.100.70', '"3"')).status).toBe(404);
  });
});
