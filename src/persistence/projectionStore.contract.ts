import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore } from './eventStore.ts';
import { type Checkpoint, checkpointStart, type EntryRef, type ProjectionStore } from './projectionStore.ts';
import type { SqlClient } from './sqlClient.ts';

export type ProjectionStoreUnderTest = Readonly<{
  projections: readonly ProjectionStore[];
  close: () => Promise<void>;
}>;

const at = (transactionId: number, position: number): Checkpoint => ({
  transactionId: String(transactionId),
  position,
});
const ref = (bucket: string, key: string, position: number): EntryRef => ({ bucket, key, position });
const docs = (entries: Record<string, unknown>): ReadonlyMap<string, unknown> => new Map(Object.entries(entries));

/**
 * What every adapter's projection store must do with a pass's batches: commit them together (documents, references and
 * every checkpoint), and write nothing for a batch whose checkpoint is no longer where the batch began (another
 * runner's commit, or a reset), while the others are committed all the same. When two runners (two nodes, or a read's
 * catch-up beside the background pass) write the same batch, the checkpoint moves once: the second writer's commit
 * answers without that projection (the runner reads on from where it is), never an error that would fail a read.
 */
export function projectionStoreContract(name: string, open: () => Promise<ProjectionStoreUnderTest>): void {
  describe(`${name} commits the projections' batches`, () => {
    let store: ProjectionStoreUnderTest;
    let projections: ProjectionStore;
    beforeEach(async () => {
      store = await open();
      projections = store.projections[0]!;
    });
    afterEach(async () => {
      await store.close();
    });
    const checkpointsNow = async () =>
      Object.fromEntries(
        (await projections.checkpoints()).map((row) => [
          row.name,
          { transactionId: row.transactionId, position: row.position },
        ]),
      );

    it("commits every projection's batch together: documents, references and every checkpoint moved", async () => {
      const first = await projections.commit([
        { name: 'sales', from: checkpointStart, to: at(7, 3), docs: docs({ e1: { n: 1 }, e2: { n: 2 } }) },
        { name: 'buyers', from: checkpointStart, to: at(7, 3), docs: docs({}) },
        {
          name: 'history',
          from: checkpointStart,
          to: at(7, 3),
          refs: [ref('b1', 'k1', 1), ref('b1', 'k2', 2), ref('b2', 'k3', 3)],
        },
      ]);
      expect([...first].sort()).toEqual(['buyers', 'history', 'sales']);
      expect(await checkpointsNow()).toEqual({ buyers: at(7, 3), history: at(7, 3), sales: at(7, 3) });
      expect(await projections.docs('sales', ['e1', 'e2', 'e3'])).toEqual(docs({ e1: { n: 1 }, e2: { n: 2 } }));
      expect(await projections.positionsOf('history', 'b2', 'k3')).toEqual([3]);

      // The next pass goes on from there: a document replaced, a reference added beside the first.
      const second = await projections.commit([
        { name: 'sales', from: at(7, 3), to: at(9, 5), docs: docs({ e1: { n: 3 } }) },
        { name: 'history', from: at(7, 3), to: at(9, 5), refs: [ref('b1', 'k1', 5)] },
      ]);
      expect([...second].sort()).toEqual(['history', 'sales']);
      expect(await checkpointsNow()).toEqual({ buyers: at(7, 3), history: at(9, 5), sales: at(9, 5) });
      expect(await projections.docs('sales', ['e1', 'e2'])).toEqual(docs({ e1: { n: 3 }, e2: { n: 2 } }));
      expect(await projections.positionsOf('history', 'b1', 'k1')).toEqual([1, 5]);
      expect(await projections.commit([])).toEqual(new Set());
    });

    it('writes nothing for a batch whose checkpoint another runner moved, and commits the others all the same', async () => {
      // A rival runner commits its first batch of two projections before this runner's pass does.
      await projections.commit([
        { name: 'sales', from: checkpointStart, to: at(7, 3), docs: docs({ e1: { by: 'rival' } }) },
        { name: 'history', from: checkpointStart, to: at(7, 3), refs: [ref('b1', 'k1', 1)] },
      ]);
      // This runner read the checkpoints before the rival's commit: only buyers is still where its batch begins.
      const late = await projections.commit([
        { name: 'sales', from: checkpointStart, to: at(7, 3), docs: docs({ e1: { by: 'late' }, e9: { by: 'late' } }) },
        { name: 'buyers', from: checkpointStart, to: at(7, 3), docs: docs({ u1: { by: 'late' } }) },
        { name: 'history', from: checkpointStart, to: at(7, 3), refs: [ref('b9', 'k9', 2)] },
      ]);
      expect(late).toEqual(new Set(['buyers']));
      expect(await projections.docs('sales', ['e1', 'e9'])).toEqual(docs({ e1: { by: 'rival' } }));
      expect(await projections.docs('buyers', ['u1'])).toEqual(docs({ u1: { by: 'late' } }));
      expect(await projections.positionsOf('history', 'b9', 'k9')).toEqual([]);
      expect(await checkpointsNow()).toEqual({ buyers: at(7, 3), history: at(7, 3), sales: at(7, 3) });

      // Past the first batch the same: a batch from a checkpoint left behind writes nothing, the current one lands.
      const next = await projections.commit([
        { name: 'sales', from: at(5, 2), to: at(9, 5), docs: docs({ e1: { by: 'stale' } }) },
        { name: 'history', from: at(7, 3), to: at(9, 5), refs: [ref('b1', 'k1', 4)] },
      ]);
      expect(next).toEqual(new Set(['history']));
      expect(await projections.docs('sales', ['e1'])).toEqual(docs({ e1: { by: 'rival' } }));
      expect(await projections.positionsOf('history', 'b1', 'k1')).toEqual([1, 4]);
      expect(await checkpointsNow()).toEqual({ buyers: at(7, 3), history: at(9, 5), sales: at(7, 3) });
    });

    it('writes nothing for a batch begun before a reset put the checkpoint back to the start; one from the start lands', async () => {
      await projections.commit([
        { name: 'sales', from: checkpointStart, to: at(7, 3), docs: docs({ e1: { n: 1 } }) },
        { name: 'history', from: checkpointStart, to: at(7, 3), refs: [ref('b1', 'k1', 1)] },
      ]);
      await projections.reset('sales');
      await projections.reset('history');
      const stale = await projections.commit([
        { name: 'sales', from: at(7, 3), to: at(9, 5), docs: docs({ e1: { n: 2 } }) },
        { name: 'history', from: at(7, 3), to: at(9, 5), refs: [ref('b1', 'k1', 4)] },
      ]);
      expect(stale).toEqual(new Set());
      expect(await projections.checkpoint('sales')).toEqual(checkpointStart);
      expect(await projections.docs('sales', ['e1'])).toEqual(new Map());
      expect(await projections.positionsOf('history', 'b1', 'k1')).toEqual([]);

      const rebuilt = await projections.commit([
        { name: 'sales', from: checkpointStart, to: at(9, 5), docs: docs({ e1: { n: 9 } }) },
        { name: 'history', from: checkpointStart, to: at(9, 5), refs: [ref('b1', 'k1', 1), ref('b1', 'k1', 4)] },
      ]);
      expect([...rebuilt].sort()).toEqual(['history', 'sales']);
      expect(await projections.docs('sales', ['e1'])).toEqual(docs({ e1: { n: 9 } }));
      expect(await projections.positionsOf('history', 'b1', 'k1')).toEqual([1, 4]);
      expect(await checkpointsNow()).toEqual({ history: at(9, 5), sales: at(9, 5) });
    });

    it('lets exactly one of two writers of the same batch commit; the other writes nothing and gets no error', async () => {
      await projections.commit([{ name: 'p', from: checkpointStart, to: at(7, 1), docs: docs({ k: { n: 1 } }) }]);
      await projections.commit([{ name: 'log', from: checkpointStart, to: at(7, 1), refs: [ref('b', 'k', 1)] }]);
      const writer = (by: string) =>
        projections.commit([
          { name: 'p', from: at(7, 1), to: at(8, 2), docs: docs({ k: { n: 2, by } }) },
          { name: 'log', from: at(7, 1), to: at(8, 2), refs: [ref('b', 'k', 2)] },
        ]);
      const [a, b] = await Promise.all([writer('a'), writer('b')]);
      // Each projection was written by exactly one of them (one statement each: both or neither of a writer's).
      expect([...a, ...b].sort()).toEqual(['log', 'p']);
      const winner = a.has('p') ? 'a' : 'b';
      expect(await projections.docs('p', ['k'])).toEqual(docs({ k: { n: 2, by: winner } }));
      expect(await projections.positionsOf('log', 'b', 'k')).toEqual([1, 2]);
      expect(await checkpointsNow()).toEqual({ log: at(8, 2), p: at(8, 2) });
    });
  });
}

/**
 * The SQL adapters' settled cursor follows transaction ids as numbers, as the runner compares them: 9 before 10. Events
 * are written here with the transaction ids given (both far below any live transaction, so settled), the later
 * position under the smaller id: a read that ordered them by the ids' text ('10' < '9') would hand out 10 first, and a
 * runner that then moved its checkpoint to (10, 1) would never see the event of transaction 9.
 */
export function settledOrderContract(
  name: string,
  open: () => Promise<ProjectionStoreUnderTest & { sql: SqlClient }>,
): void {
  describe(`${name} reads settled events in transaction order`, () => {
    it('orders transaction ids as numbers, not as text, in the read, the count and the horizon check', async () => {
      const store = await open();
      try {
        for (const [transactionId, version] of [
          ['10', 1],
          ['9', 2],
          ['100', 3],
        ] as const) {
          await store.sql.query(
            `INSERT INTO events (stream_id, stream_version, type, data, transaction_id)
             VALUES ('settled-order', $1, 'T', '{}', $2::text::xid8)`,
            [version, transactionId],
          );
        }
        const [projection] = store.projections;
        const read = async (after: Checkpoint, limit: number) =>
          (await projection!.readSettled(after, limit)).map((event) => [event.transactionId, event.streamVersion]);
        expect(await read(checkpointStart, 10)).toEqual([
          ['9', 2],
          ['10', 1],
          ['100', 3],
        ]);
        expect(await read(checkpointStart, 1)).toEqual([['9', 2]]);
        const after9 = (await projection!.readSettled(checkpointStart, 1))[0]!;
        expect(await read({ transactionId: after9.transactionId, position: after9.position }, 10)).toEqual([
          ['10', 1],
          ['100', 3],
        ]);
        expect(await projection!.countSettled(after9)).toBe(2);
        expect((await projection!.settledCount(after9, 10)).count).toBe(2);
        expect((await projection!.settledCount(checkpointStart, 2)).count).toBe(2);
      } finally {
        await store.close();
      }
    });
  });
}

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/**
 * The SQL adapters' promise behind preparing the pass's reads: under a generic plan (what a prepared statement settles
 * on after five runs, knowing no parameter), the settled read and the settled count still walk events_by_transaction
 * in its order from the cursor and stop at the limit: not a scan of the log, nor a bitmap of the whole tail after the
 * cursor (which a rebuild from the start makes the whole log) read before the limit applies. The statements are prepared here in SQL and explained with
 * `plan_cache_mode = force_generic_plan`, on a log of 4,000 events.
 */
export function settledPlanContract(
  name: string,
  open: () => Promise<
    ProjectionStoreUnderTest & {
      sql: SqlClient;
      eventStore: EventStore;
    }
  >,
  statements: Readonly<Record<string, string>>,
): void {
  describe(`${name} plans the pass's prepared reads`, () => {
    it('keeps the settled read and count on the transaction index under a generic plan', async () => {
      const store = await open();
      try {
        for (let from = 0; from < 60_000; from += 2_000) {
          await store.eventStore.append(
            'event-long',
            from,
            Array.from({ length: 2_000 }, (_, i) => ({
              type: 'HoldPlaced',
              data: { holdId: `h${from + i}`, pad: 'x'.repeat(300) },
            })),
          );
        }
        await store.sql.query('ANALYZE events');
        await store.sql.query('SET plan_cache_mode = force_generic_plan');
        for (const [statement, sql] of Object.entries(statements)) {
          await store.sql.query(`PREPARE ${statement} AS ${sql}`);
          const [row] = await store.sql.query<{ 'QUERY PLAN': unknown }>(
            `EXPLAIN (FORMAT JSON) EXECUTE ${statement}('0', 0, 1000)`,
          );
          await store.sql.query(`DEALLOCATE ${statement}`);
          const explained = row?.['QUERY PLAN'];
          const [plan] = (typeof explained === 'string' ? JSON.parse(explained) : explained) as [{ Plan: PlanNode }];
          const onEvents = planNodes(plan.Plan).filter((node) => node['Relation Name'] === 'events');
          expect(onEvents.length, statement).toBeGreaterThan(0);
          for (const node of onEvents) {
            expect(['Index Scan', 'Index Only Scan'], statement).toContain(node['Node Type']);
            expect(node['Index Name'], statement).toBe('events_by_transaction');
          }
        }
      } finally {
        await store.sql.query('RESET plan_cache_mode');
        await store.close();
      }
    });
  });
}
