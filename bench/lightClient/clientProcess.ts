/**
 * One process of the light load client (bench/lightLoad.ts forks several): opens its connections, runs their
 * hold → release loops for the window it is given, and sends back its counters and latency sample.
 *
 * Messages: parent `connect` → child `connected`; parent `run` → child `result`.
 */
import { LoadConnection, LoadCounters } from './loadConnection.ts';

export type ClientConnect = Readonly<{
  type: 'connect';
  baseUrl: string;
  eventId: string;
  targets: readonly Readonly<{ token: string; seatId: string }>[];
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
  refusals: Record<string, number>;
  failures: Record<string, number>;
  otherMessages: number;
}>;

export type ClientMessage = Readonly<{ type: 'ready' }> | Readonly<{ type: 'connected' }> | ClientResult;

const counters = new LoadCounters();
let connections: LoadConnection[] = [];

const connectAll = async (task: ClientConnect): Promise<void> => {
  const open = (target: Readonly<{ token: string; seatId: string }>) =>
    LoadConnection.open({ baseUrl: task.baseUrl, eventId: task.eventId, ...target }, counters);
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
    latencies: counters.latencies.slice(0, counters.latencyCount),
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
