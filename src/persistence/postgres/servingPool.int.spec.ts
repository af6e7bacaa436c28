import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { servingPool } from './servingPool.ts';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// events.once would reject on the 'error' these emit first: wait for the event alone.
const next = (emitter: { once: (name: string, listener: () => void) => unknown }, name: string): Promise<void> =>
  new Promise((resolve) => void emitter.once(name, resolve));

const terminateBackend = async (pid: number): Promise<void> => {
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
};

describe('servingPool', () => {
  let pool: pg.Pool | undefined;
  afterEach(async () => {
    await pool?.end();
    pool = undefined;
  });

  // Without a listener on the checked-out client, its 'error' is an uncaught exception: the run reports it and fails
  // (as CI did when test/outage.int.spec.ts stopped Postgres under an ordered lane's connection).
  it('survives a checked-out client losing its server between statements, and reports it on the next one', async () => {
    pool = servingPool({ connectionString, max: 2 });
    const client = await pool.connect();
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    const ended = next(client, 'end');
    await terminateBackend(pid);
    await ended;
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(new Error('connection lost'));
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('survives an idle client losing its server', async () => {
    pool = servingPool({ connectionString, max: 1 });
    const client = await pool.connect();
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    client.release();
    const removed = next(pool, 'remove');
    await terminateBackend(pid);
    await removed;
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});
