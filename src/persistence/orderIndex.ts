/**
 * Which orders a buyer placed, across events: the store's answer to "find my orders" after a reload or on another
 * device. It names orders only; their state is the event actors' to tell. A port so a projection (issue #13) can
 * replace the indexed query behind it.
 */
export type OrderRef = Readonly<{
  orderId: string;
  streamId: string /** Epoch ms, from the order's event. */;
  placedAt: number;
}>;

/** Where a page of orders starts: strictly after (older than) this order. */
export type OrderCursor = Readonly<{ placedAt: number; orderId: string }>;

export type OrderQuery = Readonly<{ streamId?: string; before?: OrderCursor; limit: number }>;

export interface OrderIndex {
  /** The buyer's orders, newest first (placedAt, then orderId, both descending), at most `limit`. */
  ordersOf(userId: string, query: OrderQuery): Promise<OrderRef[]>;
}

/** The order of `ordersOf`: newest first, ties broken by order id, so a cursor never skips or repeats one. */
export const newestFirst = (a: OrderRef, b: OrderRef): number =>
  b.placedAt - a.placedAt || (a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0);

export const isBefore = (ref: OrderRef, cursor: OrderCursor): boolean =>
  ref.placedAt < cursor.placedAt || (ref.placedAt === cursor.placedAt && ref.orderId < cursor.orderId);
