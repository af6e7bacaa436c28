import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for each test run, dropped afterwards, so runs never see each other's data. */
export const uniqueSchema = (prefix: string): string => `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

export const dropSchema = async (schema: string): Promise<void> => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
};
