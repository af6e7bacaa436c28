import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { BookingError } from '../domain/bookingError.ts';

/**
 * Where limits count: in this process's memory, or in Redis (rate-limiter-flexible's Redis store) so every node of a
 * cluster counts the same person against one budget. `keyPrefix` names the limit (distinct per limit).
 */
export type LimiterStore =
  | Readonly<{ kind: 'memory' }>
  /** `keyPrefix` names this deployment's keys (nodes of one cluster share it; tests take one each). */
  | Readonly<{ kind: 'redis'; redis: Redis; keyPrefix: string }>;

export const memoryLimiterStore: LimiterStore = { kind: 'memory' };

export const limiterIn = (
  store: LimiterStore,
  options: Readonly<{ points: number; duration: number; keyPrefix: string }>,
): RateLimiterAbstract =>
  store.kind === 'memory'
    ? new RateLimiterMemory(options)
    : new RateLimiterRedis({
        ...options,
        keyPrefix: `${store.keyPrefix}limit:${options.keyPrefix}`,
        storeClient: store.redis,
      });

/** RATE_LIMITED saying when to retry, from a refusal of rate-limiter-flexible (anything else is rethrown). */
export const rateLimited = (refusal: unknown, what = 'too many requests'): never => {
  if (!(refusal instanceof RateLimiterRes)) throw refusal;
  const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
  throw new BookingError('RATE_LIMITED', `${what}; retry in ${seconds} s`, { retryAfterSeconds: seconds });
};

/**
 * A per-key limit of `requestsMax` per `windowSeconds` that REST (per client address), sockets (per connection) and
 * buyers (per user, across all their connections) use: `admit` resolves, or rejects with RATE_LIMITED saying when to
 * retry.
 */
export const createRateLimit = (
  requestsMax: number,
  windowSeconds: number,
  store: LimiterStore = memoryLimiterStore,
  keyPrefix = 'requests',
  what = 'too many requests',
) => {
  const limiter = limiterIn(store, { points: requestsMax, duration: windowSeconds, keyPrefix });
  return {
    admit: (key: string): Promise<void> =>
      limiter.consume(key).then(
        () => undefined,
        (refusal: unknown) => rateLimited(refusal, what),
      ),
    forget: (key: string): void => void limiter.delete(key).catch(() => undefined),
  };
};
