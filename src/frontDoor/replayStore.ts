import type { Redis } from 'ioredis';

/**
 * Remembers what was used once (a proof-of-work solution) until it could no longer be used anyway. `claim` resolves
 * true for the first caller of a key and false for every later one until `untilMs`. Shared by every node through
 * Redis when REDIS_URL is set, so a solution spent on one node is spent on all; in memory otherwise.
 */
export type ReplayStore = Readonly<{
  claim(key: string, untilMs: number): Promise<boolean>;
}>;

/** Keys kept at once in memory; past it the oldest go first (they run out first too). */
export const replayKeysMaxDefault = 1_000_000;

export const memoryReplayStore = (nowMs: () => number, keysMax = replayKeysMaxDefault): ReplayStore => {
  // Insertion order is near expiry order (challenges share one lifetime), so a sweep from the front is enough.
  const used = new Map<string, number>();
  const sweep = (now: number) => {
    for (const [key, untilMs] of used) {
      if (untilMs > now && used.size <= keysMax) break;
      used.delete(key);
    }
  };
  return {
    claim: async (key, untilMs) => {
      const now = nowMs();
      sweep(now);
      const until = used.get(key);
      if (until !== undefined && until > now) return false;
      used.delete(key);
      used.set(key, untilMs);
      return true;
    },
  };
};

/** `SET key 1 NX PX ttl`: atomic, so two nodes given the same solution at once cannot both accept it. */
export const redisReplayStore = (redis: Redis, nowMs: () => number, keyPrefix: string): ReplayStore => ({
  claim: async (key, untilMs) => {
    const ttlMs = Math.max(1, Math.ceil(untilMs - nowMs()));
    return (await redis.set(`${keyPrefix}pow:used:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  },
});
