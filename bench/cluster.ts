/**
 * Cluster mode's two costs (issue #15), with real node processes on loopback, real Postgres and Redis:
 *
 * - forwarding: one event's holds sent to its owner directly against the same holds sent through the other node
 *   (forwarded over HTTP), alternated direct, forwarded, forwarded, direct in each round, the same buyers and event:
 *   hold requests answered per second and their latency (p50, p99) per mode;
 * - rebalance: how long an event cannot take a hold while it moves. Two nodes run `--moves` events that a third node
 *   will be preferred for; probes hold and release a seat of each event back to back, through each of the two nodes;
 *   the third node joins and the events move to it (the rebalancing scan); the window is the longest time between two
 *   acknowledged holds of one probe. Then the third node stops (SIGTERM, a drain) and the events move back: the same
 *   window on leave. `--joins` times.
 *
 *   npx tsx bench/cluster.ts [--sections forwarding,rebalance] [--seconds 5] [--rounds 2] [--concurrency 16]
 *                            [--moves 5] [--joins 3] [--lease-ttl-ms 5000]
 *
 * The load client is this process (fetch, keep-alive), on the same machine as the nodes: the two modes share it, so
 * their ratio is the forwarding cost on this machine, not a capacity.
 */

import { parseArgs } from 'node:util';
import { preferredOwner } from '../src/domain/cluster/placement.ts';
import { api, priceTiers, venueBody } from '../test/support/api.ts';
import { type ClusterNode, ownerOf, startCluster, type TestCluster, waitFor } from '../test/support/cluster.ts';

const { values } = parseArgs({
  options: {
    sections: { type: 'string', default: 'forwarding,rebalance' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    moves: { type: 'string', default: '5' },
    joins: { type: 'string', default: '3' },
    'lease-ttl-ms': { type: 'string', default: '5000' },
  },
});
const sections = new Set(values.sections.split(','));
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const moves = Number(values.moves);
const joins = Number(values.joins);
const leaseTtlMs = Number(values['lease-ttl-ms']);

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
const round1 = (value: number): number => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The event on its preferred node among the live ones (a read claims it there), and the node that runs it. */
const placedOn = async (cluster: TestCluster, nodes: readonly ClusterNode[], eventId: string): Promise<ClusterNode> => {
  const ownerId = await waitFor('the event on its preferred node', 15_000, async () => {
    await api(nodes[0]!.baseUrl).seatMap(eventId);
    const owner = await ownerOf(nodes[0]!.baseUrl, eventId);
    return owner.nodeId !== null && owner.nodeId === owner.preferredNodeId ? owner.nodeId : undefined;
  });
  return cluster.nodes.find((node) => node.nodeId === ownerId) ?? nodes.find((node) => node.nodeId === ownerId)!;
};

const createEvent = (baseUrl: string, venueId: string, name: string) =>
  api(baseUrl).createEvent({
    venueId,
    name,
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    priceTiers,
  });

/** Hold requests on one event through `entry` for `seconds`: each worker holds a random seat, releases what it got. */
const holdLoad = async (
  entry: ClusterNode,
  eventId: string,
  tokens: readonly string[],
  seatIds: readonly string[],
  tag: string,
) => {
  const client = api(entry.baseUrl);
  const latencies: number[] = [];
  let granted = 0;
  let refused = 0;
  let failed = 0;
  let request = 0;
  const end = performance.now() + seconds * 1_000;
  const worker = async (token: string) => {
    while (performance.now() < end) {
      const seatId = seatIds[Math.floor(Math.random() * seatIds.length)]!;
      const started = performance.now();
      const reply = await client.hold(eventId, token, { seatIds: [seatId], requestId: `${tag}-${request++}` });
      latencies.push(performance.now() - started);
      if (reply.status === 201) {
        granted += 1;
        if ((await client.release(reply.body.holdId, token)).status !== 204) failed += 1;
      } else if (reply.status === 409) refused += 1;
      else failed += 1;
    }
  };
  const started = performance.now();
  await Promise.all(tokens.map(worker));
  const elapsed = (performance.now() - started) / 1_000;
  return { elapsed, latencies, granted, refused, failed };
};

const forwarding = async (cluster: TestCluster) => {
  const [b1] = cluster.nodes;
  const admin = api(b1!.baseUrl);
  const rows = 50;
  const perRow = 40;
  const venueId = await admin.createVenue(venueBody(rows, perRow));
  const eventId = await createEvent(b1!.baseUrl, venueId, 'Forwarding');
  const owner = await placedOn(cluster, cluster.nodes, eventId);
  const other = cluster.nodes.find((node) => node !== owner)!;
  const seatIds = Array.from(
    { length: rows * perRow },
    (_, i) => `ORCH-${Math.floor(i / perRow) + 1}-${(i % perRow) + 1}`,
  );
  const tokens = (await Promise.all(Array.from({ length: concurrency }, () => admin.session()))).map((s) => s.token);
  const phases: { mode: 'direct' | 'forwarded'; holdsPerSecond: number; p50Ms: number; p99Ms: number }[] = [];
  const all = { direct: [] as number[], forwarded: [] as number[] };
  const totals = {
    direct: { requests: 0, elapsed: 0, failed: 0, granted: 0 },
    forwarded: { requests: 0, elapsed: 0, failed: 0, granted: 0 },
  };
  // A warm-up through each node (connections, JIT, the forwarder's connection pool), not counted.
  await holdLoad(owner, eventId, tokens, seatIds, 'warm-d');
  await holdLoad(other, eventId, tokens, seatIds, 'warm-f');
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['direct', 'forwarded', 'forwarded', 'direct'] as const) {
      const result = await holdLoad(
        mode === 'direct' ? owner : other,
        eventId,
        tokens,
        seatIds,
        `${mode}-${r}-${phases.length}`,
      );
      const sorted = [...result.latencies].sort((a, b) => a - b);
      phases.push({
        mode,
        holdsPerSecond: Math.round(result.latencies.length / result.elapsed),
        p50Ms: round1(percentile(sorted, 0.5)),
        p99Ms: round1(percentile(sorted, 0.99)),
      });
      all[mode].push(...result.latencies);
      totals[mode].requests += result.latencies.length;
      totals[mode].elapsed += result.elapsed;
      totals[mode].failed += result.failed;
      totals[mode].granted += result.granted;
    }
  }
  const summary = (['direct', 'forwarded'] as const).map((mode) => {
    const sorted = all[mode].sort((a, b) => a - b);
    return {
      mode,
      holdsPerSecond: Math.round(totals[mode].requests / totals[mode].elapsed),
      grantedPerSecond: Math.round(totals[mode].granted / totals[mode].elapsed),
      p50Ms: round1(percentile(sorted, 0.5)),
      p99Ms: round1(percentile(sorted, 0.99)),
      failed: totals[mode].failed,
    };
  });
  return { owner: owner.nodeId, entryWhenForwarded: other.nodeId, concurrency, seconds, rounds, phases, summary };
};

type Probe = {
  eventId: string;
  via: ClusterNode;
  /** Instants (ms, performance.now) of the acknowledged holds. */
  acks: number[];
  failures: Map<string, number>;
};

/** Holds and releases a seat of the event through `via`, back to back, until stopped; records each acknowledged hold. */
const runProbe = async (probe: Probe, token: string, seatIds: readonly string[], stopped: () => boolean) => {
  const client = api(probe.via.baseUrl);
  const fail = (what: string) => probe.failures.set(what, (probe.failures.get(what) ?? 0) + 1);
  let n = 0;
  while (!stopped()) {
    const seatId = seatIds[n % seatIds.length]!;
    n += 1;
    const held = await client
      .hold(probe.eventId, token, { seatIds: [seatId], requestId: `p${n}` })
      .catch(() => undefined);
    if (held?.status !== 201) {
      fail(`hold ${held?.status ?? 'no answer'} ${held?.body?.error?.code ?? ''}`.trim());
      await sleep(5);
      continue;
    }
    probe.acks.push(performance.now());
    // The seat is let go before the next hold, retried as long as it takes (the same requestId: the same release).
    for (;;) {
      const released = await client.release(held.body.holdId, token).catch(() => undefined);
      if (released?.status === 204 || stopped()) break;
      fail(`release ${released?.status ?? 'no answer'} ${released?.body?.error?.code ?? ''}`.trim());
      await sleep(5);
    }
  }
};

/** The longest time between two acknowledged holds of a probe, and the median one. */
const gapsOf = (acks: readonly number[]) => {
  const gaps = acks.slice(1).map((at, index) => at - acks[index]!);
  const sorted = [...gaps].sort((a, b) => a - b);
  return { maxMs: round1(sorted.at(-1) ?? Number.NaN), medianMs: round1(percentile(sorted, 0.5)), holds: acks.length };
};

/**
 * Probes every event through each of the two first nodes while `move` runs, until every event is on the node `done`
 * names (and 1 s more); the windows per probe.
 */
const probeWhile = async (
  cluster: TestCluster,
  eventIds: readonly string[],
  tokens: readonly string[],
  move: () => Promise<unknown>,
  settled: () => Promise<boolean>,
) => {
  const entries = cluster.nodes.slice(0, 2);
  const probes: Probe[] = eventIds.flatMap((eventId) =>
    entries.map((via) => ({ eventId, via, acks: [], failures: new Map<string, number>() })),
  );
  let stop = false;
  const running = probes.map((probe, index) =>
    runProbe(
      probe,
      tokens[index]!,
      // Each probe its own seats of the event's 20 (two probes per event).
      Array.from({ length: 10 }, (_, s) => `ORCH-1-${(index % 2) * 10 + s + 1}`),
      () => stop,
    ),
  );
  // A second of steady state first, so each probe's median gap is known before the move.
  await sleep(1_000);
  const movedAt = performance.now();
  await move();
  await waitFor('the events on their new node', 60_000, async () => ((await settled()) ? true : undefined));
  const settledMs = performance.now() - movedAt;
  await sleep(1_000);
  stop = true;
  await Promise.all(running);
  const windows = probes.map((probe) => ({
    eventId: probe.eventId,
    via: probe.via.nodeId,
    ...gapsOf(probe.acks.filter((at) => at >= movedAt - 1_000)),
    failures: Object.fromEntries(probe.failures),
  }));
  const maxes = windows.map((w) => w.maxMs).sort((a, b) => a - b);
  return {
    settledMs: Math.round(settledMs),
    windowMedianMs: round1(percentile(maxes, 0.5)),
    windowMaxMs: round1(maxes.at(-1) ?? Number.NaN),
    steadyGapMedianMs: round1(
      percentile(
        windows.map((w) => w.medianMs).sort((a, b) => a - b),
        0.5,
      ),
    ),
    windows,
  };
};

const rebalance = async (cluster: TestCluster) => {
  const [b1, b2] = cluster.nodes as [ClusterNode, ClusterNode];
  const admin = api(b1.baseUrl);
  const venueId = await admin.createVenue(venueBody(1, 20));
  // Events the third node will be preferred for, each running on its preferred node of the first two.
  const eventIds: string[] = [];
  for (let n = 0; eventIds.length < moves && n < 200; n++) {
    const eventId = await createEvent(b1.baseUrl, venueId, `Move ${n}`);
    if (preferredOwner(eventId, ['b1', 'b2', 'b3']) !== 'b3') continue;
    await placedOn(cluster, [b1, b2], eventId);
    eventIds.push(eventId);
  }
  const tokens = (await Promise.all(eventIds.flatMap(() => [admin.session(), admin.session()]))).map((s) => s.token);
  const ownersAre = async (want: (nodeId: string | null) => boolean) =>
    (await Promise.all(eventIds.map((eventId) => ownerOf(b1.baseUrl, eventId)))).every((owner) => want(owner.nodeId));
  const results: { join: Awaited<ReturnType<typeof probeWhile>>; leave: Awaited<ReturnType<typeof probeWhile>> }[] = [];
  for (let j = 0; j < joins; j++) {
    let b3: ClusterNode | undefined;
    const join = await probeWhile(
      cluster,
      eventIds,
      tokens,
      async () => {
        b3 = await cluster.startNode('b3', { LEASE_TTL_MS: String(leaseTtlMs) });
      },
      () => ownersAre((nodeId) => nodeId === 'b3'),
    );
    const leave = await probeWhile(
      cluster,
      eventIds,
      tokens,
      () => b3!.stop('SIGTERM'),
      () => ownersAre((nodeId) => nodeId === 'b1' || nodeId === 'b2'),
    );
    results.push({ join, leave });
    console.log(
      `rebalance ${j + 1}/${joins}: join window median ${join.windowMedianMs} ms, max ${join.windowMaxMs} ms ` +
        `(settled ${join.settledMs} ms); leave median ${leave.windowMedianMs} ms, max ${leave.windowMaxMs} ms ` +
        `(settled ${leave.settledMs} ms)`,
    );
  }
  return { events: eventIds.length, leaseTtlMs, results };
};

const cluster = await startCluster(['b1', 'b2'], { leaseTtlMs, env: { LOG_LEVEL: 'warn' } });
const report: Record<string, unknown> = { at: new Date().toISOString() };
try {
  if (sections.has('forwarding')) {
    report.forwarding = await forwarding(cluster);
    console.table((report.forwarding as { summary: unknown[] }).summary);
  }
  if (sections.has('rebalance')) report.rebalance = await rebalance(cluster);
} finally {
  await cluster.close();
}
console.log(JSON.stringify({ cluster: report }));
