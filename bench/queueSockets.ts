/**
 * The waiting room over real sockets, and a flash sale with the room engaged vs not, side by side in one run. The
 * server runs in its own process (bench/queueSocketsServer.ts, memory store) so its CPU is measured apart; N buyers
 * (socket.io clients over WebSocket, each with its own session) live in this process.
 *
 * 1. Ceiling: every socket sends a request the server answers with no work (`unsubscribe` of an event it never
 *    watched: arrival, limits, zod, ack), 200 in flight, three passes: the socket's request ceiling in this run.
 * 2. Room: every buyer joins the room of an event of 1,000 seats before its opening (`queue:join`, 200 in flight:
 *    joins per second against the ceiling). The sale opens: the room admits by stock (at most 100 choosing, 30 s
 *    each); each admitted buyer holds 2 seats best-available over the socket with its admission token, then orders
 *    and pays over REST (which makes room for the next). Measured: the hold's ack latency for admitted buyers, the
 *    first `queue:position` after the opening, how the pushes of one round spread over the sockets, the time from the
 *    last payment to each waiting socket hearing `queue:soldout`, and the server's CPU during the sale.
 * 3. No room: a second event of 1,000 seats without a room; at its opening every buyer holds 2 seats best-available
 *    at once over the socket. Measured: the holds' ack latency, granted and refused.
 * Both sales check that no seat was granted twice and that the server's seat map shows exactly the seats granted.
 *
 *   npx tsx bench/queueSockets.ts [buyers=5000] [saleSecondsMax=120]
 *
 * Writes bench/results/queueSockets.json (ignored by git) and prints the same JSON.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/contract/protocol.ts';
import { processTicks } from './procStat.ts';

const buyers = Number(process.argv[2] ?? 5000);
const saleSecondsMax = Number(process.argv[3] ?? 120);
const inFlight = 200;
const seatsPerBuyer = 2;
type Reply = { type: string; [key: string]: unknown };

const child = fork(new URL('./queueSocketsServer.ts', import.meta.url).pathname, [], {
  // QUEUE_BENCH_PROFILE=<dir>: the server runs under --cpu-prof (bench/profileSummary.ts reads it).
  execArgv: [
    '--import',
    'tsx',
    ...(process.env.QUEUE_BENCH_PROFILE === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${process.env.QUEUE_BENCH_PROFILE}`]),
  ],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
// A run that fails half-way must not leave the server behind.
process.on('exit', () => child.kill());
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
const percentOfCore = (ticks: number, ms: number) => Math.round((ticks / 100 / (ms / 1000)) * 100);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Runs `task` for 0..n-1 with at most `width` under way. */
const pool = async (n: number, width: number, task: (i: number) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await task(next++);
    }),
  );
};

const percentile = (sorted: readonly number[], p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const summary = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? null),
  };
};

/** Measures the server's CPU over `task`. */
const measured = async <T>(task: () => Promise<T>) => {
  const ticks = processTicks(pid);
  const started = performance.now();
  const value = await task();
  const ms = performance.now() - started;
  return { value, ms, serverCpuPercent: percentOfCore(processTicks(pid) - ticks, ms) };
};

const rest = async (path: string, token: string, body: object) => {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
};

type Buyer = {
  token: string;
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
};

process.stderr.write(`${buyers} sessions and sockets ...\n`);
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
  all[i] = { token, socket };
});

// 1. The ceiling: a request answered with no work, over the same sockets at the same width.
process.stderr.write('ceiling ...\n');
const ceilingPasses = 3;
const ceiling = await measured(() =>
  pool(buyers * ceilingPasses, inFlight, async (i) => {
    const reply = await all[i % buyers]!.socket.timeout(30_000).emitWithAck('unsubscribe', { eventId: 'ceiling' });
    if (!reply.ok) throw new Error(`unsubscribe refused: ${JSON.stringify(reply.error)}`);
  }),
);
const ceilingPerSecond = Math.round((buyers * ceilingPasses) / (ceiling.ms / 1000));

/** Seats the server's map shows taken (held, reserved or sold). */
const seatsTaken = async (eventId: string): Promise<number> => {
  const map = (await (await fetch(`${baseUrl}/v1/events/${eventId}/seatmap`)).json()) as {
    seats: Record<string, { status: string }>;
  };
  return Object.values(map.seats).filter((seat) => seat.status !== 'available').length;
};

/** Seats granted to two holds (none expected), and whether the server shows exactly the seats granted. */
const oversoldOf = async (eventId: string, granted: readonly string[]) => {
  const distinct = new Set(granted).size;
  return {
    seatsGranted: distinct,
    grantedTwice: granted.length - distinct,
    serverShowsTaken: await seatsTaken(eventId),
  };
};

// 2. The room: joins before the opening, then the sale through it.
// Room for every join at 150 a second (a loaded machine) plus a margin; the run stops if the joins outlast it.
const roomOpenInMs = Math.ceil(buyers / 150) * 1000 + 10_000;
const created = await ask({ type: 'create', openInMs: roomOpenInMs, room: true }, 'create');
const roomEventId = created.eventId as string;
const roomOpensAt = created.saleStartsAtMs as number;

type RoomBuyer = {
  firstPositionAt?: number;
  positions: number;
  admittedAt?: number;
  holdMs?: number;
  refused?: string;
  paidAt?: number;
  soldOutAt?: number;
};
const inRoom: RoomBuyer[] = all.map(() => ({ positions: 0 }));
const positionTimes: number[] = [];
const roomGranted: string[] = [];
let purchaseFailures = 0;

const purchase = async (i: number, token: string): Promise<void> => {
  const buyer = all[i]!;
  const record = inRoom[i]!;
  const started = performance.now();
  const reply = await buyer.socket.timeout(30_000).emitWithAck('hold', {
    eventId: roomEventId,
    requestId: `room-hold-${i}`,
    bestAvailable: { quantity: seatsPerBuyer },
    admissionToken: token,
  });
  record.holdMs = performance.now() - started;
  if (!reply.ok) {
    record.refused = reply.error.code;
    return;
  }
  roomGranted.push(...reply.hold.seatIds);
  const order = await rest('/v1/orders', buyer.token, { holdId: reply.hold.holdId, requestId: `room-order-${i}` });
  await rest(`/v1/orders/${order.orderId}/pay`, buyer.token, { paymentMethod: 'pm_card_visa' });
  record.paidAt = Date.now();
};

all.forEach((buyer, i) => {
  const record = inRoom[i]!;
  buyer.socket.on('queue:position', () => {
    const at = Date.now();
    record.positions += 1;
    record.firstPositionAt ??= at;
    positionTimes.push(at);
  });
  buyer.socket.on('queue:admitted', ({ eventId, token }) => {
    if (eventId !== roomEventId || record.admittedAt !== undefined) return;
    record.admittedAt = Date.now();
    purchase(i, token).catch((error: unknown) => {
      purchaseFailures += 1;
      process.stderr.write(`purchase ${i}: ${String(error)}\n`);
    });
  });
  buyer.socket.on('queue:soldout', () => {
    record.soldOutAt ??= Date.now();
  });
});

process.stderr.write('joining ...\n');
const joins = await measured(() =>
  pool(buyers, inFlight, async (i) => {
    const reply = await all[i]!.socket.timeout(30_000).emitWithAck('queue:join', {
      eventId: roomEventId,
      requestId: `j${i}`,
    });
    if (!reply.ok) throw new Error(`join refused: ${JSON.stringify(reply.error)}`);
  }),
);
if (Date.now() >= roomOpensAt) throw new Error('the joins outlasted the pre-queue; raise roomOpenInMs');
const joinsPerSecond = Math.round(buyers / (joins.ms / 1000));

await sleep(roomOpensAt - Date.now());
process.stderr.write('the room is open ...\n');
const settled = (record: RoomBuyer) =>
  record.soldOutAt !== undefined || record.paidAt !== undefined || record.refused !== undefined;
const roomSale = await measured(async () => {
  const deadline = Date.now() + saleSecondsMax * 1000;
  while (Date.now() < deadline && !inRoom.every(settled)) await sleep(100);
});
const roomOversold = await oversoldOf(roomEventId, roomGranted);

/** Pushes of one round arrive in a burst: a gap over 300 ms starts the next round. */
const roundSpreads = (() => {
  const sorted = [...positionTimes].sort((a, b) => a - b);
  const spreads: number[] = [];
  const sizes: number[] = [];
  let first = sorted[0] ?? 0;
  let previous = first;
  let size = 0;
  for (const at of sorted) {
    if (at - previous > 300) {
      sizes.push(size);
      first = at;
      size = 0;
    }
    spreads.push(at - first);
    size += 1;
    previous = at;
  }
  if (size > 0) sizes.push(size);
  return { spreads, sizes };
})();
const lastPaidAt = Math.max(...inRoom.flatMap((record) => (record.paidAt === undefined ? [] : [record.paidAt])));
const admittedRecords = inRoom.filter((record) => record.admittedAt !== undefined);
const roomResult = {
  joinsPerSecond,
  joinsOverCeiling: Math.round((joinsPerSecond / ceilingPerSecond) * 100) / 100,
  joinServerCpuPercent: joins.serverCpuPercent,
  saleMs: Math.round(roomSale.ms),
  saleServerCpuPercent: roomSale.serverCpuPercent,
  admitted: admittedRecords.length,
  admittedMsAfterOpening: summary(admittedRecords.map((record) => record.admittedAt! - roomOpensAt)),
  holdAckMs: summary(admittedRecords.flatMap((record) => (record.holdMs === undefined ? [] : [record.holdMs]))),
  holdsRefused: admittedRecords.filter((record) => record.refused !== undefined).length,
  paid: inRoom.filter((record) => record.paidAt !== undefined).length,
  paidMsAfterOpening: summary(
    inRoom.flatMap((record) => (record.paidAt === undefined ? [] : [record.paidAt - roomOpensAt])),
  ),
  purchaseFailures,
  firstPositionMsAfterOpening: summary(
    inRoom.flatMap((record) => (record.firstPositionAt === undefined ? [] : [record.firstPositionAt - roomOpensAt])),
  ),
  positionPushes: positionTimes.length,
  pushRounds: roundSpreads.sizes.length,
  pushesPerRound: summary(roundSpreads.sizes),
  pushSpreadWithinRoundMs: summary(roundSpreads.spreads),
  heardSoldOut: inRoom.filter((record) => record.soldOutAt !== undefined).length,
  soldOutMsAfterLastPayment: summary(
    inRoom.flatMap((record) => (record.soldOutAt === undefined ? [] : [record.soldOutAt - lastPaidAt])),
  ),
  unsettled: inRoom.filter((record) => !settled(record)).length,
  ...roomOversold,
};

// 3. No room: everyone holds at once at the opening.
process.stderr.write(`${JSON.stringify({ room: roomResult })}\nthe sale without a room ...\n`);
const open = await ask({ type: 'create', openInMs: 3_000, room: false }, 'create');
const openEventId = open.eventId as string;
await sleep((open.saleStartsAtMs as number) - Date.now() + 50);
const openGranted: string[] = [];
const openHoldMs: number[] = [];
const openRefusals: Record<string, number> = {};
const openSale = await measured(() =>
  Promise.all(
    all.map(async (buyer, i) => {
      const started = performance.now();
      const reply = await buyer.socket
        .timeout(60_000)
        .emitWithAck('hold', {
          eventId: openEventId,
          requestId: `open-hold-${i}`,
          bestAvailable: { quantity: seatsPerBuyer },
        })
        .catch(() => ({ ok: false as const, error: { code: 'TIMEOUT', message: 'no ack within 60 s' } }));
      if (reply.ok || reply.error.code !== 'TIMEOUT') openHoldMs.push(performance.now() - started);
      if (reply.ok) openGranted.push(...reply.hold.seatIds);
      else openRefusals[reply.error.code] = (openRefusals[reply.error.code] ?? 0) + 1;
    }),
  ),
);
const openResult = {
  saleMs: Math.round(openSale.ms),
  saleServerCpuPercent: openSale.serverCpuPercent,
  holds: openHoldMs.length,
  holdAckMs: summary(openHoldMs),
  granted: openGranted.length / seatsPerBuyer,
  refused: openRefusals,
  ...(await oversoldOf(openEventId, openGranted)),
};

const result = {
  at: new Date().toISOString(),
  buyers,
  loadAverage: (await import('node:os')).loadavg().map((load) => Math.round(load * 10) / 10),
  ceiling: { requestsPerSecond: ceilingPerSecond, serverCpuPercent: ceiling.serverCpuPercent },
  room: roomResult,
  noRoom: openResult,
};
const text = JSON.stringify(result, null, 2);
console.log(text);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/queueSockets.json', import.meta.url), `${text}\n`);
for (const buyer of all) buyer.socket.close();
child.send({ type: 'stop' });
await once(child, 'exit');
