import { projections } from '../../src/domain/projections/index.ts';
import { openPostgresStore } from '../../src/persistence/postgres/postgresStore.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { ProjectionRunner } from '../../src/services/projections/projectionRunner.ts';

/**
 * A process that catches the projections up one event per transaction, forever, on the Postgres schema it is given:
 * test/projections.int.spec.ts kills it with SIGKILL in the middle and checks that a new runner resumes at the
 * checkpoints without counting anything twice.
 */
const [url, schema] = process.argv.slice(2);
if (url === undefined || schema === undefined) throw new Error('usage: projectionWorker.ts <url> <schema>');
const store = await openPostgresStore({ connectionString: url, schema });
const runner = new ProjectionRunner({ stores: store.projections, projections, clock: systemClock, batchSizeMax: 1 });
process.stdout.write('ready\n');
for (;;) await runner.catchUp();
