import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { StepTimeoutError, stepTimeoutMs, within } from './bounded.ts';

export const adminToken = 'test-admin-token';
/**
 * The V8 flags the server runs with, as `npm start` (package.json) and the image (Dockerfile) give them: a young
 * generation of 64 MB semi-spaces, so requests that live for a batch cycle are scavenged less often
 * (docs/benchmarks.md, issue #16). Passed in NODE_OPTIONS, so a caller's own NODE_OPTIONS (a benchmark variant) replaces them.
 */
export const serverNodeOptions = '--max-semi-space-size=64';
export const jwtSecret = 'test-jwt-secret-of-at-least-32-bytes!!';

/** One /readyz probe while a server starts: a probe that gets no answer counts as not ready. */
const readyProbeTimeoutMs = 5_000;
/**
 * How long a stopped server may take to exit: a graceful stop drains its connections and closes its store, which takes
 * longer than one request on a loaded machine, still well under a test's 60 s.
 */
export const stopTimeoutMs = 2 * stepTimeoutMs;

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

export type ServerProcess = Readonly<{
  baseUrl: string;
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}>;

/**
 * Starts `src/main.ts` as a real process (the way `npm start` does, with its V8 flags) and waits for /readyz. `nodeArgs` go before the
 * script (e.g. `--cpu-prof` for the benchmark). `cwd` is the checkout whose `src/main.ts` runs (default: this one), so a
 * benchmark can run an older commit's worktree beside this one.
 */
export const startServerProcess = async (
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  readyTimeoutMs = 30_000,
  cwd?: string,
): Promise<ServerProcess> => {
  // A restart test passes the previous process's PORT, so its clients find the new process where the old one was.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      NODE_OPTIONS: [serverNodeOptions, process.env.NODE_OPTIONS].filter(Boolean).join(' '),
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_TOKEN: adminToken,
      JWT_SECRET: jwtSecret,
      LOG_LEVEL: 'warn',
      REST_REQUESTS_PER_SECOND_MAX: '1000000',
      // Every test client shares 127.0.0.1, as with the rate limit: the anti-bot stages are tested on their own
      // (test/antibot.int.spec.ts), and a test that wants them passes ANTIBOT=on.
      ANTIBOT: 'off',
      USER_REQUESTS_PER_SECOND_MAX: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    // Each probe is bounded too: a server that takes the connection and never answers is not ready, and the loop goes on.
    const ready = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(readyProbeTimeoutMs) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in ${readyTimeoutMs} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    child,
    output: () => output,
    /** Sends `signal` and waits for the exit, at most `timeoutMs` (then SIGKILLs it and throws, with its output). */
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = stopTimeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = await within(
        `server pid ${child.pid} waiting for its exit after ${signal}`,
        exited,
        timeoutMs,
        () => child.kill('SIGKILL'),
      ).catch((error: unknown) => {
        if (error instanceof StepTimeoutError) error.message += `; its output:\n${output}`;
        throw error;
      });
      return code as number | null;
    },
  };
};
