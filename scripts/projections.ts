import { wholeNumberOf } from '../src/app/envValues.ts';
import { openStore } from '../src/app/startServer.ts';
import { storeConfigOf } from '../src/app/storeConfig.ts';
import { projections } from '../src/domain/projections/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { ProjectionRunner } from '../src/services/projections/projectionRunner.ts';

/**
 * `npm run projections -- status|catch-up|rebuild|follow [name]`: the read side's projections on the store the server uses
 * (DATABASE_URL and DATABASE_SCHEMA, or the embedded store under DATA_DIR, which only one process may open: stop the
 * server first). `status` prints each projection's checkpoint and lag; `catch-up` applies what the log has beyond the
 * checkpoints; `rebuild` forgets the documents and applies the whole log again. A running server keeps catching up on
 * its own; a rebuild beside it is safe (the checkpoint moves only with its documents, in one transaction).
 * `follow` keeps every projection caught up until SIGTERM or SIGINT (every PROJECTIONS_INTERVAL_MS, default 250): a
 * process of its own for the read side on Postgres, so the servers can run with PROJECTIONS_INTERVAL_MS=0 and spend
 * their CPU on bookings (docs/operations.md "Projections").
 */
const usage = 'usage: npm run projections -- status|catch-up|rebuild|follow [sales|seat-history|buyers]';
const [command, name] = process.argv.slice(2);
if (command !== 'status' && command !== 'catch-up' && command !== 'rebuild' && command !== 'follow') {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
if (command === 'follow' && name !== undefined) {
  process.stderr.write(`follow keeps every projection caught up; it takes no name\n${usage}\n`);
  process.exit(2);
}
if (name !== undefined && !projections.some((projection) => projection.name === name)) {
  process.stderr.write(`no projection named ${name}\n${usage}\n`);
  process.exit(2);
}

const intervalMs = wholeNumberOf('PROJECTIONS_INTERVAL_MS', process.env.PROJECTIONS_INTERVAL_MS, {
  min: 1,
  max: 9_999_999,
});
const store = await openStore(storeConfigOf(process.env));
try {
  const runner = new ProjectionRunner({
    stores: store.projections,
    projections,
    clock: systemClock,
    ...(intervalMs === undefined ? {} : { intervalMs }),
    onError: (error, context) =>
      process.stderr.write(`${context}: ${error instanceof Error ? error.message : error}\n`),
  });
  if (command === 'follow') {
    const stopped = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    // The runner's timers do not hold the process open (a server's do not keep it from exiting) and an idle pool lets
    // it exit: this handle is what keeps the follower running until the signal.
    const keepAlive = setInterval(() => {}, 2 ** 30);
    runner.start();
    process.stdout.write(`following ${runner.projectionNames.join(', ')} every ${intervalMs ?? 250} ms\n`);
    const signal = await stopped;
    // The pass under way commits or fails whole; nothing is left half-applied.
    await runner.stop();
    clearInterval(keepAlive);
    process.stdout.write(`${signal}: stopped\n`);
  }
  const startedAt = performance.now();
  if (command === 'catch-up' || command === 'rebuild') {
    const applied = command === 'rebuild' ? await runner.rebuild(name) : await runner.catchUp(name);
    const ms = Math.round(performance.now() - startedAt);
    process.stdout.write(`${command}: ${applied} events applied in ${ms} ms\n`);
  }
  for (const row of await runner.status()) {
    if (name !== undefined && row.projection !== name) continue;
    process.stdout.write(
      `${row.projection.padEnd(14)} database ${row.store}  checkpoint ${row.checkpoint.transactionId}/${row.checkpoint.position}  lag ${row.lagEvents} events${row.updatedAt === undefined ? '' : `  updated ${row.updatedAt.toISOString()}`}\n`,
    );
  }
} finally {
  await store.close();
}
