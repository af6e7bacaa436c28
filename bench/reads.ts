/**
 * The `reads` section of `npm run bench`: what a flash sale's readers cost, side by side with `/healthz` in one run,
 * with autocannon against the real server (`node --import tsx src/main.ts`, embedded store) on this machine:
 *   - `/healthz`, the ceiling of the HTTP stack (first and last: ratios are over the mean of both);
 *   - a demo-size map (370 seats), identity and compressed;
 *   - a 50,000-seat map compressed (br), its compact status form compressed (br), and a conditional read of the
 *     map with the current ETag (304);
 * and the bytes of every form (identity, gzip, br) and of the layout, as a client receives them.
 * The 50,000-seat event has 2,000 seats held (400 buyers × 5, best available), so the maps are not all "available";
 * held seats cluster in the front rows, as best-available holds do, which is what makes the status form compress so
 * well (random statuses compress far less: see docs/benchmarks.md). Each run is preceded by 1 s unrecorded (warm-up).
 *
 *   npx tsx bench/reads.ts [--seconds 10] [--connections 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { api, priceTiers, venueBody } from '../test/support/api.ts';
import { startServerProcess } from '../test/support/serverProcess.ts';

export type ReadsOptions = Readonly<{ seconds: number; connections: number }>;
export const defaultReads: ReadsOptions = { seconds: 10, connections: 50 };

export type ReadRun = Readonly<{
  name: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Body and header bytes received per second. */
  bytesPerSecond: number;
  statuses: Readonly<Record<string, number>>;
  errors: number;
}>;

export type ReadsResult = Readonly<{
  options: ReadsOptions;
  runs: readonly ReadRun[];
  /** Bytes of each body as sent, by form and coding. */
  bytes: Readonly<Record<string, number>>;
  ratios: Readonly<Record<string, number>>;
  seats: Readonly<{ demo: number; large: number; largeHeld: number }>;
}>;

/** One GET over node:http, which hands over the body as sent (fetch would decompress it). */
const rawGet = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; etag: string; body: Buffer }>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, etag: String(res.headers.etag), body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });

const cannon = async (
  baseUrl: string,
  name: string,
  path: string,
  headers: Record<string, string>,
  options: ReadsOptions,
): Promise<ReadRun> => {
  const result = await autocannon({
    url: `${baseUrl}${path}`,
    headers,
    connections: options.connections,
    duration: options.seconds,
  });
  const statuses: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count.count ?? 0;
  return {
    name,
    path,
    headers,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    bytesPerSecond: Math.round(result.throughput.average),
    statuses,
    errors: result.errors + result.timeouts,
  };
};

export const runReads = async (options: ReadsOptions = defaultReads): Promise<ReadsResult> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-reads-'));
  const server = await startServerProcess(
    {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      // One load client on one address: the per-address limits would measure themselves, not the reads.
      SEATMAP_READS_PER_ADDRESS_MAX: '1000000',
      SEATMAP_BYTES_PER_SECOND_MAX: '1000000000000',
    },
    [],
    // A busy shared machine can take a while to start PGlite.
    120_000,
  );
  try {
    const client = api(server.baseUrl);
    const startsAt = '2030-01-01T20:00:00Z';
    const demoVenue = await client.createVenue(venueBody(10, 37));
    const demo = await client.createEvent({ venueId: demoVenue, name: 'Demo size', startsAt, priceTiers });
    const largeVenue = await client.createVenue(venueBody(250, 200));
    const large = await client.createEvent({ venueId: largeVenue, name: '50,000 seats', startsAt, priceTiers });
    const buyers = await Promise.all(Array.from({ length: 400 }, () => client.session()));
    const held = await Promise.all(
      buyers.map((buyer, i) =>
        client.hold(large, buyer.token, { bestAvailable: { quantity: 5 }, requestId: `bench-${i}` }),
      ),
    );
    const largeHeld = held.filter((reply) => reply.status === 201).length * 5;

    const map = (eventId: string, form = '') => `/v1/events/${eventId}/seatmap${form}`;
    const bytes: Record<string, number> = {};
    for (const [label, path] of [
      ['demoMap', map(demo)],
      ['largeMap', map(large)],
      ['largeStatusForm', map(large, '?form=status')],
      ['largeLayout', `/v1/events/${large}/layout`],
    ] as const) {
      for (const coding of ['identity', 'gzip', 'br']) {
        const reply = await rawGet(`${server.baseUrl}${path}`, { 'accept-encoding': coding });
        if (reply.status !== 200) throw new Error(`${path} (${coding}) answered ${reply.status}`);
        bytes[`${label}.${coding}`] = reply.body.length;
      }
    }
    const { etag } = await rawGet(`${server.baseUrl}${map(large)}`, { 'accept-encoding': 'br' });

    const compressed = { 'accept-encoding': 'br, gzip' };
    const runs: ReadRun[] = [];
    for (const [name, path, headers] of [
      ['healthz', '/healthz', {}],
      ['demoMap', map(demo), {}],
      ['demoMapCompressed', map(demo), compressed],
      ['largeMapCompressed', map(large), compressed],
      ['largeStatusFormCompressed', map(large, '?form=status'), compressed],
      ['largeConditional304', map(large), { ...compressed, 'if-none-match': etag }],
      // Again at the end: the machine is shared, so the ratios use the mean of both /healthz runs.
      ['healthzAgain', '/healthz', {}],
    ] as const) {
      process.stderr.write(`reads: ${name} ...\n`);
      // A second unrecorded first: the server's JIT and caches (compressed forms) warm up on it.
      await cannon(server.baseUrl, name, path, headers, { ...options, seconds: 1 });
      runs.push(await cannon(server.baseUrl, name, path, headers, options));
    }
    const rate = (name: string) => runs.find((run) => run.name === name)!.requestsPerSecond;
    const healthz = (rate('healthz') + rate('healthzAgain')) / 2;
    const ratio = (name: string) => Number((rate(name) / healthz).toFixed(3));
    return {
      options,
      runs,
      bytes,
      ratios: {
        demoMapOverHealthz: ratio('demoMap'),
        demoMapCompressedOverHealthz: ratio('demoMapCompressed'),
        largeMapCompressedOverHealthz: ratio('largeMapCompressed'),
        largeConditionalOverHealthz: ratio('largeConditional304'),
      },
      seats: { demo: 370, large: 50_000, largeHeld },
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } },
  });
  const result = await runReads({ seconds: Number(values.seconds), connections: Number(values.connections) });
  console.log(JSON.stringify(result, null, 2));
}
