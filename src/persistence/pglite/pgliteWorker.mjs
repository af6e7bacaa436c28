// Plain JavaScript on purpose: worker threads do not inherit the TypeScript loader, and this file needs none.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/**
 * PGlite runs Postgres compiled to WebAssembly, synchronously, on whichever thread calls it. On the main thread
 * every append would stall the event loop, so no batch could form while it runs; here it runs beside it.
 * Messages: {id, sql, params} → {id, rows} | {id, error: {message, code?, sqlError}}.
 * `sqlError` tells a statement Postgres refused (it carries a SQLSTATE and a severity) from PGlite itself failing
 * (a WebAssembly trap, an I/O error): after the latter the instance cannot be trusted, and the store treats the
 * database as unavailable.
 */

const port = parentPort;
if (port === null) throw new Error('pgliteWorker must run as a worker thread');

const { dataDir } = workerData;
const dbReady = PGlite.create(dataDir === undefined ? {} : { dataDir });
// A database that cannot open will not open on the next message either: the thread ends, and its owner decides
// whether to start another.
dbReady.catch((error) => {
  console.error(`PGlite could not open ${dataDir ?? 'in memory'}: ${error?.message ?? error}`);
  process.exit(1);
});

port.on('message', async (request) => {
  try {
    const db = await dbReady;
    if ('close' in request) {
      await db.close();
      port.postMessage({ id: request.id, rows: [] });
      return;
    }
    const result = await db.query(request.sql, request.params);
    port.postMessage({ id: request.id, rows: result.rows });
  } catch (error) {
    const { message, code, severity } = error ?? {};
    const sqlError = typeof code === 'string' && typeof severity === 'string';
    port.postMessage({ id: request.id, error: { message: message ?? String(error), code, sqlError } });
  }
});
