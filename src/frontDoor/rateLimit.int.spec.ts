import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BookingError } from '../domain/bookingError.ts';
import { createRateLimit, type LimiterStore } from './rateLimit.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What `admit` answers: 'ok', or the refusal's code, or the message of anything else it threw. */
const outcome = (admitting: Promise<void>): Promise<string> =>
  admitting.then(
    () => 'ok',
    (error: unknown) => (error instanceof BookingError ? error.code : `threw: ${String(error)}`),
  );

describe('a limit counted in Redis', () => {
  const clients: Redis[] = [];
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });
  const storeOn = (client: Redis, keyPrefix: string): LimiterStore => {
    clients.push(client);
    return { kind: 'redis', redis: client, keyPrefix };
  };

  it('is one budget across nodes while Redis answers', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    // Two nodes: each its own client, connected before it serves (as startServer does), the same keys.
    const connected = [new Redis(redisUrl, { lazyConnect: true }), new Redis(redisUrl, { lazyConnect: true })];
    await Promise.all(connected.map((client) => client.connect()));
    const [one, two] = connected.map((client) => createRateLimit(2, 60, storeOn(client, keyPrefix)));
    expect([await outcome(one!.admit('u_1')), await outcome(two!.admit('u_1'))]).toEqual(['ok', 'ok']);
    expect(await outcome(one!.admit('u_1'))).toBe('RATE_LIMITED');
    expect(await outcome(two!.admit('u_2'))).toBe('ok');
    // Counted in Redis, not in either node's memory.
    expect((await connected[0]!.keys(`${keyPrefix}*`)).sort()).toEqual([
      `${keyPrefix}limit:requests:u_1`,
      `${keyPrefix}limit:requests:u_2`,
    ]);
    await connected[0]!.del(`${keyPrefix}limit:requests:u_1`, `${keyPrefix}limit:requests:u_2`);
  });

  it('counts in memory while Redis is unreachable: the same budget, per node, and nobody refused for the outage', async () => {
    // Nothing listens on port 1: the client never becomes ready, as during an outage.
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 2, retryStrategy: () => 50 });
    down.on('error', () => undefined);
    const limit = createRateLimit(3, 60, storeOn(down, `test:${randomUUID()}:`));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await outcome(limit.admit('u_1')));
    expect(answers).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
    expect(await outcome(limit.admit('u_2'))).toBe('ok');
  });
});
