import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childrenOf, commandLine, isAlive, type NpmStart, npmStart, waitReady } from './support/npmStart.ts';
import { adminToken, jwtSecret } from './support/serverProcess.ts';

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-start-'));
  const started: NpmStart[] = [];
  afterAll(() => {
    for (const server of started) server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is one server process that the pid a script gets from `npm start &` reaches: SIGTERM drains and exits', async () => {
    const server = await npmStart({ DATA_DIR: dataDir, ADMIN_TOKEN: adminToken, JWT_SECRET: jwtSecret });
    started.push(server);
    await waitReady(server);
    const tree = server.descendants();
    const children = childrenOf(server.pid).map(commandLine);
    process.kill(server.pid, 'SIGTERM');
    expect(await server.exited).toBe(0);
    await expect.poll(() => tree.filter(isAlive), { timeout: 10_000 }).toEqual([]);
    expect(server.output()).toContain('"msg":"drained"');
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
    // Not a terminal: JSON lines only (npm's own two header lines aside), no banner.
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('> '));
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    // npm's one child is the server itself: nothing between them (sh, a tsx supervisor) to swallow the signal.
    expect(children).toEqual([expect.stringMatching(/^node .*src\/main\.ts$/)]);
  });

  it('on a terminal prints a banner (URL, generated admin token, data folder, demo event, pid) and readable logs', async () => {
    const server = await npmStart({ DATA_DIR: dataDir, ADMIN_TOKEN: '', JWT_SECRET: jwtSecret }, { tty: true });
    started.push(server);
    await waitReady(server);
    await expect.poll(() => server.output(), { timeout: 10_000 }).toContain('seatactor is ready');
    const text = server.output();
    expect(text).toContain(`open         ${server.baseUrl}/`);
    expect(text).toMatch(/admin token {2}\S{20,} {2}\(generated for this run/);
    expect(text).toContain(`data         ${dataDir} (embedded PGlite)`);
    expect(text).toContain(`demo event   Demo Night (on sale): ${server.baseUrl}/?event=demo`);
    expect(text).toMatch(/INFO.*gateway listening/);
    expect(text).not.toContain('"level":');
    const pid = Number(/kill (\d+)/.exec(text)?.[1]);
    expect(server.descendants()).toContain(pid);
    process.kill(pid, 'SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/INFO.*drained/);
  });

  it('refuses a mistyped setting with its one sentence and exit 1, before opening anything', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', 'src/main.ts'],
          { env: { ...process.env, DATA_DIR: dataDir, ...env }, timeout: 30_000 },
          (error) => resolve({ code: error === null ? 0 : (child.exitCode ?? null), stderr: stderrText }),
        );
        let stderrText = '';
        child.stderr?.on('data', (chunk: Buffer) => (stderrText += chunk));
      });
    // Each would have started: NaN as a rate limit never limits; a bad port or switch fell back silently.
    const cases: [Record<string, string>, string][] = [
      [{ REST_REQUESTS_PER_SECOND_MAX: 'lots' }, 'REST_REQUESTS_PER_SECOND_MAX must be a whole number from 1 to'],
      [{ PORT: '80a' }, 'PORT must be a whole number from 0 to 65535 (a port), not "80a"'],
      [{ SEATMAP_READS_PER_ADDRESS_MAX: '-3' }, 'SEATMAP_READS_PER_ADDRESS_MAX must be a whole number from 1 to'],
      [{ OUTBOX: 'yes' }, 'OUTBOX must be on or off, not yes'],
      [{ PROJECTIONS_OWN_APPENDS: 'yes' }, 'PROJECTIONS_OWN_APPENDS must be on or off, not "yes"'],
      [{ WAITING_ROOM_CALM_SECONDS: '0' }, 'WAITING_ROOM_CALM_SECONDS must be a whole number from 1 to 86400'],
    ];
    for (const [env, message] of cases) {
      const { code, stderr } = await run(env);
      expect(code, JSON.stringify(env)).toBe(1);
      expect(stderr.trim().split('\n')[0]).toContain(message);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});
