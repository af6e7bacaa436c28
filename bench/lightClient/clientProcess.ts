/**
 * One process of the light load client (bench/lightLoad.ts forks several): opens its connections, runs their
 * workload (hold → release loops on their own seats, or the flash-sale pattern) for the window it is given, and sends
 * back its counters and latency samples.
 *
 * Messages: parent `connect` → child `connected`; parent `run` → child `result`.
 */
import { type FlashPattern, type HoldTally, seatIdOf } from '../flashPattern.ts';
import { type FlashPlan, LoadConnection, LoadCounters } from './loadConnection.ts';

/** A connection to open: its guest token, and its own seat (`loop`) or its pick generator's seed (`flash`). */
export type ClientTarget = Readonly<{ token: string; seatId: string; seed: number }>;

export type ClientConnect = Readonly<{
  type: 'connect';
  baseUrl: string;
  eventId: string;
  targets: readonly ClientTarget[];
  /** Set: the `flash` workload with this pattern; unset: `loop`. */
  flash?: FlashPattern | undefined;
}>;

/** Epoch milliseconds: requests start now, count from measureFrom, stop at endAt. */
export type ClientRun = Readonly<{ type: 'run'; measureFrom: number; endAt: number; ackTimeoutMs: number }>;

export type ClientResult = Readonly<{
  type: 'result';
  loops: number;
  holdsAcked: number;
  releasesAcked: number;
  /** Every answered request inside the window (ok or refused), with its ack latency in ms. */
  latencies: Float64Array;
  /** The holds answered inside the window, and their ack latencies in ms. */
  holds: HoldTally;
  holdLatencies: Float64Array;
  /** The `flash` workload's grants, every one (empty for `loop`): see GrantLog. */
  grants: Readonly<{
    seatIndexes: Float64Array;
    ackAts: Float64Array;
    releaseSentAts: Float64Array;
    unreleased: readonly Readonly<{ seatIndex: number; holdId: string }>[];
  }>;
  refusals: Record<string, number>;
  failures: Record<string, number>;
  otherMessages: number;
}>;

export type ClientMessage = Readonly<{ type: 'ready' }> | Readonly<{ type: 'connected' }> | ClientResult;

const counters = new LoadCounters();
let connections: LoadConnection[] = [];

const connectAll = async (task: ClientConnect): Promise<void> => {
  const pattern = task.flash;
  // Every seat's id as JSON, built once for the process's connections.
  const seatIdJsons =
    pattern === undefined
      ? []
      : Array.from({ length: pattern.seatCount }, (_, i) => JSON.stringify(seatIdOf(i, pattern.seatsPerRow)));
  const planOf = (seed: number): FlashPlan | undefined =>
    pattern === undefined ? undefined : { pattern, seed, seatIdJsons };
  const open = ({ token, seatId, seed }: ClientTarget) =>
    LoadConnection.open({ baseUrl: task.baseUrl, eventId: task.eventId, token, seatId, flash: planOf(seed) }, counters);
  // In slices, so hundreds of handshakes do not all wait on the server's JWT checks at once.
  for (let i = 0; i < task.targets.length; i += 50) {
    connections.push(...(await Promise.all(task.targets.slice(i, i + 50).map(open))));
  }
};

const run = async (task: ClientRun): Promise<ClientResult> => {
  counters.measureFrom = task.measureFrom;
  counters.endAt = task.endAt;
  for (const connection of connections) connection.start();
  const timeouts = setInterval(() => {
    const now = performance.now();
    for (const connection of connections) connection.checkTimeout(now, task.ackTimeoutMs);
  }, 250);
  // Past endAt no request is sent; the ones in flight get until their ack timeout to be answered.
  await Promise.all(connections.map((connection) => connection.finished));
  clearInterval(timeouts);
  for (const connection of connections) connection.close();
  connections = [];
  return {
    type: 'result',
    loops: counters.loops,
    holdsAcked: counters.holdsAcked,
    releasesAcked: counters.releasesAcked,
    latencies: counters.latencies.toArray(),
    holds: counters.holds,
    holdLatencies: counters.holdLatencies.toArray(),
    grants: {
      seatIndexes: counters.grants.seatIndexes.toArray(),
      ackAts: counters.grants.ackAts.toArray(),
      releaseSentAts: counters.grants.releaseSentAts.toArray(),
      unreleased: counters.grants.unreleased,
    },
    refusals: counters.refusals,
    failures: counters.failures,
    otherMessages: counters.otherMessages,
  };
};

const reply = (message: ClientMessage, then: () => void = () => {}) => process.send?.(message, then);

process.on('message', (task: ClientConnect | ClientRun) => {
  const failed = (error: unknown) => {
    console.error(error);
    process.exit(1);
  };
  if (task.type === 'connect') connectAll(task).then(() => reply({ type: 'connected' }), failed);
  else run(task).then((result) => reply(result, () => process.exit(0)), failed);
});
reply({ type: 'ready' });
