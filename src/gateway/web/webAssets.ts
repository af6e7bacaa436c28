import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Route } from '../rest/routes.ts';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web');
const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../client-sdk');
/** The admin dashboard's charts (uPlot) come with a stylesheet of their own, served after the dashboard's. */
const uPlotCss = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');

type Asset = Readonly<{ body: string; contentType: string }>;

/**
 * Bundles the seat-map page (web/src, which imports client-sdk) with esbuild in memory, so `npm start` needs no
 * separate build step, and keeps the page, script and stylesheet in memory.
 */
export const buildWebAssets = async (): Promise<ReadonlyMap<string, Asset>> => {
  // The buyer app, the ticket wallet, the staff check-in page and the service worker that keeps the last two offline.
  // And the Web Worker the pages solve proofs of work in (the SDK's workerSolver loads it from /pow-worker.js).
  const scripts = {
    app: path.join(webDir, 'src/main.ts'),
    wallet: path.join(webDir, 'src/wallet.ts'),
    checkin: path.join(webDir, 'src/checkin.ts'),
    sw: path.join(webDir, 'src/sw.ts'),
    display: path.join(webDir, 'src/display.ts'),
    admin: path.join(webDir, 'src/admin.ts'),
    'pow-worker': path.join(sdkDir, 'src/challengeWorker.ts'),
  } as const;
  const bundles = await Promise.all(
    Object.entries(scripts).map(async ([name, entry]) => {
      const bundle = await build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2020',
        minify: true,
        sourcemap: false,
        write: false,
        logLevel: 'silent',
      });
      const script = bundle.outputFiles[0]?.text;
      if (script === undefined) throw new Error(`esbuild produced no bundle for ${entry}`);
      return [`/${name}.js`, { body: script, contentType: 'text/javascript; charset=utf-8' }] as const;
    }),
  );
  const [html, wallet, checkin, display, admin, css, displayCss, adminCss, chartCss] = await Promise.all(
    [
      ...['index.html', 'wallet.html', 'checkin.html', 'display.html', 'admin.html'],
      ...['style.css', 'display.css', 'admin.css'],
    ]
      .map((name) => path.join(webDir, name))
      .concat(uPlotCss)
      .map((file) => readFile(file, 'utf8')),
  );
  const page = (body: string | undefined): Asset => ({ body: body ?? '', contentType: 'text/html; charset=utf-8' });
  return new Map([
    ['/', page(html)],
    ['/wallet', page(wallet)],
    ['/checkin', page(checkin)],
    // One page for every event: the script reads the event id from its own path.
    ['/display/:eventId', page(display)],
    ['/admin', page(admin)],
    ['/style.css', { body: css ?? '', contentType: 'text/css; charset=utf-8' }],
    ['/display.css', { body: displayCss ?? '', contentType: 'text/css; charset=utf-8' }],
    ['/admin.css', { body: `${adminCss ?? ''}\n${chartCss ?? ''}`, contentType: 'text/css; charset=utf-8' }],
    ...bundles,
  ]);
};

/** Serves the page at `/` with the gateway's route wrapper (errors, metrics) like every other route. */
export const registerWebRoutes = async (route: Route): Promise<void> => {
  const assets = await buildWebAssets();
  for (const [pattern, asset] of assets) {
    route('get', pattern, () => ({
      status: 200,
      text: asset.body,
      headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache' },
    }));
  }
};
