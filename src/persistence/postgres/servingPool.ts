import pg from 'pg';

/**
 * A node-postgres pool that survives losing its server. A client that loses its connection while no statement is
 * running on it emits 'error', and an 'error' with no listener crashes the process. The pool listens on the clients
 * it keeps idle, but not on one that is checked out: one held between the statements of a transaction, or by an
 * ordered lane between its appends. So every client the pool opens gets a listener of its own: the loss is
 * reported by the next statement given to that client (which the callers turn into StoreUnavailableError and answer
 * for by destroying the client instead of returning it), not by a crash.
 */
export function servingPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', ignoreConnectionLoss);
  pool.on('connect', (client) => client.on('error', ignoreConnectionLoss));
  return pool;
}

// The next statement on the client (or the pool's next connection attempt) reports the same failure.
const ignoreConnectionLoss = (): void => {};
