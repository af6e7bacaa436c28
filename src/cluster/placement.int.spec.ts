import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { preferredOwner } from '../domain/cluster/placement.ts';
import { HeldEpochs, type OwnerEpochs, type OwnerRecord } from '../persistence/fence.ts';
import { ManualClock } from '../platform/clock.ts';
import { NotOwnerError, Placement } from './placement.ts';

/**
 * The placement of two nodes on a real Redis (a key prefix of its own), with the owner epochs in memory and the clock in
 * the test's hands (no timer fires unless it advances).
 */
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const keyPrefix = `test:placement:${randomBytes(4).toString('hex')}:`;
afterAll(async () => {
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const memoryEpochs = (): OwnerEpochs => {
  const records = new Map<string, OwnerRecord>();
  return {
    async claim(streamId, node) {
      const epoch = (records.get(streamId)?.epoch ?? 0) + 1;
      records.set(streamId, { streamId, epoch, node });
      return epoch;
    },
    current: async (streamId) => records.get(streamId),
    owned: async (limit) => [...records.values()].filter((record) => record.node !== null).slice(0, limit),
    async vacate(streamId, node, epoch) {
      const record = records.get(streamId);
      if (record?.node === node && record.epoch === epoch) records.set(streamId, { ...record, node: null });
    },
  };
};

describe('an event handed to a node that joined', () => {
  it('is claimed back by the node that handed it off, at once, when the other node leaves before claiming it', async () => {
    const clock = new ManualClock();
    const ownerEpochs = memoryEpochs();
    const errors: unknown[] = [];
    const evicted: string[] = [];
    const node = (nodeId: string) =>
      new Placement({
        nodeId,
        url: `http://${nodeId}.invalid`,
        redis,
        keyPrefix,
        ownerEpochs,
        held: new HeldEpochs(),
        clock,
        leaseTtlMs: 5_000,
        evict: async (eventId) => {
          evicted.push(eventId);
        },
        activate: async () => {},
        onError: (error) => errors.push(error),
      });
    // Events `b` will be preferred for once it is live, running on `a` (alone in the cluster so far).
    const eventIds: string[] = [];
    for (let n = 0; eventIds.length < 2; n++)
      if (preferredOwner(`evt_${n}`, ['a', 'b']) === 'b') eventIds.push(`evt_${n}`);
    const [moved, kept] = eventIds as [string, string];
    const a = node('a');
    await a.start();
    await a.claim(moved);
    await a.claim(kept);

    // `b` joins: at its next scan `a` hands the events to it (their actors stop, the leases go).
    const b = node('b');
    await b.start();
    clock.advance(1_000);
    await waitUntil(() => evicted.length === 2 && a.heldEventIds().length === 0);
    // While `b` is live, `a` leaves the events to it for one lease TTL.
    await expect(a.claim(kept)).rejects.toBeInstanceOf(NotOwnerError);

    // `b` stops before claiming them (a failed start, a restart): `a` takes them back at the first request, well
    // within the TTL, instead of refusing them until it runs out.
    await b.stop();
    clock.advance(600);
    expect(await a.route(moved)).toEqual({ kind: 'claim' });
    await a.claim(moved);
    expect(await a.owner(moved)).toMatchObject({ nodeId: 'a', preferredNodeId: 'a' });
    await a.stop();
    expect(errors).toEqual([]);
  });
});

/** Polls a condition the placement's background work (a scan started by the clock) makes true. */
const waitUntil = async (done: () => boolean): Promise<void> => {
  for (let tries = 0; !done(); tries++) {
    if (tries > 200) throw new Error('the scan did not finish');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
