import { openStore } from '../src/app/startServer.ts';
import { storeConfigOf } from '../src/app/storeConfig.ts';
import { projections } from '../src/domain/projections/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { ProjectionRunner } from '../src/services/projections/projectionRunner.ts';

/**
 * `npm run projections -- status|catch-up|rebuild [name]`: the read side's projections on the store the server uses
 * (DATABASE_URL and DATABASE_SCHEMA, or the embedded store under DATA_DIR, which only one process may open: stop the
 * server first). `status` prints each projection's checkpoint and lag; `catch-up` applies what the log has beyond the
 * checkpoints; `rebuild` forgets the documents and applies the whole log again. A running server keeps catching up on
 * its own; a rebuild beside it is safe (the checkpoint moves only with its documents, in one transaction).
 */
const usage = 'usage: npm run projections -- status|catch-up|rebuild [sales|seat-history|buyers]';
const [command, name] = process.argv.slice(2);
if (command !== 'status' && command !== 'catch-up' && command !== 'rebuild') {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
if (name !== undefined && !projections.some((projection) => projection.name === name)) {
  process.stderr.write(`no projection named ${name}\n${usage}\n`);
  process.exit(2);
}

const store = await openStore(storeConfigOf(process.env));
try {
  const runner = new ProjectionRunner({ stores: store.projections, projections, clock: systemClock });
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
