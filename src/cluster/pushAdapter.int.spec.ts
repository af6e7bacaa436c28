import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisUrl } from '../../test/support/cluster.ts';
import { openPushAdapter, type PushAdapter } from './pushAdapter.ts';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const item of opened.splice(0).reverse()) item.close();
});

/** The shared connection as startServer opens it: lazy, then connected; the adapter's connections are its duplicates. */
const sharedRedis = async (): Promise<Redis> => {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  opened.push({ close: () => redis.disconnect() });
  return redis;
};

const pushAdapter = async (key: string): Promise<PushAdapter> => {
  const push = await openPushAdapter(await sharedRedis(), key);
  opened.push(push);
  return push;
};

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the push adapter (socket.io over Redis between nodes, real Redis)', () => {
  it("delivers a node's first broadcasts to another node's sockets in the order it made them", async () => {
    const key = `test:push:${randomBytes(4).toString('hex')}:socket.io`;
    // Node B: a socket.io server with one client socket in the event's room.
    const pushB = await pushAdapter(key);
    const http: HttpServer = createServer();
    const ioB = new Server(http, { adapter: pushB.adapter, transports: ['websocket'] });
    opened.push({ close: () => ioB.close() });
    ioB.on('connection', (socket) => {
      socket.on('subscribe', (room: string, ack: () => void) => {
        socket.join(room);
        ack();
      });
    });
    await pushB.subscribed();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client: ClientSocket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    opened.push({ close: () => client.close() });
    const received: number[] = [];
    client.on('seatmap:diff', (version: number) => received.push(version));
    await client.timeout(5_000).emitWithAck('subscribe', 'event:e');

    // Node A: just started; it broadcasts one diff per turn of the event loop from the moment its adapter exists, as an
    // owner whose first holds commit at once does. Its connections to Redis open meanwhile if they are not open yet.
    const pushA = await pushAdapter(key);
    // Never attached to a server: closing pushA's connections is all there is to close.
    const ioA = new Server({ adapter: pushA.adapter });
    const sent = Array.from({ length: 200 }, (_, index) => index + 1);
    for (const version of sent) {
      ioA.to('event:e').emit('seatmap:diff', version);
      await nextTurn();
    }
    await vi.waitFor(() => expect(received).toHaveLength(sent.length), { timeout: 10_000, interval: 10 });
    expect(received).toEqual(sent);
  });
});
