import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';

/** socket.io's Redis adapter (room broadcasts and user pushes across nodes) on two connections of its own. */
export type PushAdapter = Readonly<{
  /** socket.io's `adapter` option. */
  adapter: ReturnType<typeof createAdapter>;
  /**
   * Resolves once the subscriptions the adapter made (when socket.io built it) are in force: a round trip on the
   * subscriber connection, answered after them. A node that serves sockets before then could miss other nodes' diffs.
   */
  subscribed(): Promise<void>;
  close(): void;
}>;

/**
 * Opens the adapter's connections and waits until both are ready, before the adapter exists and so before it publishes
 * anything. Not a detail: ioredis (5.11) queues the commands given to a connection that is not up yet and sends them
 * once it is ready, but it writes a PUBLISH made while the connection completes its handshake (connected, ready check
 * under way) at once, since PUBLISH is allowed while Redis loads. On connections opened by their first command (lazy
 * duplicates of the shared client, as before), a node's first diffs reached the other nodes out of order (`8→10`
 * before `0→7` and `7→8`) and their subscribers saw a gap (issue #15). pushAdapter.int.spec.ts fails without the wait.
 * A reconnect after Redis went away opens the same window again; diffs are lost across such an outage anyway (a node's
 * subscription is down too), and a subscriber that sees the gap subscribes again, as the contract says.
 */
export const openPushAdapter = async (redis: Redis, key: string): Promise<PushAdapter> => {
  const publisher = redis.duplicate({ lazyConnect: true });
  const subscriber = redis.duplicate({ lazyConnect: true });
  const close = () => {
    publisher.disconnect();
    subscriber.disconnect();
  };
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    close();
    throw error;
  }
  return {
    adapter: createAdapter(publisher, subscriber, { key }),
    async subscribed() {
      await subscriber.ping();
    },
    close,
  };
};
