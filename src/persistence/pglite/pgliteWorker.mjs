// Plain JavaScript on purpose: worker threads do not inherit the TypeScript loader, and this file needs none.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/**
 * PGlite runs Postgres compiled to WebAssembly, synchronously, on whichever thread calls it. On the main thread
 * every append would stall the event loop, so no batch could form while it runs; here it runs beside it.
 * Messages: {id, sql, params} → {id, rows} | {id, error: {message, code}}.
 */

const port = parentPort;
if (port === null) throw new Error('pgliteWorker must run as a worker thread');

const { dataDir } = workerData;
const dbReady = PGlite.create(dataDir === undefined ? {} : { dataDir });

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
    const { message, code } = error ?? {};
    port.postMessage({ id: request.id, error: { message: message ?? String(error), code } });
  }
});
