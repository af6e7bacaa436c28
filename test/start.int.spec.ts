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
    // npm's one child is the server itself: nothing between them (sh, a tsx supervisor) to swallow the signal.
    expect(children).toEqual([expect.stringMatching(/^node .*src\/main\.ts$/)]);
  });
});
