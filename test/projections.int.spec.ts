import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyProjection,
  collectAll,
  isLogProjection,
  type LoggedEvent,
  projectAll,
  projections,
  type SalesDoc,
  salesProjection,
  seatHistoryKey,
  seatHistoryProjection,
} from '../src/domain/projections/index.ts';
import type { InventoryCommand } from '../src/domain/seatMap/commands.ts';
import { decide } from '../src/domain/seatMap/decide.ts';
import type { InventoryEvent, OrderPlaced } from '../src/domain/seatMap/events.ts';
import { evolve } from '../src/domain/seatMap/evolve.ts';
import { config, freshState, holdSeats, seatIdsOf, T0, venue } from '../src/domain/seatMap/inventoryFixture.ts';
import type { StoredEvent } from '../src/persistence/eventStore.ts';
import { quoteSchemaName } from '../src/persistence/migrations.ts';
import { openPostgresStore, type PostgresStore } from '../src/persistence/postgres/postgresStore.ts';
import { checkpointStart } from '../src/persistence/projectionStore.ts';
import { systemClock } from '../src/platform/clock.ts';
import { ProjectionRunner } from '../src/services/projections/projectionRunner.ts';
import { databaseUrl, dropSchema, uniqueSchema, untilBlockedBy } from './support/postgres.ts';

const logged = (event: StoredEvent): LoggedEvent => ({ ...event, recordedAt: event.recordedAt.getTime() });

const readLog = async (store: PostgresStore): Promise<StoredEvent[]> => store.eventStore.readAll(0, 1_000_000);

/**
 * The projection runner on real Postgres: the settled cursor never skips an event whose transaction commits after a
 * later one, and a runner killed mid-way (SIGKILL, between or inside its transactions) is resumed by another at its
 * checkpoints without counting anything twice.
 */
describe('projection runner on Postgres', () => {
  const schema = uniqueSchema('projections');
  let store: PostgresStore;

  beforeAll(async () => {
    store = await openPostgresStore({ connectionString: databaseUrl, schema });
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  const connect = async () => {
    const client = new pg.Client({
      connectionString: databaseUrl,
      options: `-c search_path=${quoteSchemaName(schema)}`,
    });
    await client.connect();
    return client;
  };
  const insert = (client: pg.Client, streamId: string, version: number, seatId: string) =>
    client.query(
      `INSERT INTO events (stream_id, stream_version, type, data) VALUES ($1, $2, 'HoldPlaced', $3::jsonb) RETURNING position`,
      [
        streamId,
        version,
        JSON.stringify({
          holdId: `${streamId}-h${version}`,
          userId: 'u',
          requestId: `r${version}`,
          seatIds: [seatId],
          quantity: 1,
          expiresAt: T0 + 60_000,
          at: T0,
        }),
      ],
    );

  it('tells where the log stands: a transaction still open holds the settled horizon below what has committed', async () => {
    const [open, other] = [await connect(), await connect()];
    const xidOf = async (client: pg.Client) =>
      BigInt((await client.query('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid);
    try {
      const projection = store.projections[0]!;
      await open.query('BEGIN');
      const running = await xidOf(open);
      // A later transaction commits while the first is still open: the read after it must wait for the first.
      await other.query('BEGIN');
      const done = await xidOf(other);
      await other.query('COMMIT');
      const during = await projection.horizon();
      expect(BigInt(during.settled)).toBeLessThanOrEqual(running);
      expect(BigInt(during.committed)).toBeGreaterThan(done);
      await open.query('COMMIT');
      // Other databases' transactions on the server may hold it a moment longer; ours no more.
      let after = await projection.horizon();
      for (const deadline = Date.now() + 10_000; BigInt(after.settled) <= done && Date.now() < deadline; )
        after = await projection.horizon();
      expect(BigInt(after.settled)).toBeGreaterThan(done);
    } finally {
      await open.end();
      await other.end();
    }
  });

  it('reads an event whose transaction commits after a later position was committed, instead of skipping it', async () => {
    const [early, late] = [await connect(), await connect()];
    try {
      const runner = new ProjectionRunner({
        stores: store.projections,
        projections: [seatHistoryProjection],
        clock: systemClock,
      });
      const projection = store.projections[0]!;
      const before = await projection.checkpoint(seatHistoryProjection.name);
      // The early transaction takes the lower position, the late one the higher; the late one commits first.
      await early.query('BEGIN');
      const first = await insert(early, 'event-ooo-a', 1, 'S-1');
      await late.query('BEGIN');
      const second = await insert(late, 'event-ooo-b', 1, 'S-2');
      expect(Number(second.rows[0].position)).toBeGreaterThan(Number(first.rows[0].position));
      await late.query('COMMIT');

      // A reader by position alone sees the higher position now, and would move past the lower one for good.
      const byPosition = await store.eventStore.readAll(before.position, 100);
      expect(byPosition.map((event) => event.streamId)).toEqual(['event-ooo-b']);
      // The settled cursor waits: the early transaction is still running, so nothing after it is read yet.
      expect(await runner.catchUp()).toBe(0);
      expect(await projection.checkpoint(seatHistoryProjection.name)).toEqual(before);

      await early.query('COMMIT');
      // The horizon is the whole server's: another database's transaction still open may hold it back a moment.
      let applied = 0;
      for (const deadline = Date.now() + 10_000; applied < 2 && Date.now() < deadline; )
        applied += await runner.catchUp();
      expect(applied).toBe(2);
      for (const key of ['ooo-a/S-1', 'ooo-b/S-2'])
        expect(await runner.entries(seatHistoryProjection.name, key), key).toHaveLength(1);
      expect(await runner.catchUp()).toBe(0);
    } finally {
      await early.end();
      await late.end();
    }
  });

  it("lets a read's catch-up race the background pass on one checkpoint: neither fails, nothing counted twice", async () => {
    const runner = new ProjectionRunner({ stores: store.projections, projections, clock: systemClock });
    const client = await connect();
    try {
      for (let round = 0; round < 10; round++) {
        for (let version = 1; version <= 20; version++)
          await insert(client, `event-race-${round}`, version, `S-${version}`);
        // The background pass (every projection) and two reads' catch-ups (one projection) commit the same batches:
        // the losers find the checkpoint moved and read on (stop 21's CI: a read answered 503 instead).
        await Promise.all([
          runner.catchUp(),
          runner.catchUpForRead(seatHistoryProjection.name),
          runner.catchUpForRead(seatHistoryProjection.name),
        ]);
      }
      for (let round = 0; round < 10; round++)
        for (const version of [1, 20])
          expect(await runner.entries(seatHistoryProjection.name, `race-${round}/S-${version}`)).toHaveLength(1);
    } finally {
      await client.end();
    }
  });

  it("commits a pass's other batches while a rival runner's transaction holds one checkpoint, and that one's not at all", async () => {
    const projection = store.projections[0]!;
    const at = (transactionId: string, position: number) => ({ transactionId, position });
    const docs = (by: string) => new Map([['k', { by }]]);
    await projection.commit([{ name: 'rival-a', from: checkpointStart, to: at('7', 3), docs: docs('first') }]);
    const rival = await connect();
    try {
      // A rival runner moves rival-a's checkpoint and writes its document, and starts rival-c, but has not committed.
      await rival.query('BEGIN');
      await rival.query(
        `UPDATE projection_checkpoints SET transaction_id = '9', position = 5
         WHERE name = 'rival-a' AND transaction_id = '7' AND position = 3`,
      );
      await rival.query(
        `INSERT INTO projection_docs (projection, key, doc) VALUES ('rival-a', 'k', '{"by":"rival"}')
         ON CONFLICT (projection, key) DO UPDATE SET doc = excluded.doc`,
      );
      await rival.query(
        `INSERT INTO projection_checkpoints (name, transaction_id, position) VALUES ('rival-c', '9', 5)`,
      );
      // This runner's pass read the checkpoints before: rival-a at 7/3, rival-b and rival-c at the start.
      const pass = projection.commit([
        { name: 'rival-a', from: at('7', 3), to: at('9', 5), docs: docs('pass') },
        { name: 'rival-b', from: checkpointStart, to: at('9', 5), docs: docs('pass') },
        { name: 'rival-c', from: checkpointStart, to: at('9', 5), docs: docs('pass') },
      ]);
      // It waits on the rival's rows (a lock wait: neither guard has been decided yet).
      await untilBlockedBy(rival);
      await rival.query('COMMIT');
      // Checked again on the rows as the rival committed them: rival-a and rival-c moved, so only rival-b is written.
      expect(await pass).toEqual(new Set(['rival-b']));
      expect(await projection.docs('rival-a', ['k'])).toEqual(docs('rival'));
      expect(await projection.docs('rival-b', ['k'])).toEqual(docs('pass'));
      expect(await projection.docs('rival-c', ['k'])).toEqual(new Map());
      for (const name of ['rival-a', 'rival-b', 'rival-c'])
        expect(await projection.checkpoint(name), name).toEqual(at('9', 5));
    } finally {
      await rival.end();
      for (const name of ['rival-a', 'rival-b', 'rival-c']) await projection.reset(name);
    }
  });

  it("takes this process's own appends from memory, exactly as the log has them, and reads the log for another writer's", async () => {
    const projection = store.projections[0]!;
    const recent = projection.recent!;
    const runner = new ProjectionRunner({
      stores: store.projections,
      projections: [seatHistoryProjection],
      clock: systemClock,
      intervalMs: 3_600_000,
      ownAppends: true,
    });
    const hold = (streamId: string, version: number) => ({
      type: 'HoldPlaced',
      data: { holdId: `${streamId}-h${version}`, userId: 'u', seatIds: [`S-${version}`], quantity: 1, at: T0 },
    });
    const own = async (streamId: string, fromVersion: number, n: number) =>
      store.eventStore.append(
        streamId,
        fromVersion - 1,
        Array.from({ length: n }, (_, index) => hold(streamId, fromVersion + index)),
      );
    const settledNow = async () => {
      // The horizon is the whole server's: wait until the transactions committed so far have settled.
      const target = (await projection.horizon()).committed;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; )
        if (BigInt((await projection.horizon()).settled) >= BigInt(target)) return;
    };
    const other = await connect();
    try {
      await runner.catchUp();
      runner.start();
      const from = await projection.checkpoint(seatHistoryProjection.name);
      await own('event-own-a', 1, 3);
      await own('event-own-b', 1, 2);
      await settledNow();
      // What memory gives is what the log has, field by field (positions, versions, transaction ids, recorded_at).
      const { settled } = await projection.settledCount(from, 100);
      expect(recent.settledAfter(from, settled)).toEqual(await projection.readSettled(from, 100));
      expect(await runner.catchUp()).toBe(5);
      expect(runner.batches).toEqual({ fromMemory: 1, fromLog: 1 });

      // Another writer's transaction takes a position and stays open while this process appends and commits after it:
      // nothing is settled until it ends (a pass from memory applies nothing), then the pass reads the log for it.
      await other.query('BEGIN');
      await insert(other, 'event-own-c', 1, 'S-1');
      await own('event-own-a', 4, 1);
      expect(await runner.catchUp()).toBe(0);
      await other.query('COMMIT');
      await settledNow();
      expect(await runner.catchUp()).toBe(2);
      expect(runner.batches.fromLog).toBe(2);

      // A restart: appends kept by the process before are gone; the log has them.
      await own('event-own-b', 3, 2);
      recent.follow(false);
      recent.follow(true);
      await own('event-own-b', 5, 1);
      await settledNow();
      expect(await runner.catchUp()).toBe(3);
      expect(runner.batches.fromLog).toBe(3);
      // Caught up again, memory serves the next one.
      await own('event-own-a', 5, 2);
      await settledNow();
      expect(await runner.catchUp()).toBe(2);
      expect(runner.batches.fromLog).toBe(3);

      const log = (await readLog(store)).filter((event) => event.streamId.startsWith('event-own-'));
      const folded = collectAll(seatHistoryProjection, log.map(logged));
      for (const [key, entries] of folded)
        expect(await runner.entries(seatHistoryProjection.name, key), key).toEqual(entries);
      expect(folded.size).toBe(6 + 5 + 1);
    } finally {
      await runner.stop();
      await other.end();
    }
  });

  it('resumes at the checkpoints after a runner is killed mid-way, counting nothing twice', async () => {
    // A sale written by the real decider, one append per command: orders paid, failed and refunded.
    const state = freshState();
    const streamId = `event-${state.eventId}`;
    const seats = seatIdsOf();
    const commands: InventoryCommand[] = [];
    for (let round = 0; round < 3; round++) {
      seats.forEach((seatId, index) => {
        const id = `${round}-${index}`;
        const now = T0 + round * 3_600_000 + index * 1_000;
        commands.push(holdSeats(`h${id}`, `u${index % 7}`, [seatId], now));
        commands.push({
          type: 'PlaceOrder',
          data: { orderId: `o${id}`, holdId: `h${id}`, userId: `u${index % 7}`, requestId: `p${id}`, now: now + 1 },
        });
        const pays = index % 3 !== 0;
        commands.push({
          type: 'RecordPaymentResult',
          data: {
            orderId: `o${id}`,
            outcome: pays ? 'succeeded' : 'failed',
            providerEventId: `pe${id}`,
            received: { amount: state.config.priceTiers[index < 6 ? 'premium' : 'standard']!.amount, currency: 'EUR' },
            now: now + 2,
          },
        });
        // Sold seats are refunded within their round, so the next round can sell them again; the last round keeps them.
        if (pays && round < 2)
          commands.push({ type: 'RefundOrder', data: { orderId: `o${id}`, reason: 'test', now: now + 3 } });
      });
    }
    for (const command of commands) {
      const events = decide(command, state) as InventoryEvent[];
      if (events.length === 0) continue;
      const version = state.version;
      for (const event of events) evolve(state, event);
      await store.eventStore.append(streamId, version, events);
    }
    const log = (await readLog(store)).filter((event) => event.streamId === streamId);
    const lastPosition = (await readLog(store)).at(-1)!.position;

    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/projectionWorker.ts', databaseUrl, schema],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      // Killed once every projection has committed some of its batches, and none has finished.
      const projection = store.projections[0]!;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const positions = await Promise.all(
          projections.map(async (p) => (await projection.checkpoint(p.name)).position),
        );
        if (positions.every((position) => position > log[0]!.position + 40)) break;
        if (Date.now() > deadline) throw new Error(`the worker did not get going: ${positions}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      worker.kill('SIGKILL');
      await exited;
    }
    const midway = await Promise.all(
      projections.map(async (p) => (await store.projections[0]!.checkpoint(p.name)).position),
    );
    expect(midway.some((position) => position < lastPosition)).toBe(true);

    const runner = new ProjectionRunner({
      stores: store.projections,
      projections,
      clock: systemClock,
      batchSizeMax: 7,
    });
    await runner.catchUp();
    expect((await runner.status()).map((row) => row.lagEvents)).toEqual([0, 0, 0]);

    // Revenue is the sum of the orders sold minus those refunded, counted from the log by hand.
    const amountOf = new Map(
      log
        .filter((event) => event.type === 'OrderPlaced')
        .map((event) => [(event.data as OrderPlaced['data']).orderId, (event.data as OrderPlaced['data']).amount]),
    );
    const sum = (type: string) =>
      log
        .filter((event) => event.type === type)
        .reduce((total, event) => total + amountOf.get((event.data as { orderId: string }).orderId)!, 0);
    const expected = sum('ReservationSold') - sum('SaleRefunded');
    expect(sum('ReservationSold')).toBeGreaterThan(0);
    const [sales] = await runner.docs<SalesDoc>(salesProjection.name, state.eventId);
    expect(sales?.revenue.EUR ?? 0).toBe(expected);

    // Every document (every key's entries, for a log projection) equals the one folded in memory from the whole log.
    const storedAndFolded = async (p: AnyProjection) => {
      const events = log.map(logged);
      const stores = store.projections[0]!;
      if (isLogProjection(p)) {
        const folded = collectAll(p, events);
        const stored = new Map(
          await Promise.all([...folded.keys()].map(async (key) => [key, await runner.entries(p.name, key)] as const)),
        );
        return { stored, folded };
      }
      const folded = projectAll(p, events);
      return { stored: await stores.docs(p.name, [...folded.keys()]), folded };
    };
    // Every document equals the one folded in memory from the whole log at once.
    for (const p of projections) {
      const { stored, folded } = await storedAndFolded(p);
      expect(stored, p.name).toEqual(folded);
    }
    // And a rebuild from scratch gives them again.
    await runner.rebuild();
    for (const p of projections) {
      const { stored, folded } = await storedAndFolded(p);
      expect(stored, p.name).toEqual(folded);
    }
    expect(await store.projections[0]!.checkpoint('nobody')).toEqual(checkpointStart);

    // The operator's commands on the same schema: the status, and the sale played back as its diffs.
    await store.catalog.createVenue(venue);
    await store.catalog.createEvent(config);
    const env = { ...process.env, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema };
    const status = spawnSync('npm', ['run', '-s', 'projections', '--', 'status'], { env, encoding: 'utf8' });
    expect(status.status, status.stderr).toBe(0);
    expect(
      status.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(['sales', 'seat-history', 'buyers']);
    expect(status.stdout).toMatch(/lag 0 events/);
    const replayed = spawnSync('npm', ['run', '-s', 'replay', '--', config.id, '--speed', 'max'], {
      env,
      encoding: 'utf8',
    });
    expect(replayed.status, replayed.stderr).toBe(0);
    const diffs = replayed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).diff as { fromVersion: number; version: number });
    // One diff per append, chained without a gap, ending at the stream's last version.
    expect(diffs.length).toBe(new Set(log.map((event) => event.appendId)).size);
    expect(diffs.map((diff) => diff.fromVersion)).toEqual([0, ...diffs.slice(0, -1).map((diff) => diff.version)]);
    expect(diffs.at(-1)!.version).toBe(log.length);
  }, 120_000);
});

/**
 * `npm run projections -- follow`: the read side in a process of its own (the servers then run with
 * PROJECTIONS_INTERVAL_MS=0). It catches up what was written before it started and what is written while it runs, and
 * stops on SIGTERM with its pass committed or not at all.
 */
describe('npm run projections -- follow', () => {
  const schema = uniqueSchema('follow');
  let store: PostgresStore;

  beforeAll(async () => {
    store = await openPostgresStore({ connectionString: databaseUrl, schema });
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  it('keeps every projection caught up while the log grows, and stops on SIGTERM', async () => {
    const state = freshState();
    const streamId = `event-${state.eventId}`;
    const seats = seatIdsOf();
    const write = async (from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const events = decide(
          holdSeats(`h${index}`, `u${index}`, [seats[index]!], T0 + index),
          state,
        ) as InventoryEvent[];
        const version = state.version;
        for (const event of events) evolve(state, event);
        await store.eventStore.append(streamId, version, events);
      }
    };
    // Only reads the checkpoints: this process never applies anything itself.
    const observer = new ProjectionRunner({
      stores: store.projections,
      projections,
      clock: systemClock,
      intervalMs: 0,
    });
    const caughtUpTo = async () => {
      const rows = await observer.status();
      return rows.every((row) => row.lagEvents === 0) ? Math.min(...rows.map((row) => row.checkpoint.position)) : -1;
    };
    const lastPosition = async () => (await readLog(store)).at(-1)!.position;

    await write(0, 4);
    // The script itself (npm's wrapper would take the signal meant for it).
    const follower = spawn(process.execPath, ['--import', 'tsx', 'scripts/projections.ts', 'follow'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, PROJECTIONS_INTERVAL_MS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    follower.stdout?.on('data', (chunk: Buffer) => (output += chunk));
    follower.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => follower.once('exit', resolve));
    try {
      const before = await lastPosition();
      await expect.poll(caughtUpTo, { timeout: 60_000, interval: 50 }).toBe(before);
      await write(4, 8);
      const after = await lastPosition();
      expect(after).toBeGreaterThan(before);
      await expect.poll(caughtUpTo, { timeout: 30_000, interval: 50 }).toBe(after);
      // What it applied is what a fold of the log gives.
      const events = (await readLog(store)).filter((event) => event.streamId === streamId).map(logged);
      expect(await observer.entries(seatHistoryProjection.name, seatHistoryKey(state.eventId, seats[5]!))).toEqual(
        collectAll(seatHistoryProjection, events).get(seatHistoryKey(state.eventId, seats[5]!)),
      );
    } finally {
      follower.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/^following sales, seat-history, buyers every 50 ms$/m);
    expect(output).toContain('SIGTERM: stopped');
  }, 120_000);
});
