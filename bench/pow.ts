/**
 * `npx tsx bench/pow.ts`: how long a proof of work takes to solve at each difficulty (the counter range the server
 * asks for; docs/operations.md "Anti-bot"), in Node and in Chromium, on challenges the server's own code issues.
 *   - node sdk: the SDK's solver (client-sdk solveInProcess: @noble/hashes SHA-256 on the calling thread), what SDK
 *     users, scripts and the simulation's clients run;
 *   - node native: altcha-lib's Node key derivation (node:crypto), the fastest a plain bot gets from the library;
 *   - chromium worker: the page's way (a module Web Worker from /pow-worker.js, started per challenge, as
 *     workerSolver does), timed in the page from `new Worker` to the answer, Debian's chromium headless.
 * Prints a Markdown table (median and 90th percentile in ms, samples per cell). Bounded: `--samples` per cell
 * (default 15) and `--difficulties` (default 1000,5000,20000,100000,500000); the larger ranges take fewer samples.
 */
import { parseArgs } from 'node:util';
import { solveChallenge } from 'altcha-lib';
import { deriveKey as nativeDeriveKey } from 'altcha-lib/algorithms/sha';
import { deriveKey as sdkDeriveKey } from '../client-sdk/src/challenge.ts';
import { startServer } from '../src/app/startServer.ts';
import { createProofOfWork } from '../src/frontDoor/proofOfWork.ts';
import { launchChromium } from '../test/support/browser.ts';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '15' },
    difficulties: { type: 'string', default: '1000,5000,20000,100000,500000' },
  },
});
const samplesMax = Number(values.samples);
const difficulties = values.difficulties.split(',').map(Number);
/** Fewer samples where each takes long, so the whole run stays within a few minutes. */
const samplesAt = (difficulty: number) =>
  Math.max(3, Math.min(samplesMax, Math.round((samplesMax * 20_000) / difficulty)));

const pow = createProofOfWork({ secret: 'bench-secret-bench-secret-bench-secret', nowMs: () => Date.now() });
const issue = (difficulty: number) =>
  pow.issue({ purpose: 'session', eventId: undefined, client: '127.0.0.1' }, difficulty);

const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p90: at(0.9), n: sorted.length };
};

const timeNode = async (difficulty: number, deriveKey: typeof sdkDeriveKey) => {
  const times: number[] = [];
  for (let i = 0; i < samplesAt(difficulty); i++) {
    const challenge = await issue(difficulty);
    const started = performance.now();
    const solution = await solveChallenge({ challenge, deriveKey, timeout: 120_000 });
    times.push(performance.now() - started);
    if (solution === null) throw new Error('unsolved');
  }
  return stats(times);
};

const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  store: { kind: 'memory' },
  adminToken: 'bench-admin',
  jwtSecret: 'bench-jwt-secret-bench-jwt-secret-bench',
  logLevel: 'silent',
});
const browser = await launchChromium();
const rows: string[] = [];
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.port}/healthz`);
  const timeChromium = async (difficulty: number) => {
    const times: number[] = [];
    for (let i = 0; i < samplesAt(difficulty); i++) {
      const challenge = await issue(difficulty);
      times.push(
        await page.evaluate(
          (posted) =>
            new Promise<number>((resolve, reject) => {
              const started = performance.now();
              const worker = new Worker('/pow-worker.js', { type: 'module' });
              worker.onmessage = (message) => {
                worker.terminate();
                if (message.data?.solution) resolve(performance.now() - started);
                else reject(new Error(String(message.data?.error)));
              };
              worker.postMessage(posted);
            }),
          challenge,
        ),
      );
    }
    return stats(times);
  };
  const cell = ({ median, p90, n }: ReturnType<typeof stats>) => `${median.toFixed(0)} / ${p90.toFixed(0)} (${n})`;
  rows.push(
    '| difficulty (counter range) | node sdk (noble) ms median / p90 (n) | node native ms | chromium worker ms |',
  );
  rows.push('|---|---|---|---|');
  for (const difficulty of difficulties) {
    const [sdk, native, browserTimes] = [
      await timeNode(difficulty, sdkDeriveKey),
      await timeNode(difficulty, nativeDeriveKey),
      await timeChromium(difficulty),
    ];
    const row = `| ${difficulty} | ${cell(sdk)} | ${cell(native)} | ${cell(browserTimes)} |`;
    rows.push(row);
    process.stderr.write(`${row}\n`);
  }
} finally {
  await browser.close();
  await server.drain();
}
process.stdout.write(`${rows.join('\n')}\n`);
