import pg from 'pg';
import type { OrderedQuery, QueryOptions } from '../sqlClient.ts';
import { queryConfig } from './queryConfig.ts';

/**
 * Statements given the same key run one after another on one pooled connection, in the order they were given, so a
 * writer may send a stream's next append before the one ahead of it has committed. Through the pool, two connections
 * could run them the other way round: the second would find the stream short of the version it expects and write
 * nothing. A key's connection is checked out with its first statement and returned when its last one has answered;
 * node-postgres queues the statements on it and sends each as soon as the one before has finished, with no turn of
 * the event loop in between. A connection that failed (anything but the server's own answer to a statement: a reset,
 * a read timeout) is destroyed instead of returned, and the key's next statement gets a new one.
 */
export function orderedLanes(pool: pg.Pool, types: pg.CustomTypesConfig): OrderedQuery {
  type Lane = { connection: Promise<pg.PoolClient>; statements: number; failure: Error | undefined };
  const lanes = new Map<string, Lane>();
  return async <Row>(key: string, sql: string, params: readonly unknown[], options?: QueryOptions): Promise<Row[]> => {
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { connection: pool.connect(), statements: 0, failure: undefined };
      lanes.set(key, lane);
    }
    const current = lane;
    current.statements += 1;
    let connection: pg.PoolClient | undefined;
    try {
      // Every statement of the lane waits on the same promise, and its waiters resume in the order they began waiting.
      connection = await current.connection;
      return (await connection.query(queryConfig(sql, params, types, options))).rows as Row[];
    } catch (error) {
      if (!(error instanceof pg.DatabaseError)) {
        current.failure ??= error as Error;
        // Statements given from now on start a new lane; those queued on this one fail with its connection.
        if (lanes.get(key) === current) lanes.delete(key);
      }
      throw error;
    } finally {
      current.statements -= 1;
      if (current.statements === 0) {
        if (lanes.get(key) === current) lanes.delete(key);
        connection?.release(current.failure);
      }
    }
  };
}
