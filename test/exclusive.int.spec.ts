import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminToken, freePort, jwtSecret, type ServerProcess, startServerProcess } from './support/serverProcess.ts';

/** Runs src/main.ts until it exits on its own (or `timeoutMs` passes: then it is killed and `code` is null). */
const runUntilExit = async (env: Record<string, string>, timeoutMs: number) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', ADMIN_TOKEN: adminToken, JWT_SECRET: jwtSecret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, output };
};

describe('one server per port and per data folder', () => {
  const first = mkdtempSync(join(tmpdir(), 'seatactor-first-'));
  const other = mkdtempSync(join(tmpdir(), 'seatactor-other-'));
  let running: ServerProcess | undefined;
  afterAll(async () => {
    await running?.stop('SIGKILL');
    for (const dir of [first, other]) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second server on a port in use, and one on a data folder in use, with a clear message', async () => {
    running = await startServerProcess({ DATA_DIR: first, DATABASE_URL: '' }, [], 120_000);
    const port = new URL(running.baseUrl).port;

    const samePort = await runUntilExit({ PORT: port, DATA_DIR: other, DATABASE_URL: '' }, 120_000);
    expect(samePort.code, samePort.output).toBe(1);
    expect(samePort.output).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);

    const sameFolder = await runUntilExit(
      { PORT: String(await freePort()), DATA_DIR: first, DATABASE_URL: '' },
      120_000,
    );
    expect(sameFolder.code, sameFolder.output).toBe(1);
    expect(sameFolder.output).toContain(
      `DATA_DIR ${first} is in use by another seatactor server (pid ${running.child.pid} `,
    );

    // The first server never shared its port or its store: every request still reaches it.
    for (let i = 0; i < 20; i++) expect((await fetch(`${running.baseUrl}/readyz`)).status).toBe(200);
    expect(await running.stop('SIGTERM')).toBe(0);
  }, 400_000);
});
