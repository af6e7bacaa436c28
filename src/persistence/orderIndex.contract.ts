import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, NewEvent } from './eventStore.ts';
import type { OrderIndex, OrderRef } from './orderIndex.ts';
import type { SqlClient } from './sqlClient.ts';
import { ordersOfSql } from './sqlOrderIndex.ts';

export type OrderIndexUnderTest = Readonly<{
  eventStore: EventStore;
  orderIndex: OrderIndex;
  close: () => Promise<void>;
}>;

const orderPlaced = (orderId: string, userId: string, at: number): NewEvent => ({
  type: 'OrderPlaced',
  data: { orderId, holdId: `${orderId}-hold`, userId, requestId: orderId, amount: 100, currency: 'EUR', at },
});
const holdPlaced = (holdId: string, userId: string, at: number): NewEvent => ({
  type: 'HoldPlaced',
  data: { holdId, userId, requestId: holdId, seatIds: ['A-1'], quantity: 1, expiresAt: at + 60_000, at },
});

/** Every store's index of order placements answers alike: newest first, per buyer, paged without gaps or repeats. */
export function orderIndexContract(name: string, open: () => Promise<OrderIndexUnderTest>): void {
  describe(`${name} finds a buyer's orders`, () => {
    let store: OrderIndexUnderTest;
    beforeEach(async () => {
      store = await open();
      await store.eventStore.append('event-a', 0, [
        holdPlaced('a.h1', 'u1', 1_000),
        orderPlaced('a.o1', 'u1', 1_000),
        orderPlaced('a.o2', 'u2', 2_000),
        orderPlaced('a.o3', 'u1', 3_000),
      ]);
      await store.eventStore.append('event-b', 0, [
        orderPlaced('b.o1', 'u1', 2_000),
        // Same instant as a.o3: the order id breaks the tie.
        orderPlaced('b.o2', 'u1', 3_000),
        { type: 'PaymentSucceeded', data: { orderId: 'b.o2', userId: 'u1', at: 4_000 } },
      ]);
    });
    afterEach(() => store.close());

    const ids = (refs: readonly OrderRef[]) => refs.map((ref) => ref.orderId);

    it('lists only that buyer’s order placements, newest first, across streams', async () => {
      const refs = await store.orderIndex.ordersOf('u1', { limit: 10 });
      expect(ids(refs)).toEqual(['b.o2', 'a.o3', 'b.o1', 'a.o1']);
      expect(refs[0]).toEqual({ orderId: 'b.o2', streamId: 'event-b', placedAt: 3_000 });
      expect(await store.orderIndex.ordersOf('u3', { limit: 10 })).toEqual([]);
    });

    it('narrows to one stream', async () => {
      expect(ids(await store.orderIndex.ordersOf('u1', { streamId: 'event-a', limit: 10 }))).toEqual(['a.o3', 'a.o1']);
    });

    it('pages with a cursor, one order at a time, without a gap or a repeat', async () => {
      const seen: string[] = [];
      let before: OrderRef | undefined;
      for (;;) {
        const page = await store.orderIndex.ordersOf('u1', { limit: 1, ...(before === undefined ? {} : { before }) });
        if (page.length === 0) break;
        seen.push(...ids(page));
        before = page.at(-1);
      }
      expect(seen).toEqual(['b.o2', 'a.o3', 'b.o1', 'a.o1']);
    });
  });
}

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Actual Rows'?: number };
const planNodes = (node: PlanNode & { Plans?: PlanNode[] }): PlanNode[] => [
  node,
  ...(node.Plans ?? []).flatMap((child) => planNodes(child as PlanNode & { Plans?: PlanNode[] })),
];

/**
 * The SQL stores find a buyer's orders through the partial index of order placements, never by scanning the log,
 * and the buyer's holds (far more rows than their orders) are not in that index at all.
 */
export function ordersByUserPlanContract(
  name: string,
  open: () => Promise<OrderIndexUnderTest & { sql: SqlClient }>,
): void {
  describe(`${name} finds a buyer's orders by index`, () => {
    it('reads only the buyer’s order placements, not their holds nor anyone else’s events', async () => {
      const store = await open();
      try {
        for (let from = 0; from < 4_000; from += 500) {
          await store.eventStore.append(
            'event-long',
            from,
            Array.from({ length: 500 }, (_, i) => {
              const n = from + i;
              // One order in 100 events; u1 places a hold every other event and one order in 400.
              return n % 100 === 99
                ? orderPlaced(`o${n}`, n % 400 === 399 ? 'u1' : `u${n}`, n)
                : holdPlaced(`h${n}`, n % 2 === 0 ? 'u1' : `u${n}`, n);
            }),
          );
        }
        await store.sql.query('ANALYZE events');
        const [row] = await store.sql.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${ordersOfSql}`,
          ['u1', null, null, null, 50],
        );
        const explained = row?.['QUERY PLAN'];
        const [plan] = (typeof explained === 'string' ? JSON.parse(explained) : explained) as [{ Plan: PlanNode }];
        const nodes = planNodes(plan.Plan);
        expect(
          nodes.filter((node) => node['Relation Name'] === 'events').map((node) => node['Node Type']),
        ).not.toContain('Seq Scan');
        expect(nodes.some((node) => node['Index Name'] === 'events_orders_by_user')).toBe(true);
        for (const node of nodes) expect(node['Actual Rows'] ?? 0).toBeLessThanOrEqual(10);
        const refs = await store.orderIndex.ordersOf('u1', { limit: 50 });
        expect(refs.map((ref) => ref.orderId)).toEqual([
          'o3999',
          'o3599',
          'o3199',
          'o2799',
          'o2399',
          'o1999',
          'o1599',
          'o1199',
          'o799',
          'o399',
        ]);
      } finally {
        await store.close();
      }
    });
  });
}
