/**
 * The `reads` section of `npm run bench`: what a flash sale's readers cost, side by side with `/healthz` in one run,
 * against the real server (`node --import tsx src/main.ts`, embedded store) on this machine, with two load clients
 * each in a process of its own (never this one): autocannon (the issue's tool, its CLI) and wrk (C, far less CPU per
 * request, so a figure the client bounds shows up as the two clients disagreeing):
 *   - `/healthz`, the ceiling of the HTTP stack (first and last: ratios are over the mean of both, per client);
 *   - a demo-size map (370 seats), identity and compressed;
 *   - a 50,000-seat map compressed (br), its compact status form compressed (br), and a conditional read of the
 *     map with the current ETag (304), without a token (answered at once) and with a buyer's (verified first);
 * and the bytes of every form (identity, gzip, br) and of the layout, as a client receives them.
 * Every window reports the server's CPU per request (the whole process, and its main thread's share of one core, from
 * /proc) and the client's, and how busy the machine was: a server main thread near 100 % is the server's bound, one
 * well below it with a busy machine is the client's (or other users').
 * The 50,000-seat event has 2,000 seats held (400 buyers × 5, best available), so the maps are not all "available";
 * held seats cluster in the front rows, as best-available holds do, which is what makes the status form compress so
 * well (random statuses compress far less: see docs/benchmarks.md). Each window is preceded by 1 s unrecorded (warm-up).
 *
 *   npx tsx bench/reads.ts [--seconds 10] [--connections 50] [--clients autocannon,wrk] [--wrk-threads 1]
 *     [--reads demoMap,largeConditional304] [--checkout DIR] [--profile-dir DIR] [--no-healthz]
 *
 * `--reads` runs only those reads (with `/healthz` first and last); `--checkout` runs another worktree's server (a
 * before/after); `--profile-dir` runs the server with `--cpu-prof` (bench/profileSummary.ts reads it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { api, priceTiers, venueBody } from '../test/support/api.ts';
import { startServerProcess } from '../test/support/serverProcess.ts';
import {
  cpuMicroseconds,
  cpuPercent,
  exitedChildrenTicks,
  machineTicks,
  processTicks,
  threadTicks,
} from './procStat.ts';

export const loadClients = ['autocannon', 'wrk'] as const;
export type LoadClient = (typeof loadClients)[number];

export type ReadsOptions = Readonly<{
  seconds: number;
  connections: number;
  clients?: readonly LoadClient[];
  /** wrk's threads (each an epoll loop); 1 leaves the other core to the server. */
  wrkThreads?: number;
  /** Only these reads (by name), with `/healthz` first and last; default all. */
  reads?: readonly string[];
  /** Another checkout's server (its own node_modules), for a before/after. */
  cwd?: string;
  /** Run the server with `--cpu-prof` into this folder. */
  profileDir?: string;
  /** Leave out the two `/healthz` windows (and the ratios): a profile of the reads alone. */
  noHealthz?: boolean;
}>;
export const defaultReads: ReadsOptions = { seconds: 10, connections: 50 };

export type ReadRun = Readonly<{
  name: string;
  client: LoadClient;
  path: string;
  headers: Readonly<Record<string, string>>;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Body and header bytes received per second. */
  bytesPerSecond: number;
  /** By status code (autocannon); wrk counts only answers outside 2xx/3xx, as `other`. */
  statuses: Readonly<Record<string, number>>;
  errors: number;
  /** The server process's CPU (every thread) per request. */
  serverCpuUsPerRequest: number;
  /** The server's main thread (JavaScript, uWS's loop) as % of one core over the window. */
  serverMainThreadPercent: number;
  /** The whole server process as % of one core. */
  serverCpuPercent: number;
  /** The load client process's CPU per request, and as % of one core. */
  clientCpuUsPerRequest: number;
  clientCpuPercent: number;
  /** The whole machine's busy share (% of all cores) over the window: the server, the client and anyone else. */
  machineBusyPercent: number;
  /** What bounds the figure: `server` when its main thread is ≥ 85 % of a core, else `client or machine`. */
  bound: 'server' | 'client or machine';
}>;

export type ReadsResult = Readonly<{
  options: ReadsOptions;
  runs: readonly ReadRun[];
  /** Bytes of each body as sent, by form and coding. */
  bytes: Readonly<Record<string, number>>;
  /** `<client>.<ratio>`: each read over the mean of the same client's two `/healthz` windows. */
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

/** Runs a load client to its end; its stdout, or rejects with its stderr. */
const runClient = (command: string, args: readonly string[]) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}: ${stderr}`)),
    );
  });

export type ClientResult = Readonly<{
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  bytes: number;
  statuses: Record<string, number>;
  errors: number;
}>;

const autocannonCli = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

/** autocannon's CLI with `--json`: the same result object as its API, in a process of its own. */
export const autocannonRun = async (
  url: string,
  headers: Readonly<Record<string, string>>,
  connections: number,
  seconds: number,
): Promise<ClientResult> => {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const out = await runClient(process.execPath, [
    autocannonCli,
    '--json',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    ...headerArgs,
    url,
  ]);
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
    requests: { total: number };
    duration: number;
    latency: { p50: number; p99: number };
    throughput: { total: number };
    statusCodeStats?: Record<string, { count?: number }>;
    errors: number;
    timeouts: number;
  };
  const statuses: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count.count ?? 0;
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    bytes: result.throughput.total,
    statuses,
    errors: result.errors + result.timeouts,
  };
};

/** wrk's summary as one JSON line (its Lua `done` hook), after its own text report. */
const wrkReport = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"bytes":%d,"status":%d,"socket":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

const wrkRun = async (
  url: string,
  headers: Readonly<Record<string, string>>,
  connections: number,
  seconds: number,
  threads: number,
  script: string,
): Promise<ClientResult> => {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const out = await runClient('wrk', [
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    ...headerArgs,
    url,
  ]);
  const line = out
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`wrk printed no summary: ${out}`);
  const result = JSON.parse(line) as {
    requests: number;
    durationUs: number;
    bytes: number;
    status: number;
    socket: number;
    p50Us: number;
    p99Us: number;
  };
  return {
    requests: result.requests,
    seconds: result.durationUs / 1e6,
    p50Ms: result.p50Us / 1000,
    p99Ms: result.p99Us / 1000,
    bytes: result.bytes,
    statuses: result.status === 0 ? {} : { other: result.status },
    errors: result.socket,
  };
};

export const runReads = async (options: ReadsOptions = defaultReads): Promise<ReadsResult> => {
  const clients = options.clients ?? loadClients;
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-reads-'));
  const wrkScript = join(dataDir, 'report.lua');
  writeFileSync(wrkScript, wrkReport);
  const server = await startServerProcess(
    {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      // One load client on one address: the per-address limits would measure themselves, not the reads.
      SEATMAP_READS_PER_ADDRESS_MAX: '1000000',
      SEATMAP_BYTES_PER_SECOND_MAX: '1000000000000',
    },
    options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`],
    // A busy shared machine can take a while to start PGlite.
    120_000,
    options.cwd,
  );
  const pid = server.child.pid!;
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
    const reads: [string, string, Record<string, string>][] = [
      ['demoMap', map(demo), {}],
      ['demoMapCompressed', map(demo), compressed],
      ['largeMapCompressed', map(large), compressed],
      ['largeStatusFormCompressed', map(large, '?form=status'), compressed],
      ['largeConditional304', map(large), { ...compressed, 'if-none-match': etag }],
      // The same read with a buyer's bearer token, as the client SDK sends it: the token is verified first.
      [
        'largeConditional304Buyer',
        map(large),
        { ...compressed, 'if-none-match': etag, authorization: `Bearer ${buyers[0]!.token}` },
      ],
    ];
    const runs: ReadRun[] = [];
    const measure = async (
      name: string,
      path: string,
      headers: Record<string, string>,
      loadClient: LoadClient,
    ): Promise<void> => {
      const url = `${server.baseUrl}${path}`;
      const go = (seconds: number) =>
        loadClient === 'autocannon'
          ? autocannonRun(url, headers, options.connections, seconds)
          : wrkRun(url, headers, options.connections, seconds, options.wrkThreads ?? 1, wrkScript);
      process.stderr.write(`reads: ${name} (${loadClient}) ...\n`);
      // A second unrecorded first: the server's JIT and caches (compressed forms) warm up on it.
      await go(1);
      const serverBefore = processTicks(pid);
      const mainBefore = threadTicks(pid).get(pid) ?? 0;
      const clientBefore = exitedChildrenTicks();
      const machineBefore = machineTicks();
      const result = await go(options.seconds);
      const serverTicks = processTicks(pid) - serverBefore;
      const mainTicks = (threadTicks(pid).get(pid) ?? 0) - mainBefore;
      const clientTicks = exitedChildrenTicks() - clientBefore;
      const machineAfter = machineTicks();
      const machineBusyPercent = Number(
        (
          ((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) *
          100
        ).toFixed(1),
      );
      const serverMainThreadPercent = cpuPercent(mainTicks, result.seconds);
      runs.push({
        name,
        client: loadClient,
        path,
        headers,
        requestsPerSecond: Math.round(result.requests / result.seconds),
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        bytesPerSecond: Math.round(result.bytes / result.seconds),
        statuses: result.statuses,
        errors: result.errors,
        serverCpuUsPerRequest: cpuMicroseconds(serverTicks, result.requests),
        serverMainThreadPercent,
        serverCpuPercent: cpuPercent(serverTicks, result.seconds),
        clientCpuUsPerRequest: cpuMicroseconds(clientTicks, result.requests),
        clientCpuPercent: cpuPercent(clientTicks, result.seconds),
        machineBusyPercent,
        bound: serverMainThreadPercent >= 85 ? 'server' : 'client or machine',
      });
    };
    const chosen = options.reads === undefined ? reads : reads.filter(([name]) => options.reads!.includes(name));
    // /healthz again at the end: the machine is shared, so the ratios use the mean of both /healthz windows.
    const healthz = options.noHealthz === true ? [] : [['healthz', '/healthz', {}] as const];
    const healthzAgain = options.noHealthz === true ? [] : [['healthzAgain', '/healthz', {}] as const];
    for (const [name, path, headers] of [...healthz, ...chosen, ...healthzAgain])
      for (const loadClient of clients) await measure(name, path, { ...headers }, loadClient);

    const ratios: Record<string, number> = {};
    for (const loadClient of options.noHealthz === true ? [] : clients) {
      const rate = (name: string) =>
        runs.find((run) => run.name === name && run.client === loadClient)?.requestsPerSecond;
      const healthz = (rate('healthz')! + rate('healthzAgain')!) / 2;
      for (const [name] of chosen)
        ratios[`${loadClient}.${name}OverHealthz`] = Number((rate(name)! / healthz).toFixed(3));
    }
    return { options, runs, bytes, ratios, seats: { demo: 370, large: 50_000, largeHeld } };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      clients: { type: 'string', default: loadClients.join(',') },
      'wrk-threads': { type: 'string', default: '1' },
      reads: { type: 'string' },
      checkout: { type: 'string' },
      'profile-dir': { type: 'string' },
      'no-healthz': { type: 'boolean', default: false },
    },
  });
  const clients = values.clients.split(',').map((name) => {
    if (!(loadClients as readonly string[]).includes(name)) throw new Error(`unknown client ${name}`);
    return name as LoadClient;
  });
  const startedAt = new Date().toISOString();
  const result = await runReads({
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    clients,
    wrkThreads: Number(values['wrk-threads']),
    ...(values.reads === undefined ? {} : { reads: values.reads.split(',') }),
    ...(values.checkout === undefined ? {} : { cwd: values.checkout }),
    ...(values['profile-dir'] === undefined ? {} : { profileDir: values['profile-dir'] }),
    noHealthz: values['no-healthz'],
  });
  console.table(
    result.runs.map((r) => ({
      read: r.name,
      client: r.client,
      'req/s': r.requestsPerSecond,
      'p50/p99 ms': `${r.p50Ms}/${r.p99Ms}`,
      'server µs/req': r.serverCpuUsPerRequest,
      'server main %': r.serverMainThreadPercent,
      'client µs/req': r.clientCpuUsPerRequest,
      'client %': r.clientCpuPercent,
      'machine %': r.machineBusyPercent,
      bound: r.bound,
    })),
  );
  console.table(result.ratios);
  console.log(JSON.stringify({ startedAt, endedAt: new Date().toISOString(), ...result }));
}
