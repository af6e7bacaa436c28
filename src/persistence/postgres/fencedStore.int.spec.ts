import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, uniqueSchema } from '../../../test/support/postgres.ts';
import { WrongExpectedVersionError } from '../eventStore.ts';
import { FencedError, HeldEpochs } from '../fence.ts';
import { migrate, migrations, quoteSchemaName } from '../migrations.ts';
import type { SqlClient } from '../sqlClient.ts';
import { openPostgresStore } from './postgresStore.ts';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
const fresh = () => {
  const schema = uniqueSchema('fence');
  schemas.push(schema);
  return schema;
};
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

const event = (n: number) => ({ type: 'Noted', data: { n } });

/** Two nodes' stores on one schema, each fenced by the epochs it holds, as two cluster nodes are. */
const twoNodes = async () => {
  const schema = fresh();
  const heldA = new HeldEpochs();
  const heldB = new HeldEpochs();
  const a = await openPostgresStore({ connectionString, schema, poolSize: 3, fence: heldA });
  const b = await openPostgresStore({ connectionString, schema, poolSize: 3, fence: heldB });
  return { schema, a, b, heldA, heldB, close: () => Promise.all([a.close(), b.close()]) };
};

describe('a fenced Postgres store (owner epochs)', () => {
  it('refuses an append for a stream this node holds no epoch for, writing nothing', async () => {
    const { a, close } = await twoNodes();
    try {
      await expect(a.eventStore.append('event-e1', 0, [event(1)])).rejects.toBeInstanceOf(FencedError);
      expect(await a.eventStore.readStream('event-e1')).toEqual([]);
    } finally {
      await close();
    }
  });

  it('lets only the newest owner write: the deposed one is refused by its epoch, even at the right version', async () => {
    const { a, b, heldA, heldB, close } = await twoNodes();
    try {
      heldA.hold('event-e1', await a.ownerEpochs.claim('event-e1', 'node-a'));
      await a.eventStore.append('event-e1', 0, [event(1)]);
      const epochB = await b.ownerEpochs.claim('event-e1', 'node-b');
      heldB.hold('event-e1', epochB);
      expect(epochB).toBe(2);
      // Node A still believes it owns the stream, and its expected version is right: the epoch alone refuses it.
      const refused = await a.eventStore.append('event-e1', 1, [event(2)]).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(FencedError);
      expect(refused).toMatchObject({ epoch: 1, currentEpoch: 2 });
      // With notifications and with an append chain, the other statement shapes, the same.
      await expect(
        a.eventStore.append('event-e1', 1, [event(2)], [], { id: 'x1', after: 'x0' }),
      ).rejects.toBeInstanceOf(FencedError);
      await b.eventStore.append('event-e1', 1, [event(3)]);
      // A version conflict under the right epoch is still a version conflict.
      await expect(b.eventStore.append('event-e1', 1, [event(4)])).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect((await b.eventStore.readStream('event-e1')).map((stored) => stored.data)).toEqual([{ n: 1 }, { n: 3 }]);
      expect(await a.ownerEpochs.current('event-e1')).toEqual({ streamId: 'event-e1', epoch: 2, node: 'node-b' });
    } finally {
      await close();
    }
  });

  it('makes a claim wait for an append under the old epoch that is in flight, so the new owner reads it', async () => {
    const { schema, a, b, heldA, close } = await twoNodes();
    const blocker = new pg.Client({ connectionString, options: `-c search_path=${quoteSchemaName(schema)}` });
    await blocker.connect();
    try {
      heldA.hold('event-e2', await a.ownerEpochs.claim('event-e2', 'node-a'));
      // An uncommitted row at the version A appends makes A's insert wait on the unique index, after its statement has
      // passed its checks and locked the owner row FOR SHARE; the blocker then rolls back and A's append commits.
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO events (stream_id, stream_version, type, data) VALUES ('event-e2', 1, 'Blocker', '{}')`,
      );
      const appending = a.eventStore.append('event-e2', 0, [event(1)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      let claimed = false;
      const claiming = b.ownerEpochs.claim('event-e2', 'node-b').then((epoch) => {
        claimed = true;
        return epoch;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(claimed).toBe(false);
      await blocker.query('ROLLBACK');
      await appending;
      expect(await claiming).toBe(2);
      expect(await b.eventStore.readStream('event-e2')).toHaveLength(1);
    } finally {
      await blocker.end();
      await close();
    }
  });

  it('lists owned streams and forgets the node of a vacated one, keeping its epoch', async () => {
    const { a, close } = await twoNodes();
    try {
      const epoch = await a.ownerEpochs.claim('event-e3', 'node-a');
      await a.ownerEpochs.claim('event-e4', 'node-a');
      expect((await a.ownerEpochs.owned(10)).map((record) => record.streamId)).toEqual(['event-e3', 'event-e4']);
      await a.ownerEpochs.vacate('event-e3', 'node-a', epoch);
      expect((await a.ownerEpochs.owned(10)).map((record) => record.streamId)).toEqual(['event-e4']);
      expect(await a.ownerEpochs.current('event-e3')).toEqual({ streamId: 'event-e3', epoch: 1, node: null });
      expect(await a.ownerEpochs.claim('event-e3', 'node-a')).toBe(2);
    } finally {
      await close();
    }
  });
});

describe('migrations with a gap in their ids', () => {
  it('applies a migration whose id is below ones already applied (id 10 landing after 11)', async () => {
    const schema = fresh();
    const client = new pg.Client({ connectionString, options: `-c search_path=${quoteSchemaName(schema)}` });
    await client.connect();
    const sql: SqlClient = {
      query: async <Row>(text: string, params?: readonly unknown[]) =>
        (await client.query(text, params as unknown[])).rows as Row[],
      transaction: async <T>(fn: (tx: SqlClient) => Promise<T>) => {
        await client.query('BEGIN');
        try {
          const result = await fn(sql);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      },
    };
    try {
      await client.query(`CREATE SCHEMA ${quoteSchemaName(schema)}`);
      // A database migrated by a build without id 10 (the read side's; nor 12, which changes 10's tables), then
      // started by one with them: 10 and 12 are applied on the next start, after 11.
      const without10 = migrations.filter((migration) => migration.id !== 10 && migration.id !== 12);
      expect(await migrate(sql, { schema }, without10)).toEqual(without10.map((migration) => migration.id));
      expect(await migrate(sql, { schema })).toEqual([10, 12]);
      expect(await migrate(sql, { schema })).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
