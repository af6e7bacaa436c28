/**
 * The little SQL surface both database adapters share, so the event store and catalog are written once.
 * PGlite and `pg` differ only in how they connect, run a statement and open a transaction.
 */
export interface SqlClient {
  /** Runs one statement with `$1`-style parameters and returns its rows (possibly none). */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<Row[]>;
  /** Runs `fn` inside BEGIN … COMMIT on one connection; a throw rolls back and rethrows. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

export type QueryOptions = Readonly<{
  /**
   * Keep the statement parsed on its connection (a named prepared statement) and send only its parameters the next
   * times: for the hot path's few statements, whose text is one of a fixed handful (the append's). Parsing, analysing
   * and planning the append cost its database more than writing a few events did (bench/appendCost.ts). A client may
   * ignore it; the statement's result is the same either way.
   */
  prepare?: boolean;
}>;

/**
 * Runs statements given the same key in the order given, on one connection: a stream's appends may then be sent
 * without waiting for each other (pipelined). A single-connection adapter (PGlite) needs none.
 */
export type OrderedQuery = <Row = Record<string, unknown>>(
  key: string,
  sql: string,
  params: readonly unknown[],
  options?: QueryOptions,
) => Promise<Row[]>;

/** The SQLSTATE of a Postgres error, whichever driver raised it (both put it on `code`). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const uniqueViolation = '23505';
export const foreignKeyViolation = '23503';

/**
 * Postgres hands bigint columns back as strings (pg) or bigints (PGlite); positions fit a double for
 * 2^53 events, so the ports speak plain numbers and this refuses to lose precision silently.
 */
export function toSafeNumber(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`not a safe integer: ${String(value)}`);
  return n;
}
