/**
 * The waiting room over real sockets: N buyers connected (socket.io, WebSocket), each joins one event's room before
 * its opening (`queue:join`: joins per second over the socket), then the sale opens and the room shuffles, admits
 * 100 every 10 s and pushes positions in rounds of 1 s. Measured: how long after the opening each waiting buyer
 * received its first `queue:position` (p50, p99, max), pushes received, and the server process's CPU (its own
 * process, bench/queueSocketsServer.ts, memory store) during the join phase and the first seconds of the sale.
 *
 *   npx tsx bench/queueSockets.ts [buyers=5000] [saleSeconds=15]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/contract/protocol.ts';
import { processTicks } from './procStat.ts';

const buyers = Number(process.argv[2] ?? 5000);
const saleSeconds = Number(process.argv[3] ?? 15);
type Reply = { type: string; [key: string]: unknown };

const child = fork(new URL('./queueSocketsServer.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const ask = (message: object, type: string): Promise<Reply> =>
  new Promise((resolve) => {
    const onMessage = (m: Reply) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send(message);
  });
const [ready] = (await once(child, 'message')) as [Reply];
const baseUrl = `http://127.0.0.1:${ready.port}`;
const pid = child.pid!;
const cpu = (ticks: number, ms: number) => `${((ticks / 100 / (ms / 1000)) * 100).toFixed(0)} % of a core`;

/** Runs `task` for 0..n-1 with at most `width` under way. */
const pool = async (n: number, width: number, task: (i: number) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await task(next++);
    }),
  );
};

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

process.stderr.write(`${buyers} sessions and sockets ...\n`);
type Buyer = {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  firstPositionAt?: number;
  pushes: number;
  admitted: boolean;
};
const all: Buyer[] = new Array(buyers);
await pool(buyers, 100, async (i) => {
  const { token } = (await (await fetch(`${baseUrl}/v1/sessions`, { method: 'POST' })).json()) as { token: string };
  const socket: Buyer['socket'] = io(baseUrl, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const buyer: Buyer = { socket, pushes: 0, admitted: false };
  socket.on('queue:position', () => {
    buyer.pushes += 1;
    buyer.firstPositionAt ??= Date.now();
  });
  socket.on('queue:admitted', () => {
    buyer.admitted = true;
  });
  all[i] = buyer;
});

// The sale opens far enough ahead for every join (at ≥ 500 joins a second) plus a margin.
const openInMs = Math.ceil(buyers / 500) * 1000 + 5_000;
const created = await ask({ type: 'create', openInMs }, 'create');
const eventId = created.eventId as string;
const saleStartsAtMs = created.saleStartsAtMs as number;

process.stderr.write('joining ...\n');
let ticks = processTicks(pid);
let started = performance.now();
await pool(buyers, 200, async (i) => {
  const reply = await all[i]!.socket.timeout(30_000).emitWithAck('queue:join', { eventId, requestId: `j${i}` });
  if (!reply.ok) throw new Error(`join refused: ${JSON.stringify(reply.error)}`);
});
const joinMs = performance.now() - started;
const joinTicks = processTicks(pid) - ticks;
if (Date.now() >= saleStartsAtMs) throw new Error('the joins outlasted the pre-queue; raise openInMs');

await new Promise((resolve) => setTimeout(resolve, saleStartsAtMs - Date.now()));
process.stderr.write('the sale is open ...\n');
ticks = processTicks(pid);
started = performance.now();
await new Promise((resolve) => setTimeout(resolve, saleSeconds * 1000));
const saleTicks = processTicks(pid) - ticks;
const saleMs = performance.now() - started;

const firsts = all
  .flatMap((buyer) => (buyer.firstPositionAt === undefined ? [] : [buyer.firstPositionAt - saleStartsAtMs]))
  .sort((a, b) => a - b);
const admitted = all.filter((buyer) => buyer.admitted).length;
const pushes = all.reduce((sum, buyer) => sum + buyer.pushes, 0);
const result = {
  at: new Date().toISOString(),
  buyers,
  joinsPerSecond: Math.round(buyers / (joinMs / 1000)),
  joinServerCpu: cpu(joinTicks, joinMs),
  admitted,
  heardPosition: firsts.length,
  firstPositionMs: { p50: percentile(firsts, 0.5), p99: percentile(firsts, 0.99), max: firsts.at(-1) },
  pushesReceived: pushes,
  saleSeconds,
  saleServerCpu: cpu(saleTicks, saleMs),
};
console.log(JSON.stringify(result, null, 2));
for (const buyer of all) buyer.socket.close();
child.send({ type: 'stop' });
await once(child, 'exit');
