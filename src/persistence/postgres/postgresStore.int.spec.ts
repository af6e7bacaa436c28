import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { untilBlockedBy } from '../../../test/support/postgres.ts';
import { eventStoreContract, streamVersionsPlanContract } from '../eventStore.contract.ts';
import { WrongExpectedVersionError } from '../eventStore.ts';
import { migrations, quoteSchemaName } from '../migrations.ts';
import { orderIndexContract, ordersByUserPlanContract } from '../orderIndex.contract.ts';
import { outboxContract, outboxPlanContract } from '../outbox.contract.ts';
import { projectionStoreContract, settledOrderContract, settledPlanContract } from '../projectionStore.contract.ts';
import { readSettledSql, settledCountSql } from '../sqlProjectionStore.ts';
import { StoreUnavailableError } from '../storeErrors.ts';
import { openPostgresStore, poolClient } from './postgresStore.ts';
import { servingPool } from './servingPool.ts';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Each run, and each case within it, gets its own schema so runs on a shared server cannot see each other.
const runPrefix = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];

function freshSchema(): string {
  const schema = `${runPrefix}_${schemas.length}`;
  schemas.push(schema);
  return schema;
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${quoteSchemaName(schema)} CASCADE`);
  } finally {
    await admin.end();
  }
});

/** A store on a fresh schema, with a connection of its own beside the pool for the plan contracts' EXPLAINs. */
const storeWithRawSql = async () => {
  const schema = freshSchema();
  const store = await openPostgresStore({ connectionString, schema, poolSize: 2 });
  const raw = new pg.Client({ connectionString, options: `-c search_path=${quoteSchemaName(schema)}` });
  await raw.connect();
  return {
    ...store,
    sql: {
      query: async <Row>(sql: string, params: readonly unknown[] = []) =>
        (await raw.query(sql, [...params])).rows as Row[],
      transaction: () => Promise.reject(new Error('not needed by the plan test')),
    },
    close: async () => {
      await raw.end();
      await store.close();
    },
  };
};

eventStoreContract('Postgres', () => openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 10 }));
outboxContract('Postgres', () => openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 2 }));
projectionStoreContract('Postgres', () => openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 2 }));

streamVersionsPlanContract('Postgres', storeWithRawSql);

orderIndexContract('Postgres', () => openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 2 }));

outboxPlanContract('Postgres', storeWithRawSql);

ordersByUserPlanContract('Postgres', storeWithRawSql);

settledOrderContract('Postgres', storeWithRawSql);
settledPlanContract('Postgres', storeWithRawSql, { settled_read: readSettledSql, settled_count: settledCountSql });

describe('Postgres appends', () => {
  it('turns the unique-key race (23505) into WrongExpectedVersionError', async () => {
    // A rival transaction inserts version 1 but has not committed: the store's version check cannot see
    // it and passes, so the store's insert waits on the unique key and fails once the rival commits.
    const schema = freshSchema();
    const store = await openPostgresStore({ connectionString, schema, poolSize: 2 });
    const rival = new pg.Client({ connectionString, options: `-c search_path=${quoteSchemaName(schema)}` });
    await rival.connect();
    try {
      await rival.query('BEGIN');
      await rival.query(
        `INSERT INTO events (stream_id, stream_version, type, data) VALUES ('event-a', 1, 'Rival', '{}')`,
      );
      const append = store.eventStore.append('event-a', 0, [{ type: 'Mine', data: {} }]);
      const settled = append.then(
        () => 'written',
        (error: unknown) => error,
      );
      // The append waits on the rival's uncommitted row before the rival commits: a lock wait, not a version check.
      await untilBlockedBy(rival);
      await rival.query('COMMIT');
      expect(await settled).toBeInstanceOf(WrongExpectedVersionError);
      expect((await store.eventStore.readStream('event-a')).map((e) => e.type)).toEqual(['Rival']);
    } finally {
      await rival.end();
      await store.close();
    }
  });
});

describe('Postgres migrations', () => {
  it('lets several nodes open the same new schema at once, applying each migration exactly once', async () => {
    const schema = freshSchema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore({ connectionString, schema, poolSize: 2 })),
    );
    try {
      const [first, second] = stores;
      await first!.eventStore.append('event-a', 0, [{ type: 'SeatsHeld', data: { n: 1 } }]);
      expect(await second!.eventStore.readStream('event-a')).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      const { rows } = await admin.query(`SELECT id FROM ${quoteSchemaName(schema)}.schema_migrations ORDER BY id`);
      expect(rows.map((row) => row.id)).toEqual(migrations.map((migration) => migration.id));
    } finally {
      await admin.end();
    }
  });
});

describe("Postgres pool client: the driver's errors translated, a transaction's own passed through", () => {
  const pools: pg.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });
  const clientOn = (config: pg.PoolConfig) => {
    const pool = servingPool({ max: 1, connectionTimeoutMillis: 1_000, ...config });
    pools.push(pool);
    return poolClient(pool);
  };

  it("hands a transaction's own error back as itself, and rolls the transaction back", async () => {
    const client = clientOn({ connectionString });
    const own = new Error("the caller's own");
    const thrown = await client
      .transaction(async (tx) => {
        await tx.query('CREATE TEMP TABLE own_error (n int)');
        throw own;
      })
      .catch((error: unknown) => error);
    expect(thrown).toBe(own);
    expect(await client.query("SELECT to_regclass('pg_temp.own_error') AS t")).toEqual([{ t: null }]);
  });

  it('turns a statement the server cancels, inside a transaction or not, into StoreUnavailableError', async () => {
    const client = clientOn({ connectionString, statement_timeout: 20 });
    await expect(client.query('SELECT pg_sleep(1)')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(client.transaction((tx) => tx.query('SELECT pg_sleep(1)'))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it('keeps a statement marked prepare parsed on its connection, and runs it again from there', async () => {
    const client = clientOn({ connectionString });
    const sql = 'SELECT $1::int + 1 AS n';
    expect(await client.query(sql, [1], { prepare: true })).toEqual([{ n: 2 }]);
    expect(await client.query(sql, [2], { prepare: true })).toEqual([{ n: 3 }]);
    // One pooled connection: the session that prepared it is the one asked. Both runs went through one preparation.
    const prepared = await client.query(
      'SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements WHERE statement = $1',
      [sql],
    );
    expect(prepared).toEqual([{ runs: 2 }]);
    // Not marked: parsed each time, nothing kept.
    await client.query('SELECT $1::int AS n', [1]);
    expect(await client.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).toEqual([{ n: 1 }]);
  });

  it('turns a checkout that cannot connect into StoreUnavailableError', async () => {
    const client = clientOn({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    await expect(client.transaction(async () => 'never')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
