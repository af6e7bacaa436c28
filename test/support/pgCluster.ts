import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
/**
 * postgresql-common's commands (initdb, a start, a stop) do real work and take seconds on a loaded machine: each gets
 * this long, still well under a test's 60 s, then is killed and fails naming the command.
 */
const commandTimeoutMs = 30_000;
const run = async (command: string, args: readonly string[]) => {
  try {
    return await execFileAsync(command, args, { timeout: commandTimeoutMs, killSignal: 'SIGKILL' });
  } catch (error) {
    if ((error as { killed?: boolean }).killed === true)
      (error as Error).message =
        `${command} ${args.join(' ')}: not done within ${commandTimeoutMs} ms, killed. ${(error as Error).message}`;
    throw error;
  }
};

/**
 * A Postgres cluster of a test's own (postgresql-common's pg_createcluster), for tests that stop, freeze or break
 * the database: the shared cluster on 5432 is never touched. Ports come from 5440..5499, skipping those that any
 * cluster on this machine names or that something listens on.
 */
export type PgCluster = Readonly<{
  name: string;
  version: string;
  port: number;
  url: string;
  start(): Promise<void>;
  /** A fast shutdown: sessions are terminated, new connections refused. */
  stop(): Promise<void>;
  /** SIGSTOP (freeze) or SIGCONT (thaw) every process of the cluster: connections hang instead of failing. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
  drop(): Promise<void>;
}>;

const portsMin = 5440;
const portsMax = 5499;

/** Why a cluster cannot be made here, or undefined when it can. */
export const clusterUnavailableReason = (): string | undefined => {
  if (!['/usr/bin/pg_createcluster', '/usr/bin/pg_ctlcluster'].every((path) => existsSync(path)))
    return 'postgresql-common (pg_createcluster) is not installed';
  if (process.getuid?.() !== 0) return 'pg_createcluster needs root';
  if (installedVersion() === undefined) return 'no Postgres server binaries under /usr/lib/postgresql';
  return undefined;
};

const installedVersion = (): string | undefined => {
  if (!existsSync('/usr/lib/postgresql')) return undefined;
  return readdirSync('/usr/lib/postgresql')
    .filter((version) => existsSync(`/usr/lib/postgresql/${version}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a))[0];
};

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

const portsInUse = async (): Promise<Set<number>> => {
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  return new Set(stdout.split('\n').flatMap((line) => (line.trim() ? [Number(line.trim().split(/\s+/)[2])] : [])));
};

/** Creates (not starts) a cluster with trust auth on loopback, on a free port of the test range. */
export const createCluster = async (prefix: string): Promise<PgCluster> => {
  const version = installedVersion();
  if (version === undefined) throw new Error('no Postgres server binaries');
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const taken = await portsInUse();
  const candidates = Array.from({ length: portsMax - portsMin + 1 }, (_, i) => portsMin + i).filter(
    (port) => !taken.has(port),
  );
  // A random start, so two tests creating clusters at once rarely try the same port first.
  const offset = Math.floor(Math.random() * candidates.length);
  let port: number | undefined;
  for (let i = 0; i < candidates.length && port === undefined; i++) {
    const candidate = candidates[(offset + i) % candidates.length]!;
    if (!(await portIsFree(candidate))) continue;
    try {
      await run('pg_createcluster', [version, name, '--port', String(candidate), '--', '--auth=trust', '--no-sync']);
      port = candidate;
    } catch (error) {
      // Another cluster took the port between the check and the creation: try the next one.
      await run('pg_dropcluster', [version, name]).catch(() => undefined);
      if (!String((error as { stderr?: string }).stderr).includes('port')) throw error;
    }
  }
  if (port === undefined) throw new Error(`no free port in ${portsMin}..${portsMax}`);
  const ctl = (action: string, ...args: string[]) =>
    run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action, ...args]);
  const dataDir = `/var/lib/postgresql/${version}/${name}`;
  /** The postmaster and its children (backends, checkpointer, walwriter...), from the pid file and /proc. */
  const pids = (): number[] => {
    const postmaster = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          // Field 4 of /proc/PID/stat is the parent pid; the command name (field 2) may hold spaces, hence the split.
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  };
  return {
    name,
    version,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: async () => {
      await ctl('start');
    },
    stop: async () => {
      await ctl('stop', '-m', 'fast');
    },
    signal(signal) {
      for (const pid of pids()) process.kill(pid, signal);
    },
    drop: async () => {
      // A frozen cluster would never stop: thaw it first.
      try {
        for (const pid of pids()) process.kill(pid, 'SIGCONT');
      } catch {}
      await run('pg_dropcluster', ['--stop', version, name]);
    },
  };
};
