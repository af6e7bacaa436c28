/**
 * What the event log's layout costs the database, per event: the store as it is (one `events` row per event, its data
 * as jsonb, three indexes; the real adapter's append) against a prototype that is not in the product, one row per
 * append holding the batch as text, compressed with lz4 (`UNIQUE (stream_id, first_version)`, the same
 * expected-version check in the statement). Same batches, same database, rounds alternated A B B A; per event: the
 * Postgres backends' CPU (found by application_name), this process's CPU, and the wall time of an append. It measures one lever of issue #16 without
 * building it (docs/benchmarks.md, "What 0.80 of the ceiling would take").
 *
 * On PGlite (its worker is a thread of this process) the CPU is this process's, the worker's included; its WebAssembly
 * build has no lz4, so the prototype's text is stored uncompressed out of line (EXTERNAL) there.
 *
 *   npx tsx bench/logLayoutCost.ts [--stores postgres,pglite] [--events 275] [--appends 200] [--rounds 4]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { EventStore } from '../src/persistence/eventStore.ts';
import { openPgliteStore } from '../src/persistence/pglite/pgliteStore.ts';
import { round } from './benchServer.ts';
import { holdReleaseBatch, openBenchPostgres } from './storeBench.ts';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'postgres,pglite' },
    events: { type: 'string', default: '275' },
    appends: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '4' },
  },
});
const size = Number(values.events);
const appends = Number(values.appends);
const rounds = Number(values.rounds);

/** One database with the store's tables and the prototype's, and a way to run the prototype's statements in it. */
type Target = Readonly<{
  eventStore: EventStore;
  /** Runs one of the prototype's statements, prepared, and returns the rows it changed or read. */
  run: (sql: string, params: readonly unknown[]) => Promise<{ rowCount: number; rows: Record<string, unknown>[] }>;
  /** CPU ticks of the database's processes (Postgres backends; 0 for PGlite, whose worker is this process). */
  backendTicks: () => Promise<number>;
  close: () => Promise<void>;
}>;

const prototypeTable = (compression: string) => `CREATE TABLE log_batches (
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text NOT NULL,
  first_version int NOT NULL,
  last_version int NOT NULL,
  events text ${compression} NOT NULL,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (stream_id, first_version))`;

const openTarget = async (kind: string): Promise<Target> => {
  if (kind === 'pglite') {
    const opened = await openPgliteStore();
    // PGlite's WebAssembly build has no lz4; EXTERNAL keeps the text uncompressed, out of line, as lz4 nearly would.
    await opened.sql.query(prototypeTable(''));
    await opened.sql.query('ALTER TABLE log_batches ALTER COLUMN events SET STORAGE EXTERNAL');
    return {
      eventStore: opened.eventStore,
      run: async (sql, params) => {
        const rows = await opened.sql.query(sql, params, { prepare: true });
        return { rowCount: rows.length, rows };
      },
      backendTicks: async () => 0,
      close: opened.close,
    };
  }
  const opened = await openBenchPostgres('loglayout');
  const prototype = new pg.Client({ connectionString: opened.url });
  await prototype.connect();
  await prototype.query(`SET search_path TO ${opened.schema}`);
  await prototype.query(prototypeTable('COMPRESSION lz4'));
  let statements = 0;
  const names = new Map<string, string>();
  return {
    eventStore: opened.eventStore,
    run: async (sql, params) => {
      let name = names.get(sql);
      if (name === undefined) {
        name = `prototype-${statements++}`;
        names.set(sql, name);
      }
      const result = await prototype.query({ name, text: sql, values: [...params] });
      return { rowCount: result.rowCount ?? 0, rows: result.rows };
    },
    backendTicks: opened.backendTicks,
    close: async () => {
      await prototype.end();
      await opened.close();
    },
  };
};

const batches = Array.from({ length: 10 }, () => holdReleaseBatch(size, Date.now()));
const texts = batches.map((events) => JSON.stringify(events.map((event) => ({ type: event.type, data: event.data }))));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const kind of values.stores.split(',')) {
  const target = await openTarget(kind);
  const versions = { rows: 0, batch: 0 };
  const layouts = {
    rows: async (i: number) => {
      await target.eventStore.append('layout', versions.rows, batches[i % batches.length]!);
      versions.rows += size;
    },
    batch: async (i: number) => {
      const { rowCount } = await target.run(
        `INSERT INTO log_batches (stream_id, first_version, last_version, events)
          SELECT $1, $2 + 1, $2 + $3, $4
          WHERE (SELECT coalesce(max(last_version), 0) FROM log_batches WHERE stream_id = $1) = $2
          RETURNING position`,
        ['layout', versions.batch, size, texts[i % texts.length]!],
      );
      if (rowCount !== 1) throw new Error('the prototype append wrote nothing');
      versions.batch += size;
    },
  };
  type Layout = keyof typeof layouts;

  const measure = async (layout: Layout) => {
    const cpu0 = process.cpuUsage();
    const backend0 = await target.backendTicks();
    const wall0 = performance.now();
    for (let i = 0; i < appends; i++) await layouts[layout](i);
    const wall = (performance.now() - wall0) * 1000;
    const cpu = process.cpuUsage(cpu0);
    const backend = ((await target.backendTicks()) - backend0) * 10_000;
    const events = appends * size;
    return {
      wallUsPerAppend: wall / appends,
      processUsPerEvent: (cpu.user + cpu.system) / events,
      backendUsPerEvent: backend / events,
    };
  };

  try {
    for (const layout of ['rows', 'batch'] as const) for (let i = 0; i < 20; i++) await layouts[layout](i); // warm-up
    const results: Record<Layout, Awaited<ReturnType<typeof measure>>[]> = { rows: [], batch: [] };
    for (let r = 0; r < rounds; r++) {
      const order: Layout[] = r % 2 === 0 ? ['rows', 'batch'] : ['batch', 'rows'];
      for (const layout of order) results[layout].push(await measure(layout));
    }
    const [sizes] = (
      await target.run(
        `SELECT pg_size_pretty(pg_total_relation_size('events')) AS events,
          pg_size_pretty(pg_total_relation_size('log_batches')) AS batches`,
        [],
      )
    ).rows;
    for (const layout of ['rows', 'batch'] as const) {
      const windows = results[layout];
      console.log(
        JSON.stringify({
          store: kind,
          layout: layout === 'rows' ? 'a row per event (the store)' : 'a row per append (prototype)',
          eventsPerAppend: size,
          appends: appends * rounds,
          backendUsPerEvent: round(median(windows.map((w) => w.backendUsPerEvent)), 2),
          backendUsPerEventRange: windows.map((w) => round(w.backendUsPerEvent, 1)).join('–'),
          processUsPerEvent: round(median(windows.map((w) => w.processUsPerEvent)), 2),
          wallUsPerAppend: round(median(windows.map((w) => w.wallUsPerAppend)), 0),
          tableSize: layout === 'rows' ? sizes?.events : sizes?.batches,
        }),
      );
    }
  } finally {
    await target.close();
  }
}
