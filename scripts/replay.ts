import { openStore } from '../src/app/startServer.ts';
import { storeConfigOf } from '../src/app/storeConfig.ts';
import { replayEvent } from '../src/services/replay.ts';

/**
 * `npm run replay -- <eventId> [--speed 10] [--map]`: plays an event's on-sale back from the log as the stream of
 * seat-map diffs its subscribers got, one JSON line per batch (`{at, diff}`, the diff as `seatmap:diff` carries it), at
 * the original pace divided by `--speed` (`--speed max`: no waiting). `--map` first prints the initial map. Reads the
 * store the server uses (DATABASE_URL / DATABASE_SCHEMA, or DATA_DIR: the embedded store opens in one process at a time).
 */
const args = process.argv.slice(2);
const eventId = args.find((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--speed');
const speedArg = args[args.indexOf('--speed') + 1];
const speed = !args.includes('--speed') ? 1 : speedArg === 'max' ? Number.POSITIVE_INFINITY : Number(speedArg);
if (eventId === undefined || !(speed > 0)) {
  process.stderr.write('usage: npm run replay -- <eventId> [--speed 10|max] [--map]\n');
  process.exit(2);
}

const store = await openStore(storeConfigOf(process.env));
try {
  const replay = await replayEvent({ store: store.eventStore, catalog: store.catalog }, eventId);
  if (args.includes('--map')) process.stdout.write(`${JSON.stringify({ map: replay.initial })}\n`);
  let previousAt: number | undefined;
  let batches = 0;
  for await (const { at, diff } of replay.diffs) {
    const waitMs = previousAt === undefined || !Number.isFinite(speed) ? 0 : Math.max(0, (at - previousAt) / speed);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    previousAt = at;
    batches += 1;
    process.stdout.write(`${JSON.stringify({ at: new Date(at).toISOString(), diff })}\n`);
  }
  process.stderr.write(`replayed ${batches} batches of ${eventId}\n`);
} finally {
  await store.close();
}
