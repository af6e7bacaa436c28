/**
 * One client process of the waitlist offer benchmark (bench/waitlistOffers.ts forks several): its share of the buyers
 * (a session, an e-mail address, a socket, a waitlist entry each), and in one of them the churn (the holders giving
 * their seats back). The server's process runs none of the clients, so their sockets, parsing and HTTP requests do not
 * take the measured thread. Every instant is on the wall clock (`performance.timeOrigin + performance.now()`), which
 * all the benchmark's processes share; the parent matches offers to what freed their seats after the run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { WaitlistOffer } from '../src/contract/protocol.ts';
import { api } from '../test/support/api.ts';
import { openSocket, type TestSocket } from '../test/support/sockets.ts';

export type FreedBy = 'release' | 'decline' | 'lapse';

/** A seat given back: the release request sent (a holder's or a declining buyer's), or a lapsed offer's expiry. */
export type Freed = Readonly<{ seatId: string; holdId: string; at: number; by: FreedBy }>;
/** An offer received on a buyer's socket. */
export type Received = Readonly<{ seatId: string; holdId: string; at: number }>;

export type ClientTask =
  | Readonly<{ type: 'join'; baseUrl: string; eventId: string; first: number; count: number }>
  | Readonly<{
      type: 'churn';
      holds: readonly Readonly<{ holdId: string; token: string; seatIds: readonly string[] }>[];
      intervalMs: number;
    }>
  | Readonly<{ type: 'poll' }>
  | Readonly<{ type: 'finish' }>;

export type ClientReply =
  | Readonly<{ type: 'ready' }>
  | Readonly<{ type: 'joined' }>
  | Readonly<{ type: 'churned' }>
  | Readonly<{ type: 'progress'; offers: number; ordered: number; lastActivityAt: number }>
  | Readonly<{
      type: 'result';
      freed: Freed[];
      received: Received[];
      fate: { declined: number; ordered: number; ignored: number };
      positionPushes: number;
      failures: string[];
      /** This process's event-loop delay over the run (ms): a late client reads its offers late. */
      loopDelayMs: { p50: number; p99: number; max: number };
    }>;

const clock = () => performance.timeOrigin + performance.now();
const send = (reply: ClientReply) => process.send?.(reply);

const freed: Freed[] = [];
const received: Received[] = [];
const fate = { declined: 0, ordered: 0, ignored: 0 };
const failures: string[] = [];
const sockets: TestSocket[] = [];
let positionPushes = 0;
let lastActivityAt = clock();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

const join = async (task: Extract<ClientTask, { type: 'join' }>) => {
  const client = api(task.baseUrl);
  for (let i = task.first; i < task.first + task.count; i++) {
    const { token } = await client.session();
    await client.call('PUT', '/v1/me/contact', { email: `buyer${i}@bench.test` }, token);
    const socket = await openSocket(task.baseUrl, token);
    sockets.push(socket);
    socket.on('waitlist:position', () => {
      positionPushes += 1;
    });
    socket.on('waitlist:offer', (offer: WaitlistOffer) => {
      const at = clock();
      lastActivityAt = at;
      const seatId = offer.hold.seatIds[0]!;
      received.push({ seatId, holdId: offer.hold.holdId, at });
      // Each buyer declines, orders or ignores in a fixed 5 : 3 : 2 pattern over its offers.
      const roll = (i * 7919 + offer.hold.seatIds.length * 31 + received.length) % 10;
      if (roll < 5) {
        fate.declined += 1;
        freed.push({ seatId, holdId: offer.hold.holdId, at: clock(), by: 'decline' });
        void client.release(offer.hold.holdId, token).then((reply) => {
          if (reply.status !== 204) failures.push(`decline: ${reply.status} ${JSON.stringify(reply.body)}`);
        });
      } else if (roll < 8) {
        fate.ordered += 1;
        void client.call('POST', '/v1/orders', { holdId: offer.hold.holdId, requestId: 'buy' }, token);
      } else {
        fate.ignored += 1;
        freed.push({ seatId, holdId: offer.hold.holdId, at: Date.parse(offer.hold.expiresAt), by: 'lapse' });
      }
    });
    const joined = await socket.timeout(10_000).emitWithAck('waitlist:join', {
      eventId: task.eventId,
      requestId: 'j',
      quantity: 1,
    });
    if (!joined.ok) throw new Error(`join: ${JSON.stringify(joined.error)}`);
  }
};

/** The holders give their seats back, one hold every `intervalMs`. */
const churn = async (task: Extract<ClientTask, { type: 'churn' }>, baseUrl: string) => {
  const client = api(baseUrl);
  for (const { holdId, token, seatIds } of task.holds) {
    const at = clock();
    for (const seatId of seatIds) freed.push({ seatId, holdId, at, by: 'release' });
    lastActivityAt = at;
    const reply = await client.release(holdId, token);
    if (reply.status !== 204) failures.push(`release: ${reply.status} ${JSON.stringify(reply.body)}`);
    await new Promise((resolve) => setTimeout(resolve, task.intervalMs));
  }
};

let baseUrl = '';
process.on('message', (task: ClientTask) => {
  const fail = (error: unknown) => {
    console.error(error);
    process.exit(1);
  };
  switch (task.type) {
    case 'join':
      baseUrl = task.baseUrl;
      join(task).then(() => {
        loopDelay.reset();
        loopDelay.enable();
        send({ type: 'joined' });
      }, fail);
      return;
    case 'churn':
      churn(task, baseUrl).then(() => send({ type: 'churned' }), fail);
      return;
    case 'poll':
      send({ type: 'progress', offers: received.length, ordered: fate.ordered, lastActivityAt });
      return;
    case 'finish': {
      loopDelay.disable();
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      for (const socket of sockets) socket.close();
      process.send?.(
        {
          type: 'result',
          freed,
          received,
          fate,
          positionPushes,
          failures,
          loopDelayMs: {
            p50: ms(loopDelay.percentile(50)),
            p99: ms(loopDelay.percentile(99)),
            max: ms(loopDelay.max),
          },
        } satisfies ClientReply,
        () => process.exit(0),
      );
      return;
    }
  }
});
send({ type: 'ready' });
