import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { orderedLanes } from './orderedLanes.ts';

/**
 * A pool of fake connections: each statement waits until the test answers it, and every connection records what it
 * ran, so the order of statements per connection, and which connection ran them, can be checked.
 */
const fakePool = () => {
  type Pending = { sql: string; answer: () => void; fail: (error: Error) => void };
  const connections: { id: number; ran: string[]; released: (Error | boolean | undefined)[]; pending: Pending[] }[] =
    [];
  const pool = {
    connect: async () => {
      const connection = {
        id: connections.length,
        ran: [] as string[],
        released: [] as (Error | boolean | undefined)[],
        pending: [] as Pending[],
      };
      connections.push(connection);
      let queue = Promise.resolve();
      return {
        // Like node-postgres: one statement at a time, in the order given.
        query: ({ text }: { text: string }) => {
          const run = queue.then(
            () =>
              new Promise<{ rows: unknown[] }>((resolve, reject) => {
                connection.ran.push(text);
                connection.pending.push({ sql: text, answer: () => resolve({ rows: [text] }), fail: reject });
              }),
          );
          queue = run.then(
            () => undefined,
            () => undefined,
          );
          return run;
        },
        release: (error?: Error | boolean) => connection.released.push(error),
      };
    },
  };
  const answerNext = async (id: number) => {
    await expect.poll(() => connections[id]?.pending.length ?? 0).toBeGreaterThan(0);
    connections[id]!.pending.shift()!.answer();
  };
  return { pool: pool as unknown as pg.Pool, connections, answerNext };
};

const types = {} as pg.CustomTypesConfig;

describe('ordered lanes: a key’s statements on one connection, in order', () => {
  it('runs one key’s statements on one connection in the order given, and returns it after the last', async () => {
    const { pool, connections, answerNext } = fakePool();
    const query = orderedLanes(pool, types);
    const replies = [query('a', 's1', []), query('a', 's2', []), query('b', 't1', []), query('a', 's3', [])];
    await answerNext(0);
    await answerNext(1);
    await answerNext(0);
    await answerNext(0);
    expect(await Promise.all(replies)).toEqual([['s1'], ['s2'], ['t1'], ['s3']]);
    expect(connections.map((connection) => connection.ran)).toEqual([['s1', 's2', 's3'], ['t1']]);
    expect(connections.map((connection) => connection.released)).toEqual([[undefined], [undefined]]);
    // The lane was returned: the key's next statement checks out a connection again.
    const later = query('a', 's4', []);
    await answerNext(2);
    expect(await later).toEqual(['s4']);
  });

  it('destroys a connection that failed, and gives the key’s later statements a new one', async () => {
    const { pool, connections, answerNext } = fakePool();
    const query = orderedLanes(pool, types);
    const first = query('a', 's1', []);
    const queued = query('a', 's2', []);
    await expect.poll(() => connections[0]?.pending.length).toBe(1);
    connections[0]!.pending.shift()!.fail(new Error('Connection terminated unexpectedly'));
    await expect(first).rejects.toThrow('terminated');
    // A statement given after the failure starts a lane of its own.
    const after = query('a', 's3', []);
    await answerNext(1);
    expect(await after).toEqual(['s3']);
    // The one queued on the failed connection runs there (node-postgres would fail it), then the connection is destroyed.
    await expect.poll(() => connections[0]!.pending.length).toBe(1);
    connections[0]!.pending.shift()!.fail(new Error('Connection terminated unexpectedly'));
    await expect(queued).rejects.toThrow('terminated');
    expect(connections[0]!.released).toEqual([expect.any(Error)]);
    expect(connections[1]!.released).toEqual([undefined]);
  });

  it('returns a connection whose statement the server refused (a SQL error), not destroying it', async () => {
    const { pool, connections } = fakePool();
    const query = orderedLanes(pool, types);
    const refused = query('a', 's1', []);
    await expect.poll(() => connections[0]?.pending.length).toBe(1);
    connections[0]!.pending
      .shift()!
      .fail(Object.assign(new pg.DatabaseError('duplicate key', 0, 'error'), { code: '23505' }));
    await expect(refused).rejects.toBeInstanceOf(pg.DatabaseError);
    expect(connections[0]!.released).toEqual([undefined]);
  });
});
