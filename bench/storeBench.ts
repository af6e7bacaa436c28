import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { EventStore, NewEvent } from '../src/persistence/eventStore.ts';
import { openPostgresStore } from '../src/persistence/postgres/postgresStore.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../test/support/postgres.ts';
import { processTicks } from './procStat.ts';

/**
 * The real Postgres store in a schema of its own, its connections named after the schema so the CPU of the backends
 * serving them can be read (`backendTicks`), for the store benchmarks; `close` drops the schema.
 */
export const openBenchPostgres = async (
  prefix: string,
): Promise<{
  eventStore: EventStore;
  schema: string;
  url: string;
  backendTicks: () => Promise<number>;
  close: () => Promise<void>;
}> => {
  const schema = uniqueSchema(prefix);
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', schema);
  const opened = await openPostgresStore({ connectionString: url.toString(), schema });
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  return {
    eventStore: opened.eventStore,
    schema,
    url: url.toString(),
    backendTicks: async () => {
      const { rows } = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
        [schema],
      );
      return rows.reduce((sum, row) => sum + processTicks(row.pid), 0);
    },
    close: async () => {
      await opened.close();
      await admin.end();
      await dropSchema(schema);
    },
  };
};

/**
 * A batch of `size` events shaped like the light client's load, for the store benchmarks (bench/appendCost.ts,
 * bench/logLayoutCost.ts): holds placed and released by turns, each on a seat of a buyer's own, ids unique.
 */
export const holdReleaseBatch = (size: number, at: number): NewEvent[] =>
  Array.from({ length: size }, (_, i) => {
    const common = {
      holdId: `h_${randomUUID()}`,
      userId: `u_${i.toString(36).padStart(16, '0')}`,
      seatIds: [`A-${i % 100}-${i % 37}`],
      quantity: 1,
      at,
    };
    return i % 2 === 0
      ? {
          type: 'HoldPlaced',
          data: { ...common, requestId: randomUUID(), expiresAt: at + 600_000, requestHash: 'a1b2c3d4e5f60718' },
        }
      : { type: 'HoldReleased', data: { ...common, requestId: randomUUID() } };
  });
