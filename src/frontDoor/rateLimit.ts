import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { BookingError } from '../domain/bookingError.ts';

/**
 * Where limits count: in this process's memory, or in Redis (rate-limiter-flexible's Redis store) so every node of a
 * cluster counts the same person against one budget. `keyPrefix` names the limit (distinct per limit). While Redis is
 * unreachable (its client not ready, or a command failing), a Redis limit counts in this process's memory instead
 * (rate-limiter-flexible's insurance limiter), so each node keeps the same budget on its own: an outage of Redis
 * loosens the limits a cluster shares, and refuses nobody for it (without this, every request counted in Redis failed
 * `INTERNAL` until Redis came back).
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
        // Not ready (reconnecting): straight to memory, instead of waiting for the client's retries to give up.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
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

/**
 * A per-key limit of `requestsMax` per `windowSeconds` counted in this process's memory and decided at once: the
 * REST limit per address, which every request but probes passes, so a request the server can answer without waiting
 * (a 304 of the current seat map) is counted without a promise. The same fixed window as rate-limiter-flexible's memory
 * store: it starts at a key's first request, counts refused requests too, and is forgotten once over (expired keys are
 * swept at most once a window).
 */
export const createMemoryRateLimit = (
  requestsMax: number,
  windowSeconds: number,
  nowMs: () => number,
  what = 'too many requests',
) => {
  const windowMs = windowSeconds * 1000;
  const windows = new Map<string, { count: number; endsAtMs: number }>();
  let sweepAtMs = 0;
  const admitNow = (key: string): void => {
    const now = nowMs();
    if (now >= sweepAtMs) {
      for (const [counted, window] of windows) if (window.endsAtMs <= now) windows.delete(counted);
      sweepAtMs = now + windowMs;
    }
    let window = windows.get(key);
    if (window === undefined || window.endsAtMs <= now) {
      window = { count: 0, endsAtMs: now + windowMs };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count > requestsMax) {
      const seconds = Math.max(1, Math.ceil((window.endsAtMs - now) / 1000));
      throw new BookingError('RATE_LIMITED', `${what}; retry in ${seconds} s`, { retryAfterSeconds: seconds });
    }
  };
  return {
    /** Counts a request of `key`, or throws RATE_LIMITED saying when to retry. */
    admitNow,
    admit: async (key: string): Promise<void> => admitNow(key),
    /** Keys counted now (expired ones go at the next sweep). */
    size: () => windows.size,
  };
};
