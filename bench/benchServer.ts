/**
 * The server a benchmark mode runs against: `node --import tsx src/main.ts` (as `npm start`), with the mode's store
 * and BENCH_HOLD_MODE, a venue of `rows` × `seatsPerRow` seats (`ORCH-<row>-<seat>`) and one event on sale. Both
 * load clients (bench/flashSale.ts with socket.io-client, bench/lightLoad.ts with raw WebSockets) start it here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { api, priceTiers, venueBody } from '../test/support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../test/support/postgres.ts';
import { adminToken, type ServerProcess, startServerProcess } from '../test/support/serverProcess.ts';

export const benchModes = ['actor', 'actorPostgres', 'optimistic', 'redisLock', 'ceiling'] as const;
export type BenchMode = (typeof benchModes)[number];

/**
 * The run's Postgres URL, naming its connections after the run's schema (`application_name`), so the benchmark finds
 * this server's own backends in `pg_stat_activity` and counts their CPU apart from other users of a shared Postgres.
 */
const urlNamed = (schema: string): string => {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', schema);
  return url.toString();
};

/** The server's environment for a mode: its store and who answers holds (BENCH_HOLD_MODE). */
const modeEnv = (mode: BenchMode, dataDir: string, schema: string): Record<string, string> => {
  const postgres = { DATABASE_URL: urlNamed(schema), DATABASE_SCHEMA: schema };
  switch (mode) {
    case 'actor':
      return { DATA_DIR: dataDir, DATABASE_URL: '', BENCH_HOLD_MODE: 'actor' };
    case 'actorPostgres':
      return { ...postgres, BENCH_HOLD_MODE: 'actor' };
    case 'optimistic':
      return { ...postgres, BENCH_HOLD_MODE: 'optimistic' };
    case 'redisLock':
      return {
        ...postgres,
        BENCH_HOLD_MODE: 'redisLock',
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      };
    case 'ceiling':
      // With V8's default young generation (an empty NODE_OPTIONS replaces the server's own, test/support/serverProcess.ts):
      // --max-semi-space-size=64 makes the ceiling's requests costlier (docs/benchmarks.md, "A young generation for
      // requests that live a batch cycle"), and the bound the actor is held to stays the ceiling at its cheapest.
      return { DATA_DIR: dataDir, DATABASE_URL: '', BENCH_HOLD_MODE: 'ceiling', NODE_OPTIONS: '' };
    default: {
      const _exhaustive: never = mode;
      throw new Error(`unknown mode ${_exhaustive}`);
    }
  }
};

export type BenchServer = Readonly<{
  mode: BenchMode;
  process: ServerProcess;
  baseUrl: string;
  pid: number;
  eventId: string;
  /** Another event on the same venue, on sale with no hold yet (the flash workload takes one per window). */
  newEvent: () => Promise<string>;
  /** The Postgres schema of the run (actorPostgres and the baselines), dropped by stop(). */
  schema: string;
  /** `n` guest session tokens, created 50 at a time. */
  sessions: (n: number) => Promise<string[]>;
  /** The server's Prometheus text. */
  metrics: () => Promise<string>;
  /**
   * The pids of the Postgres backends serving this server (none on PGlite): their CPU is the store's share. With
   * BENCH_PROJECTOR=on, the projector process (`npm run projections -- follow`) and its backends are among them: the read
   * side's work moved out of the server is still counted, as the store's.
   */
  backendPids: () => Promise<number[]>;
  stop: () => Promise<void>;
}>;

export type BenchServerOptions = Readonly<{
  rows: number;
  seatsPerRow: number;
  profileDir?: string | undefined;
  /** More environment for the server (e.g. APPENDS_IN_FLIGHT_MAX), over the mode's. */
  env?: Readonly<Record<string, string>> | undefined;
  /** The checkout to run (an older commit's worktree, for a before/after in one run); default this one. */
  cwd?: string | undefined;
}>;

/** Backends whose application_name is the run's schema: the ones this server opened. */
const backendPidsOf = async (schema: string): Promise<number[]> => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [schema],
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
};

export const startBenchServer = async (mode: BenchMode, options: BenchServerOptions): Promise<BenchServer> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-bench-'));
  const schema = uniqueSchema('bench');
  const nodeArgs = options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`];
  // BENCH_PROJECTOR=on (Postgres modes): the server runs without its projection pass and a projector process follows
  // the log beside it, as docs/operations.md "Projections" describes.
  const { BENCH_PROJECTOR: projectorSwitch, ...serverEnv } = options.env ?? {};
  if (projectorSwitch !== undefined && projectorSwitch !== 'on') throw new Error('BENCH_PROJECTOR is on or unset');
  if (projectorSwitch === 'on' && (mode === 'actor' || mode === 'ceiling'))
    throw new Error('BENCH_PROJECTOR needs a Postgres mode: the embedded store is one process');
  let projector: ChildProcess | undefined;
  const cleanUp = async () => {
    if (projector !== undefined && projector.exitCode === null) {
      const exited = new Promise((resolve) => projector?.once('exit', resolve));
      projector.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (mode !== 'actor' && mode !== 'ceiling') await dropSchema(schema);
  };
  let server: ServerProcess;
  try {
    server = await startServerProcess(
      {
        SOCKET_REQUESTS_PER_SECOND_MAX: '1000000',
        ...modeEnv(mode, dataDir, schema),
        ...(projectorSwitch === 'on' ? { PROJECTIONS_INTERVAL_MS: '0' } : {}),
        ...serverEnv,
      },
      nodeArgs,
      // Generous: on the shared 2-core machine tsx may take a minute to load the server while others build.
      180_000,
      options.cwd,
    );
    if (projectorSwitch === 'on') {
      projector = spawn(process.execPath, ['--import', 'tsx', 'scripts/projections.ts', 'follow'], {
        cwd: options.cwd,
        env: { ...process.env, ...modeEnv(mode, dataDir, schema) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const stop = async () => {
    await server.stop();
    await cleanUp();
  };
  try {
    const client = api(server.baseUrl);
    const venueId = await client.createVenue(venueBody(options.rows, options.seatsPerRow));
    const newEvent = () =>
      client.createEvent({
        venueId,
        name: 'Flash sale',
        startsAt: '2027-01-01T20:00:00Z',
        priceTiers,
        holdTtlSeconds: 3600,
      });
    const eventId = await newEvent();
    return {
      mode,
      process: server,
      baseUrl: server.baseUrl,
      pid: server.child.pid!,
      eventId,
      newEvent,
      schema,
      sessions: async (n) => {
        const tokens: string[] = [];
        for (let i = 0; i < n; i += 50) {
          const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => client.session()));
          tokens.push(...batch.map((session) => session.token));
        }
        return tokens;
      },
      metrics: async () =>
        (await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text(),
      backendPids: async () => [
        ...(mode === 'actor' || mode === 'ceiling' ? [] : await backendPidsOf(schema)),
        ...(projector?.pid === undefined ? [] : [projector.pid]),
      ],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** A counter's value in Prometheus text (0 when absent). */
export const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

/** The value at quantile `p` of an ascending sample; NaN when empty. */
export const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
