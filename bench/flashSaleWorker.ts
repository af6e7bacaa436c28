/**
 * One load process of the flash-sale benchmark (bench/flashSale.ts forks several). It opens its share of socket.io
 * connections, and each connection loops for the run's duration: hold one seat (80 % of picks on the hottest 20 % of
 * seats), then release it, or keep it as a buyer who goes on to pay would. It sends back acknowledgement latencies
 * and every hold it was granted, with the instants that bound when the hold was surely live. The pattern (picks,
 * keeps) is bench/flashPattern.ts, which the light client's `flash` workload follows too.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/contract/protocol.ts';
import { type FlashPattern, keepsHold, pickSeat, seatIdOf, seededRandom } from './flashPattern.ts';

export type WorkerTask = FlashPattern &
  Readonly<{
    type: 'run';
    workerIndex: number;
    baseUrl: string;
    eventId: string;
    tokens: readonly string[];
    /** Mean pause (ms, uniform 0..2×) a connection takes after each hold or release, like a person clicking; 0 = none. */
    thinkMs: number;
    /** Epoch milliseconds: requests start at startAt, count from measureFrom, stop at endAt. */
    startAt: number;
    measureFrom: number;
    endAt: number;
    ackTimeoutMs: number;
    seed: number;
  }>;

/** A granted hold: surely live from `ackAt` (it was committed before its ack) until `releaseSentAt`. */
export type GrantedHold = Readonly<{
  seatId: string;
  holdId: string;
  userIndex: number;
  ackAt: number;
  releaseSentAt: number | null;
}>;

export type WorkerResult = Readonly<{
  type: 'result';
  workerIndex: number;
  /** Hold acknowledgement latencies (ms) of requests sent inside the measured window. */
  holdLatencies: Float64Array;
  releaseLatencies: Float64Array;
  holdsAnswered: number;
  holdsGranted: number;
  refused: number;
  releases: number;
  failed: number;
  failures: Record<string, number>;
  granted: GrantedHold[];
}>;

type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across the benchmark's processes. */
const clock = () => performance.timeOrigin + performance.now();

const connect = (baseUrl: string, token: string): Promise<BenchSocket> =>
  new Promise((resolve, reject) => {
    const socket: BenchSocket = io(baseUrl, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });

const run = async (task: WorkerTask): Promise<WorkerResult> => {
  const next = seededRandom(task.seed);
  const pick = () => seatIdOf(pickSeat(next, task), task.seatsPerRow);
  const sockets = await Promise.all(task.tokens.map((token) => connect(task.baseUrl, token)));
  const holdLatencies: number[] = [];
  const releaseLatencies: number[] = [];
  const failures: Record<string, number> = {};
  const granted: GrantedHold[] = [];
  let holdsAnswered = 0;
  let holdsGranted = 0;
  let refused = 0;
  let releases = 0;
  let failed = 0;
  let request = 0;
  const fail = (code: string, measured: boolean) => {
    if (!measured) return;
    failed += 1;
    failures[code] = (failures[code] ?? 0) + 1;
  };

  const think = () =>
    task.thinkMs > 0 ? new Promise((resolve) => setTimeout(resolve, next() * 2 * task.thinkMs)) : Promise.resolve();
  const loop = async (socket: BenchSocket, userIndex: number) => {
    let kept = 0;
    await think();
    while (clock() < task.endAt) {
      const seatId = pick();
      const sentAt = clock();
      const measured = sentAt >= task.measureFrom;
      const requestId = `w${task.workerIndex}-${request++}`;
      let reply: Awaited<ReturnType<BenchSocket['emitWithAck']>>;
      try {
        reply = await socket
          .timeout(task.ackTimeoutMs)
          .emitWithAck('hold', { eventId: task.eventId, seatIds: [seatId], requestId });
      } catch {
        fail('ACK_TIMEOUT', measured);
        continue;
      }
      const ackAt = clock();
      await think();
      if (measured) {
        holdLatencies.push(ackAt - sentAt);
        holdsAnswered += 1;
      }
      if (!reply.ok) {
        if (reply.error.code === 'SEAT_UNAVAILABLE') {
          if (measured) refused += 1;
        } else fail(reply.error.code, measured);
        continue;
      }
      if (measured) holdsGranted += 1;
      const holdId = (reply as Readonly<{ hold: { holdId: string } }>).hold.holdId;
      if (keepsHold(next, kept, task)) {
        kept += 1;
        granted.push({ seatId, holdId, userIndex, ackAt, releaseSentAt: null });
        continue;
      }
      const releaseSentAt = clock();
      // A release that failed or went unanswered leaves the hold live as far as anyone can tell.
      let released = false;
      try {
        const reply = await socket
          .timeout(task.ackTimeoutMs)
          .emitWithAck('release', { holdId, requestId: `w${task.workerIndex}-${request++}` });
        if (!reply.ok) fail(`release:${reply.error.code}`, measured);
        else {
          released = true;
          if (measured) {
            releases += 1;
            releaseLatencies.push(clock() - releaseSentAt);
          }
        }
      } catch {
        fail('release:ACK_TIMEOUT', measured);
      }
      granted.push({ seatId, holdId, userIndex, ackAt, releaseSentAt: released ? releaseSentAt : null });
    }
  };

  const wait = task.startAt - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await Promise.all(sockets.map((socket, i) => loop(socket, task.workerIndex * 1_000_000 + i)));
  for (const socket of sockets) socket.disconnect();
  return {
    type: 'result',
    workerIndex: task.workerIndex,
    holdLatencies: Float64Array.from(holdLatencies),
    releaseLatencies: Float64Array.from(releaseLatencies),
    holdsAnswered,
    holdsGranted,
    refused,
    releases,
    failed,
    failures,
    granted,
  };
};

process.on('message', (task: WorkerTask) => {
  if (task.type !== 'run') return;
  run(task).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.({ type: 'ready' });
