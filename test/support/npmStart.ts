import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort } from './serverProcess.ts';

export type NpmStart = Readonly<{
  /** The pid a script gets from `npm start &`: npm's own (or `script`'s, for a terminal). */
  pid: number;
  child: ChildProcess;
  baseUrl: string;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
  /** Every process below `pid` now (npm, sh, tsx, node…), read from /proc. */
  descendants: () => number[];
  /** SIGKILLs whatever is left of the tree; for test cleanup. */
  kill: () => void;
}>;

export const childrenOf = (pid: number): number[] => {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces, hence lastIndexOf.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
};

export const descendantsOf = (pid: number): number[] =>
  childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);

/** The process's command line, arguments joined by spaces ('' once it is gone). */
export const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs `npm start` the way a user or a script does (in the repository, with `env` on top of this process's), on a
 * free loopback port unless env says otherwise. `tty` runs it under util-linux `script`, so stdout is a terminal.
 */
export const npmStart = async (env: Record<string, string>, options: { tty?: boolean } = {}): Promise<NpmStart> => {
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT);
  const fullEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: '', ...env };
  const child = options.tty
    ? spawn('script', ['-qfec', 'npm start', '/dev/null'], { env: { ...fullEnv, TERM: 'xterm' }, stdio: 'pipe' })
    : spawn('npm', ['start'], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const pid = child.pid;
  if (pid === undefined) throw new Error('npm start did not spawn');
  const seen = new Set<number>();
  const descendants = () => {
    const now = descendantsOf(pid);
    for (const each of now) seen.add(each);
    return now;
  };
  return {
    pid,
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    exited,
    descendants,
    kill: () => {
      descendants();
      for (const each of [pid, ...seen]) if (isAlive(each)) process.kill(each, 'SIGKILL');
    },
  };
};

/** Polls /readyz until 200; fails with the server's output when it exits first or takes longer than `timeoutMs`. */
export const waitReady = async (server: NpmStart, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null)
      throw new Error(`npm start exited ${server.child.exitCode}: ${server.output()}`);
    // Each probe is bounded too: a server that takes the connection and never answers is not ready yet.
    const ready = await fetch(`${server.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`not ready in ${timeoutMs} ms: ${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
