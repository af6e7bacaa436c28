import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellBlocks } from './support/markdown.ts';
import { freePort } from './support/serverProcess.ts';

/**
 * Every command block of README.md, run as a reader pastes it: in the repository, with nothing set up beforehand
 * but a free port and an empty data folder (so the test never touches 8080 or ./data).
 */
const readme = readFileSync('README.md', 'utf8');
const blocks = shellBlocks(readme);
const startBlock = 'npm install && npm start';
const testBlock = 'npm test';
const tryBlock = blocks.find((block) => block.startsWith('export ADMIN_TOKEN='));
/** Installing the SDK: run as pasted (and the installed SDK used) by client-sdk/src/install.int.spec.ts. */
const sdkBlock = blocks.find((block) => block.startsWith('npm pack ./client-sdk'));
const blockTimeoutMs = 240_000;

const dataDirs: string[] = [];
const groups: number[] = [];
afterAll(() => {
  for (const group of groups) killGroup(group);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const killGroup = (group: number) => {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // Gone already.
  }
};

/** The environment of a fresh shell: none of the test run's database or server settings leak in. */
const freshEnv = async () => {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATABASE_SCHEMA', 'ADMIN_TOKEN', 'JWT_SECRET', 'HOST', 'LOG_LEVEL'])
    delete env[name];
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-readme-'));
  dataDirs.push(dataDir);
  return {
    ...env,
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_prefer_offline: 'true',
  };
};

const run = (shell: string, script: string, env: Record<string, string | undefined>) => {
  // Its own process group, so the test can press "Ctrl-C" on everything the block started.
  const child = spawn(shell, ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  groups.push(child.pid!);
  // Before the test's own timeout, so a block that hangs fails with its output, and leaves nothing running.
  const timer = setTimeout(() => killGroup(child.pid!), blockTimeoutMs - 15_000);
  const exited = once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    return code as number | null;
  });
  return { child, output: () => output, exited };
};

describe('README.md command blocks, as pasted', () => {
  it('has the blocks this test runs, and no other', () => {
    expect(blocks).toEqual([startBlock, testBlock, tryBlock, sdkBlock]);
    expect(sdkBlock).toBeDefined();
  });

  it('`npm test` is what CI runs (.ci/run), so CI itself is its test', () => {
    expect(readFileSync('.ci/run', 'utf8').split('\n')).toContain(testBlock);
  });

  it(
    '`npm install && npm start` installs, serves, and stops on Ctrl-C',
    async () => {
      const env = await freshEnv();
      const started = run('sh', startBlock, env);
      const readyz = `http://127.0.0.1:${env.PORT}/readyz`;
      await expect
        .poll(
          () =>
            fetch(readyz).then(
              (response) => response.status,
              () => 0,
            ),
          {
            timeout: blockTimeoutMs - 20_000,
            interval: 500,
          },
        )
        .toBe(200);
      process.kill(-started.child.pid!, 'SIGINT');
      await started.exited;
      expect(started.output()).toContain('"msg":"drained"');
    },
    blockTimeoutMs,
  );

  it.each(['sh', 'bash'])(
    '"Try it by hand" holds a seat and reads it back, pasted into %s',
    async (shell) => {
      // The reader's own next step, stopping the server, is the test's cleanup.
      const script = `${tryBlock}\nkill $SERVER\nwait $SERVER\n`;
      const tried = run(shell, script, await freshEnv());
      const code = await tried.exited;
      const lines = tried.output().split('\n');
      expect(code, tried.output()).toBe(0);
      expect(lines).toContain('{"status":"ready"}');
      expect(lines.find((line) => line.startsWith('{"holdId":'))).toMatch(/"seatIds":\["ORCH-A-1"\]/);
      const seatMap = JSON.parse(lines.find((line) => line.startsWith('{"eventId":'))!);
      expect(seatMap.seats['ORCH-A-1']).toMatchObject({ status: 'held' });
      expect(seatMap.general.FLOOR).toMatchObject({ capacity: 500, available: 500 });
      expect(lines.find((line) => line.startsWith('Live seat map: http://localhost:'))).toBeDefined();
    },
    blockTimeoutMs,
  );
});
