/**
 * What the partial index of order placements (`events_orders_by_user`, migration 7, behind `GET /v1/me/orders`) costs
 * the appends, side by side in one run: the same appends with the index and with it dropped, alternating rounds,
 * medians and their ratio. Two workloads: a flash sale's holds (512 `HoldPlaced` per append: the hot path, which the
 * index must not slow down) and checkouts (256 `OrderPlaced` + 256 `HoldReserved` per append: every order is indexed).
 * Writes bench/results/orderIndexCost.json (ignored).
 *
 *   flock /work/coord/heavy.lock npx tsx bench/orderIndexCost.ts            PGlite (in memory) and Postgres (DATABASE_URL)
 *   npx tsx bench/orderIndexCost.ts --stores pglite --rounds 5 --appends 200
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { EventStore, NewEvent } from '../src/persistence/eventStore.ts';
import { quoteSchemaName } from '../src/persistence/migrations.ts';
import { openPgliteStore } from '../src/persistence/pglite/pgliteStore.ts';
import { openPostgresStore } from '../src/persistence/postgres/postgresStore.ts';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'pglite,postgres' },
    rounds: { type: 'string', default: '3' },
    appends: { type: 'string', default: '100' },
  },
});
const rounds = Number(values.rounds);
const appends = Number(values.appends);
const batchSize = 512;
const createIndex = `CREATE INDEX IF NOT EXISTS events_orders_by_user ON events ((data->>'userId')) WHERE type = 'OrderPlaced'`;

type Sql = { query(text: string): Promise<unknown> };
type Opened = { eventStore: EventStore; sql: Sql; close(): Promise<void> };

const open = async (store: string): Promise<Opened> => {
  if (store === 'pglite') {
    const opened = await openPgliteStore();
    return { eventStore: opened.eventStore, sql: opened.sql, close: opened.close };
  }
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `order_index_cost_${process.pid}`;
  const opened = await openPostgresStore({ connectionString: url, schema });
  const raw = new pg.Client({ connectionString: url, options: `-c search_path=${quoteSchemaName(schema)}` });
  await raw.connect();
  return {
    eventStore: opened.eventStore,
    sql: raw,
    close: async () => {
      await raw.query(`DROP SCHEMA ${quoteSchemaName(schema)} CASCADE`);
      await raw.end();
      await opened.close();
    },
  };
};

const holdBatch = (round: number, append: number): NewEvent[] =>
  Array.from({ length: batchSize }, (_, i) => ({
    type: 'HoldPlaced',
    data: {
      holdId: `evt_bench.hold_${round}_${append}_${i}xxxxxxxx`,
      userId: `u_${append}_${i}xxxxxxxxxxxxx`,
      requestId: `r-${i}`,
      seatIds: [`ORCH-${append}-${i}`],
      quantity: 1,
      expiresAt: 1,
      at: 1,
    },
  }));
const checkoutBatch = (round: number, append: number): NewEvent[] =>
  Array.from({ length: batchSize }, (_, i) => {
    const orderId = `evt_bench.ord_${round}_${append}_${i >> 1}xxxxxxxx`;
    const userId = `u_${append}_${i >> 1}xxxxxxxxxxxxx`;
    return i % 2 === 0
      ? {
          type: 'OrderPlaced',
          data: {
            orderId,
            holdId: `${orderId}h`,
            userId,
            requestId: 'o',
            seatIds: ['A-1'],
            quantity: 1,
            amount: 5000,
            currency: 'EUR',
            reservedUntil: 1,
            at: append,
          },
        }
      : {
          type: 'HoldReserved',
          data: {
            holdId: `${orderId}h`,
            userId,
            seatIds: ['A-1'],
            quantity: 1,
            orderId,
            requestId: 'o',
            reservedUntil: 1,
            at: append,
          },
        };
  });

/** Events per second of `appends` appends of one workload into a fresh stream. */
const measure = async (store: Opened, stream: string, batch: (append: number) => NewEvent[]): Promise<number> => {
  await store.sql.query('TRUNCATE events');
  const started = performance.now();
  for (let append = 0; append < appends; append++)
    await store.eventStore.append(stream, append * batchSize, batch(append));
  return (appends * batchSize) / ((performance.now() - started) / 1000);
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const results: Record<string, unknown> = {};
for (const name of values.stores.split(',')) {
  const store = await open(name);
  try {
    for (const [workload, batch] of [
      ['holds', holdBatch],
      ['checkouts', checkoutBatch],
    ] as const) {
      const withIndex: number[] = [];
      const without: number[] = [];
      for (let round = 0; round < rounds; round++) {
        await store.sql.query(createIndex);
        withIndex.push(await measure(store, `event-with-${round}`, (append) => batch(round, append)));
        await store.sql.query('DROP INDEX events_orders_by_user');
        without.push(await measure(store, `event-without-${round}`, (append) => batch(round, append)));
      }
      await store.sql.query(createIndex);
      const ratio = median(withIndex) / median(without);
      results[`${name}.${workload}`] = { withIndex, without, ratio };
      console.log(
        `${name} ${workload}: with index ${withIndex.map((x) => x.toFixed(0)).join(', ')} events/s; ` +
          `without ${without.map((x) => x.toFixed(0)).join(', ')}; median ratio ${ratio.toFixed(2)}`,
      );
    }
  } finally {
    await store.close();
  }
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/orderIndexCost.json',
  `${JSON.stringify({ rounds, appends, batchSize, results }, null, 2)}\n`,
);
