import type { Channel } from './channel.ts';

/**
 * The buyer's open sockets, at once: `notification` pushed to every socket of theirs. Nothing is kept for a buyer who
 * is not connected (what a push would have said is in their orders and holds, which a reload reads), so it never
 * fails and is never retried.
 */
export const createSocketChannel = (push: (userId: string, notification: unknown) => void): Channel => ({
  name: 'socket',
  reaches: () => true,
  async send(delivery) {
    push(delivery.userId, delivery.payload);
  },
});
