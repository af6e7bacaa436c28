import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedRendition } from '../../test/support/rendition.ts';
import type { SeatMapRendition } from '../actors/seatMapCache.ts';
import { createReadBudget } from '../frontDoor/readBudget.ts';
import { createLogger } from '../platform/logger.ts';
import { createMetrics } from '../platform/metrics.ts';
import type { BookingService } from '../services/bookingService.ts';
import { createAuth } from './auth.ts';
import { type Gateway, startGateway } from './server.ts';

/**
 * The seat map's per-address budget on the real gateway, over a booking stand-in whose map can be held back, so
 * "reads under way" is a fact of the test, not of timing.
 */
const map: SeatMapRendition = fixedRendition({
  eventId: 'e1',
  version: 3,
  seats: { 'A-1': { status: 'held', priceTier: 'P', version: 1 } },
  general: {},
});
const json = map.json();

const gatedBooking = () => {
  const state = { entered: 0, gate: Promise.resolve(), open: () => {} };
  const close = () => {
    state.gate = new Promise<void>((resolve) => {
      state.open = resolve;
    });
  };
  const booking = {
    ready: () => true,
    seatMap: async () => {
      state.entered += 1;
      await state.gate;
      return map;
    },
  } as unknown as BookingService;
  return { booking, state, close };
};

describe('seat-map reads per address', () => {
  const { booking, state, close } = gatedBooking();
  let gateway: Gateway;
  let base: string;

  beforeAll(async () => {
    gateway = await startGateway({
      host: '127.0.0.1',
      port: 0,
      booking,
      auth: createAuth({ jwtSecret: 'a-jwt-secret-of-at-least-32-bytes-long!', adminToken: 'admin-token-for-tests' }),
      logger: createLogger('silent'),
      metrics: createMetrics(),
      rateLimit: { requestsPerSecondMax: 1_000, trustedProxyHops: 1 },
      // Two maps under way per address; one and a half maps of bytes per hour, so the budget does not refill mid-test.
      readBudget: createReadBudget({
        inFlightPerClientMax: 2,
        bytesPerSecondPerClientMax: (1.5 * json.length) / 3_600,
        windowSeconds: 3_600,
      }),
    });
    base = `http://127.0.0.1:${gateway.port}`;
  });

  afterAll(() => gateway?.close());

  const read = (client: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/events/e1/seatmap`, {
      headers: { 'x-forwarded-for': client, 'accept-encoding': 'identity', ...headers },
    });

  it('answers 429 with Retry-After to a third read under way from one address, while another address is served', async () => {
    close();
    const first = [read('203.0.113.1'), read('203.0.113.1')];
    await expect.poll(() => state.entered).toBe(2);
    const third = await read('203.0.113.1');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await third.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    const other = read('203.0.113.2');
    await expect.poll(() => state.entered).toBe(3);
    state.open();
    const answers = await Promise.all([...first, other]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await answers[2]!.json()).toEqual(JSON.parse(json));
  });

  it('spends the bytes of full maps only: past the budget 429, a 304 still, and another address is served', async () => {
    // The first test sent two maps to .2's neighbour .1; this address starts fresh.
    expect((await read('203.0.113.9')).status).toBe(200);
    expect((await read('203.0.113.9')).status).toBe(200);
    const over = await read('203.0.113.9');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(3_000);
    const conditional = await read('203.0.113.9', { 'if-none-match': '"3"' });
    expect(conditional.status).toBe(304);
    expect(conditional.headers.get('etag')).toBe('"3"');
    expect((await read('203.0.113.10')).status).toBe(200);
  });
});

describe('a seat map sent to a reader who does not read', () => {
  // Far more than the kernel's socket buffers take: the reply stays under way until the reader reads or leaves.
  const huge = Buffer.alloc(64 * 1024 * 1024, 0x20);
  const booking = {
    ready: () => true,
    seatMap: async () => ({ version: 1, etag: '"1"', json: () => '', body: () => huge, bytes: () => huge }),
  } as unknown as BookingService;
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({
      host: '127.0.0.1',
      port: 0,
      booking,
      auth: createAuth({ jwtSecret: 'a-jwt-secret-of-at-least-32-bytes-long!', adminToken: 'admin-token-for-tests' }),
      logger: createLogger('silent'),
      metrics: createMetrics(),
      readBudget: createReadBudget({ inFlightPerClientMax: 2, bytesPerSecondPerClientMax: 1e12 }),
    });
  });

  afterAll(() => gateway?.close());

  it('keeps its slot until the reply is written out, and frees it when the reader goes away', async () => {
    const stalled = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect(gateway.port, '127.0.0.1', () => {
              socket.write('GET /v1/events/e1/seatmap HTTP/1.1\r\nHost: localhost\r\n\r\n');
              // The first bytes of the reply say the server is sending; then the reader stops reading.
              socket.once('data', () => {
                socket.pause();
                resolve(socket);
              });
            });
          }),
      ),
    );
    const identity = { headers: { 'accept-encoding': 'identity' } };
    const refused = await fetch(`http://127.0.0.1:${gateway.port}/v1/events/e1/seatmap`, identity);
    expect(refused.status).toBe(429);
    for (const socket of stalled) socket.destroy();
    await expect
      .poll(async () => {
        const reply = await fetch(`http://127.0.0.1:${gateway.port}/v1/events/e1/seatmap`, identity);
        return reply.status === 200 && (await reply.arrayBuffer()).byteLength;
      })
      .toBe(huge.length);
  });
});
