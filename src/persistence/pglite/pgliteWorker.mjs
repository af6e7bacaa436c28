// Plain JavaScript on purpose: worker threads do not inherit the TypeScript loader, and this file needs none.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, parse, protocol } from '@electric-sql/pglite';
import { DurableNodeFS, durableStartParams, flushFolderOnce } from './durableNodeFs.mjs';

/**
 * PGlite runs Postgres compiled to WebAssembly, synchronously, on whichever thread calls it. On the main thread
 * every append would stall the event loop, so no batch could form while it runs; here it runs beside it.
 * Messages: {id, sql, params, prepare?} → {id, rows} | {id, error: {message, code?, sqlError}}.
 * `sqlError` tells a statement Postgres refused (it carries a SQLSTATE and a severity) from PGlite itself failing
 * (a WebAssembly trap, an I/O error): after the latter the instance cannot be trusted, and the store treats the
 * database as unavailable.
 */

const port = parentPort;
if (port === null) throw new Error('pgliteWorker must run as a worker thread');

const { dataDir } = workerData;
/**
 * On disk, durable (durableNodeFs.mjs): PGlite runs with fsync on and its file system flushes for real, so a commit
 * is answered once its WAL is on the disk; a folder not flushed yet (new, or written with fsync off) is flushed whole
 * before anything is answered. In memory there is nothing to flush, and PGlite's defaults (fsync off) stay.
 */
const dbReady =
  dataDir === undefined
    ? PGlite.create({})
    : PGlite.create({ fs: new DurableNodeFS(dataDir), startParams: durableStartParams }).then((db) => {
        flushFolderOnce(dataDir);
        return db;
      });
// A database that cannot open will not open on the next message either: the thread ends, and its owner decides
// whether to start another.
dbReady.catch((error) => {
  console.error(`PGlite could not open ${dataDir ?? 'in memory'}: ${error?.message ?? error}`);
  process.exit(1);
});

/**
 * Statements asked for with `prepare` (the append's few texts), kept parsed as named prepared statements: the text →
 * its name and its parameters' types. `db.query` sends Parse, Describe, Bind, Describe, Execute and Sync as six calls
 * into the WebAssembly, and Postgres parses, analyses and plans the statement every time (~0.5 ms of this thread per
 * append, more than its first few dozen events cost); a prepared one is Bind, Describe, Execute and Sync in one call.
 * Parameters are serialized and rows parsed as `db.query` does (its serializers and parsers); the call waits for the
 * same lock and syncs to the file system the same way (execProtocolStream's default, as `db.query` does outside
 * PGlite's own transactions, which this store does not use).
 */
const prepared = new Map();
const { serialize } = protocol;

const concat = (messages) => {
  const joined = new Uint8Array(messages.reduce((length, message) => length + message.length, 0));
  let offset = 0;
  for (const message of messages) {
    joined.set(message, offset);
    offset += message.length;
  }
  return joined;
};

const queryPrepared = (db, sql, params) =>
  db.runExclusive(async () => {
    let statement = prepared.get(sql);
    if (statement === undefined) {
      const name = `prepared_${prepared.size + 1}`;
      // A statement Postgres refuses throws here, and is not kept.
      const described = await db.execProtocolStream(
        concat([
          serialize.parse({ name, text: sql, types: [] }),
          serialize.describe({ type: 'S', name }),
          serialize.sync(),
        ]),
        { syncToFs: false },
      );
      const parameters = described.find((message) => message.name === 'parameterDescription');
      statement = { name, types: parameters?.dataTypeIDs ?? [] };
      prepared.set(sql, statement);
    }
    const values = params.map((value, index) => {
      if (value === null || value === undefined) return null;
      const serializer = db.serializers[statement.types[index]];
      return serializer ? serializer(value) : value.toString();
    });
    const messages = await db.execProtocolStream(
      concat([
        serialize.bind({ statement: statement.name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { syncToFs: true },
    );
    return parse.parseResults(messages, db.parsers)[0]?.rows ?? [];
  });

port.on('message', async (request) => {
  try {
    const db = await dbReady;
    if ('close' in request) {
      await db.close();
      port.postMessage({ id: request.id, rows: [] });
      return;
    }
    const rows = request.prepare
      ? await queryPrepared(db, request.sql, request.params)
      : (await db.query(request.sql, request.params)).rows;
    port.postMessage({ id: request.id, rows });
  } catch (error) {
    const { message, code, severity } = error ?? {};
    const sqlError = typeof code === 'string' && typeof severity === 'string';
    port.postMessage({ id: request.id, error: { message: message ?? String(error), code, sqlError } });
  }
});
