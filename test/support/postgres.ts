import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';

export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for each test run, dropped afterwards, so runs never see each other's data. */
export const uniqueSchema = (prefix: string): string => `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

export const dropSchema = async (schema: string): Promise<void> => {
  // Bounded: a Postgres that does not answer, or a lock a server still holds on the schema, fails the cleanup with pg's
  // error after these instead of holding the hook to its timeout.
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 10_000,
    query_timeout: 15_000,
  });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
};

/**
 * Waits until a statement of another session is blocked on a lock `holder`'s open transaction holds (read live from
 * pg_locks: pg_stat_activity would be the transaction's stale snapshot), so a spec knows its statement waits on the
 * lock and has not been decided yet.
 */
export const untilBlockedBy = async (holder: pg.Client): Promise<void> => {
  await expect
    .poll(
      async () =>
        (
          await holder.query<{ n: number }>(
            'SELECT count(DISTINCT pid)::int AS n FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))',
          )
        ).rows[0]!.n,
      { timeout: 10_000 },
    )
    .toBe(1);
};
