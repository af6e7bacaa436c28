import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/startServer.ts';
import { api, priceTiers, venueBody } from '../../test/support/api.ts';
import { shellBlocks } from '../../test/support/markdown.ts';
import { startTestServer } from '../../test/support/testServer.ts';

/**
 * The SDK installed exactly as its README says (`npm pack`, then `npm install` of the tarball in an app), then the
 * Node example (examples/node-journey.mjs) run from that app in a plain `node` process: no vitest, no DOM, nothing
 * of the repository but the installed package.
 */
const sdkReadme = readFileSync('client-sdk/README.md', 'utf8');
const installBlock = shellBlocks(sdkReadme).find((block) => block.startsWith('npm pack ./client-sdk'));

describe('installing @seatactor/client as its README shows', () => {
  let server: RunningServer;
  let baseUrl: string;
  let eventId: string;
  const root = mkdtempSync(join(tmpdir(), 'seatactor-sdk-install-'));

  beforeAll(async () => {
    ({ server, baseUrl } = await startTestServer());
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(2, 6));
    eventId = await rest.createEvent({ venueId, name: 'Installed', startsAt: '2027-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    await server?.drain();
    rmSync(root, { recursive: true, force: true });
  });

  it('the README and client-sdk/README show the same install block', () => {
    expect(installBlock).toBeDefined();
    expect(shellBlocks(readFileSync('README.md', 'utf8'))).toContain(installBlock);
  });

  /** Asynchronous, so the in-process server keeps answering while the child runs. */
  const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (status) => done({ status, stdout, stderr }));
    });

  it('packs, installs into a new app, and the Node example buys two tickets with QR codes', async () => {
    // A checkout as the reader has it (client-sdk beside the server's node_modules), and their app in ../my-app.
    const checkout = join(root, 'checkout');
    const app = join(root, 'my-app');
    mkdirSync(checkout);
    mkdirSync(app);
    symlinkSync(resolve('client-sdk'), join(checkout, 'client-sdk'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }));
    const env = {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_prefer_offline: 'true',
    };
    const installed = await run('sh', ['-ec', installBlock!], checkout, env);
    expect(installed.status, installed.stdout + installed.stderr).toBe(0);
    const installedPackage = JSON.parse(
      readFileSync(join(app, 'node_modules/@seatactor/client/package.json'), 'utf8'),
    ) as { types: string };
    expect(readFileSync(join(app, 'node_modules/@seatactor/client', installedPackage.types), 'utf8')).toContain(
      'export { start }',
    );

    writeFileSync(join(app, 'journey.mjs'), readFileSync('client-sdk/examples/node-journey.mjs'));
    const ran = await run(process.execPath, ['journey.mjs', baseUrl, eventId], app, env);
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/order \S+: succeeded/);
    expect(ran.stdout.match(/QR \d+ bytes of SVG/g)).toHaveLength(2);
  }, 240_000);
});
