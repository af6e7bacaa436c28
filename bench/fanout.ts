/**
 * Seat-map fan-out: how many `seatmap:diff` messages per second reach 1,000 subscribers of one event, and how much
 * server memory an idle socket costs. The server runs in its own process (bench/fanoutServer.ts, memory store);
 * this process holds the 1,000 socket.io clients.
 *
 *   npx tsx bench/fanout.ts [subscribers=1000] [seconds=5] [workers=20]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/contract/protocol.ts';

const subscribers = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 5);
const workers = Number(process.argv[4] ?? 20);

type Reply = { type: string; [key: string]: unknown };
const child = fork(new URL('./fanoutServer.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx', '--expose-gc'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const ask = async (message: object, type: string): Promise<Reply> => {
  const reply = new Promise<Reply>((resolve) => {
    const onMessage = (m: Reply) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
  });
  child.send(message);
  return reply;
};
const [ready] = (await once(child, 'message')) as [Reply];
const baseUrl = `http://127.0.0.1:${ready.port}`;
const eventId = ready.eventId as string;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const idle = await ask({ type: 'memory' }, 'memory');

const tokens = await Promise.all(
  Array.from(
    { length: subscribers },
    async () => ((await (await fetch(`${baseUrl}/v1/sessions`, { method: 'POST' })).json()) as { token: string }).token,
  ),
);
let received = 0;
let gaps = 0;
const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
for (let i = 0; i < subscribers; i += 100) {
  await Promise.all(
    tokens.slice(i, i + 100).map(async (token) => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, {
        auth: { token },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
      sockets.push(socket);
    }),
  );
}
const connected = await ask({ type: 'memory' }, 'memory');
await Promise.all(
  sockets.map(async (socket) => {
    const reply = await socket.timeout(30_000).emitWithAck('subscribe', { eventId });
    if (!reply.ok || reply.seatMap === undefined) throw new Error(`subscribe failed: ${JSON.stringify(reply)}`);
    let version = reply.seatMap.version;
    socket.on('seatmap:diff', (diff) => {
      received += 1;
      if (diff.fromVersion !== version) gaps += 1;
      version = diff.version;
    });
  }),
);
const subscribed = await ask({ type: 'memory' }, 'memory');

const startedMs = performance.now();
const load = await ask({ type: 'load', seconds, workers }, 'load');
// Let the last diffs arrive.
const expected = (load.batches as number) * subscribers;
for (let i = 0; i < 100 && received < expected; i++) await new Promise((resolve) => setTimeout(resolve, 50));
const elapsedSeconds = (performance.now() - startedMs) / 1000;

const perSocketConnected = ((connected.rss as number) - (idle.rss as number)) / subscribers;
const perSocketHeap = ((connected.heapUsed as number) - (idle.heapUsed as number)) / subscribers;
console.log(
  JSON.stringify(
    {
      subscribers,
      loadSeconds: seconds,
      batchesCommitted: load.batches,
      commandsAcknowledged: load.requests,
      diffsDelivered: received,
      diffsExpected: expected,
      gapsSeen: gaps,
      diffsDeliveredPerSecond: Math.round(received / elapsedSeconds),
      batchesPerSecond: Math.round((load.batches as number) / seconds),
      serverMemory: {
        idle: mib(idle.rss as number),
        connected: mib(connected.rss as number),
        subscribed: mib(subscribed.rss as number),
      },
      perIdleSocket: { rssKiB: +(perSocketConnected / 1024).toFixed(1), heapKiB: +(perSocketHeap / 1024).toFixed(1) },
      perSubscribedSocketRssKiB: +(((subscribed.rss as number) - (idle.rss as number)) / subscribers / 1024).toFixed(1),
    },
    null,
    2,
  ),
);
for (const socket of sockets) socket.disconnect();
child.send({ type: 'stop' });
await once(child, 'exit');
process.exit(0);
