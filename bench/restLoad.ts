/**
 * A quick local load on one event over REST: concurrent buyers hold a seat (80 % of requests on 20 % of the
 * seats), release it when they got it, and go again. Prints holds/s, acknowledgement latency percentiles and
 * events per append, for the embedded store and for Postgres, side by side in one run.
 *
 *   npx tsx bench/restLoad.ts [--seconds 10] [--concurrency 64] [--stores pglite,postgres]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { api, priceTiers, venueBody } from '../test/support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../test/support/postgres.ts';
import { adminToken, startServerProcess } from '../test/support/serverProcess.ts';

/** /metrics on the public port is for admins (docs/operations.md). */
const adminHeaders = { headers: { authorization: `Bearer ${adminToken}` } };

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    stores: { type: 'string', default: 'pglite,postgres' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

const run = async (store: string) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-load-'));
  const schema = uniqueSchema('load');
  const env: Record<string, string> =
    store === 'postgres'
      ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema }
      : { DATA_DIR: dataDir, DATABASE_URL: '' };
  const server = await startServerProcess(env);
  try {
    const client = api(server.baseUrl);
    const rows = 50;
    const perRow = 40;
    const venueId = await client.createVenue(venueBody(rows, perRow));
    const eventId = await client.createEvent({ venueId, name: 'Load', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const seatIds = Array.from(
      { length: rows * perRow },
      (_, i) => `ORCH-${Math.floor(i / perRow) + 1}-${(i % perRow) + 1}`,
    );
    const hot = seatIds.slice(0, seatIds.length / 5);
    const buyers = await Promise.all(Array.from({ length: concurrency }, () => client.session()));
    const before = await (await fetch(`${server.baseUrl}/metrics`, adminHeaders)).text();
    const latencies: number[] = [];
    let granted = 0;
    let refused = 0;
    let failed = 0;
    let request = 0;
    const end = performance.now() + seconds * 1000;
    const worker = async (buyer: { token: string }) => {
      while (performance.now() < end) {
        const pool = Math.random() < 0.8 ? hot : seatIds;
        const seatId = pool[Math.floor(Math.random() * pool.length)]!;
        const started = performance.now();
        const reply = await client.hold(eventId, buyer.token, { seatIds: [seatId], requestId: `r${request++}` });
        latencies.push(performance.now() - started);
        if (reply.status === 201) {
          granted += 1;
          const released = await client.release(reply.body.holdId, buyer.token);
          if (released.status !== 204) failed += 1;
        } else if (reply.status === 409) refused += 1;
        else failed += 1;
      }
    };
    const started = performance.now();
    await Promise.all(buyers.map(worker));
    const elapsed = (performance.now() - started) / 1000;
    const after = await (await fetch(`${server.baseUrl}/metrics`, adminHeaders)).text();
    const appends = metric(after, 'actor_appends_total') - metric(before, 'actor_appends_total');
    const events = metric(after, 'actor_events_total') - metric(before, 'actor_events_total');
    latencies.sort((a, b) => a - b);
    return {
      store,
      seconds: Number(elapsed.toFixed(1)),
      concurrency,
      holdRequestsPerSecond: Math.round(latencies.length / elapsed),
      holdsGrantedPerSecond: Math.round(granted / elapsed),
      refused,
      failed,
      p50Ms: Number(percentile(latencies, 0.5).toFixed(2)),
      p99Ms: Number(percentile(latencies, 0.99).toFixed(2)),
      eventsPerAppend: Number((events / Math.max(1, appends)).toFixed(2)),
    };
  } finally {
    await server.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(schema);
  }
};

const results = [];
for (const store of values.stores.split(',')) results.push(await run(store));
console.table(results);
console.log(JSON.stringify({ restLoad: results }));
