import type { OrderIndex, OrderRef } from './orderIndex.ts';
import type { SqlClient } from './sqlClient.ts';
import { toSafeNumber } from './sqlClient.ts';

/**
 * The buyer's `OrderPlaced` events, through the partial index `events_orders_by_user` (migration 7): only order
 * placements are indexed, so a hold's append pays nothing for it. The predicate `type = 'OrderPlaced'` must appear
 * literally for the planner to use that index. Text comparison of order ids is byte order (COLLATE "C"), as in JS.
 */
export const ordersOfSql = `
  SELECT stream_id, data->>'orderId' AS order_id, (data->>'at')::bigint AS placed_at
  FROM events
  WHERE type = 'OrderPlaced' AND data->>'userId' = $1
    AND ($2::text IS NULL OR stream_id = $2)
    AND ($3::bigint IS NULL
      OR (data->>'at')::bigint < $3
      OR ((data->>'at')::bigint = $3 AND (data->>'orderId') COLLATE "C" < $4::text COLLATE "C"))
  ORDER BY (data->>'at')::bigint DESC, (data->>'orderId') COLLATE "C" DESC
  LIMIT $5`;

export const sqlOrderIndex = (client: SqlClient): OrderIndex => ({
  async ordersOf(userId, { streamId, before, limit }): Promise<OrderRef[]> {
    const rows = await client.query<{ stream_id: string; order_id: string; placed_at: unknown }>(ordersOfSql, [
      userId,
      streamId ?? null,
      before?.placedAt ?? null,
      before?.orderId ?? null,
      limit,
    ]);
    return rows.map((row) => ({
      orderId: row.order_id,
      streamId: row.stream_id,
      placedAt: toSafeNumber(row.placed_at),
    }));
  },
});
