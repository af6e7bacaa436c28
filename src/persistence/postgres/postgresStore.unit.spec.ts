import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../storeErrors.ts';
import { postgresErrorToStoreError } from './postgresStore.ts';
import { queryConfig } from './queryConfig.ts';

const serverError = (code: string) => Object.assign(new pg.DatabaseError(`error ${code}`, 0, 'error'), { code });
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1 });

describe('Postgres errors: unavailable or not', () => {
  it.each([
    ['connection refused', systemError('ECONNREFUSED')],
    ['connection reset', systemError('ECONNRESET')],
    ['a broken pipe', systemError('EPIPE')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['a query the server never answered', new Error('Query read timeout')],
    ['a session cut by the server', new Error('Connection terminated unexpectedly')],
    ['admin shutdown (57P01)', serverError('57P01')],
    ['cannot connect now (57P03)', serverError('57P03')],
    ['statement timeout (57014)', serverError('57014')],
    ['too many connections (53300)', serverError('53300')],
    ['a connection failure (08006)', serverError('08006')],
    ['a read-only server after failover (25006)', serverError('25006')],
    ['a deadlock (40P01)', serverError('40P01')],
  ])('%s is StoreUnavailableError, with the cause kept', (_name, error) => {
    const translated = postgresErrorToStoreError(error);
    expect(translated).toBeInstanceOf(StoreUnavailableError);
    expect((translated as Error).cause).toBe(error);
  });

  it.each([
    ['a unique violation (23505)', serverError('23505')],
    ['invalid JSON text (22P02)', serverError('22P02')],
    ['a missing table (42P01)', serverError('42P01')],
    ['a programming mistake', new TypeError('Client was passed a null or undefined query')],
  ])('%s stays what it is', (_name, error) => {
    expect(postgresErrorToStoreError(error)).toBe(error);
  });
});

describe('Postgres statements: prepared when asked', () => {
  const types = {} as pg.CustomTypesConfig;
  it('names a statement marked prepare, the same name for the same text, another for another', () => {
    const first = queryConfig('SELECT $1::int AS a', [1], types, { prepare: true });
    expect(first.name).toMatch(/^seatactor_\d+$/);
    expect(queryConfig('SELECT $1::int AS a', [2], types, { prepare: true }).name).toBe(first.name);
    expect(queryConfig('SELECT $1::int AS b', [2], types, { prepare: true }).name).not.toBe(first.name);
  });

  it('leaves every other statement unnamed (parsed each time)', () => {
    expect(queryConfig('SELECT 1', [], types).name).toBeUndefined();
    expect(queryConfig('SELECT 1', [], types, { prepare: false }).name).toBeUndefined();
  });
});
