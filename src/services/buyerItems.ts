import type { Activations } from '../actors/activations.ts';
import type { CommittedBatch, EventActor } from '../actors/eventActor.ts';
import { streamIdOf } from '../actors/eventActor.ts';
import { BookingError } from '../domain/bookingError.ts';
import { heldHoldsByUser, liveHoldsOf } from '../domain/seatMap/read.ts';
import type { HoldView } from '../domain/seatMap/views.ts';
import type { OrderCursor, OrderIndex } from '../persistence/orderIndex.ts';

/** A live hold as `GET /v1/me/holds` lists it: the hold, and the event it is at. */
export type BuyerHold = HoldView & Readonly<{ eventId: string }>;

export type BuyerQuery = Readonly<{
  /** Only this event. */
  eventId?: string;
  /** Items per page (a hold page never splits one event's holds, so it may run over by that event's few). */
  limit: number;
  /** `next` of the previous page. */
  cursor?: string;
}>;

/**
 * What a buyer owns, across events: the service behind `GET /v1/me/holds` and `GET /v1/me/orders`. An interface so a
 * proper projection (issue #13) can replace this one without touching the routes.
 */
export interface BuyerItems<Order> {
  holdsOf(userId: string, query: BuyerQuery): Promise<{ holds: BuyerHold[]; next?: string }>;
  ordersOf(userId: string, query: BuyerQuery): Promise<{ orders: Order[]; next?: string }>;
}

/**
 * One node's part of a buyer's holds: the events it runs where the buyer may hold something, in event id order after
 * `after`, each with the holds found there (none: the index was stale), at most `limit` events and stopping once
 * `limit` holds are found; `more` when it has events after the last one given.
 */
export type HoldsPage = Readonly<{ events: { eventId: string; holds: BuyerHold[] }[]; more: boolean }>;

/** A page of a buyer's orders as the store's index lists them (newest first): their ids, and the cursor after them. */
export type OrderIdsPage = Readonly<{ orderIds: string[]; next?: string }>;

export type LocalOrders<Order> = Readonly<{
  /** The page of the buyer's order ids `ordersOf` reads (any node reads the index: it is in the store). */
  orderIdsPage(userId: string, query: BuyerQuery): Promise<OrderIdsPage>;
  /** The buyer's orders by id, in the order given, each read from its event's actor here. */
  ordersById(userId: string, orderIds: readonly string[]): Promise<Order[]>;
}>;

export type LocalHolds = Readonly<{
  /** This node's page (above); with `eventId`, that event's holds, its actor activated if needed. */
  holdsPage(userId: string, query: Readonly<{ eventId?: string; after?: string; limit: number }>): Promise<HoldsPage>;
}>;

/**
 * The pages of several nodes (each the first of its own events after the cursor) as one page: events in id order up to
 * the first cut a node made (past it, that node's later events are unseen), at most `limit` events read and stopping
 * once `limit` holds are found, as on one node; `next` the last event taken when any event is left.
 */
export const mergeHoldPages = (pages: readonly HoldsPage[], limit: number): { holds: BuyerHold[]; next?: string } => {
  const cuts = pages.filter((page) => page.more).map((page) => page.events.at(-1)?.eventId ?? '');
  const cut = cuts.length === 0 ? undefined : cuts.sort()[0];
  // One entry per event: a node that has just handed an event off may still list it (with no holds) beside its owner.
  const byEvent = new Map<string, BuyerHold[]>();
  for (const { eventId, holds } of pages.flatMap((page) => page.events))
    byEvent.set(eventId, [...(byEvent.get(eventId) ?? []), ...holds]);
  const events = [...byEvent]
    .map(([eventId, holds]) => ({ eventId, holds }))
    .sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const holds: BuyerHold[] = [];
  let taken = 0;
  for (const event of events) {
    if (holds.length >= limit || taken >= limit || (cut !== undefined && event.eventId > cut)) break;
    taken += 1;
    holds.push(...event.holds);
  }
  const last = events[taken - 1]?.eventId;
  const left = taken < events.length || cut !== undefined;
  return left && last !== undefined ? { holds, next: encodeCursor(last) } : { holds };
};

/** The `after` a hold page's cursor names (the last event id of the previous page). */
export const holdsCursorAfter = (cursor: string | undefined): string | undefined =>
  cursor === undefined ? undefined : decodeCursor(cursor, isString);

export type BuyerItemsDeps<Order> = Readonly<{
  activations: Activations;
  orderIndex: OrderIndex;
  /** The order as its buyer sees it (tickets signed); rejects ORDER_NOT_FOUND when it is not theirs. */
  getOrder: (orderId: string, userId: string) => Promise<Order>;
}>;

export const buyerQueryLimitMax = 100;

const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodeCursor = <T>(cursor: string, valid: (value: unknown) => value is T): T => {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!valid(value)) throw new BookingError('INVALID_INPUT', 'cursor is not one this server gave out');
  return value;
};
const isOrderCursor = (value: unknown): value is OrderCursor =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as OrderCursor).placedAt) &&
  typeof (value as OrderCursor).orderId === 'string';
const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * Which buyers hold what at which active event, in memory: a count of held holds per buyer and event, kept from
 * committed batches (HoldPlaced adds one; HoldReleased, HoldExpired and HoldReserved end one) and set from the
 * actor's state when an event activates. It only says where to look: the actor answers what is live. Nothing is
 * written for it, and it costs a few map updates per committed hold, after the acknowledgement.
 */
export class LiveHolders {
  private readonly byUser = new Map<string, Map<string, number>>();

  onCommitted = (batch: CommittedBatch): void => {
    const { eventId } = batch.diff;
    for (const event of batch.events) {
      if (event.type === 'HoldPlaced') this.add(event.data.userId, eventId, 1);
      else if (event.type === 'HoldReleased' || event.type === 'HoldExpired' || event.type === 'HoldReserved')
        this.add(event.data.userId, eventId, -1);
    }
  };

  /** Reads the new actor's held holds; a batch committed meanwhile is already in what the read sees, so counts are set. */
  seed(actor: EventActor): Promise<void> {
    return actor.read(heldHoldsByUser).then((counts) => {
      for (const [userId, count] of counts) this.set(userId, actor.eventId, count);
    });
  }

  eventsOf(userId: string): string[] {
    return [...(this.byUser.get(userId)?.keys() ?? [])].sort();
  }

  forget(userId: string, eventId: string): void {
    this.set(userId, eventId, 0);
  }

  private add(userId: string, eventId: string, delta: number): void {
    this.set(userId, eventId, (this.byUser.get(userId)?.get(eventId) ?? 0) + delta);
  }

  private set(userId: string, eventId: string, count: number): void {
    let events = this.byUser.get(userId);
    if (count > 0) {
      if (events === undefined) {
        events = new Map();
        this.byUser.set(userId, events);
      }
      events.set(eventId, count);
    } else if (events !== undefined) {
      events.delete(eventId);
      if (events.size === 0) this.byUser.delete(userId);
    }
  }
}

/**
 * Holds from the active actors' memory (an event with a live hold is active: only idle events are passivated), found
 * through LiveHolders; with `eventId`, from that event's actor, activated if needed (after a restart, say). Orders
 * through the store's index of order placements, each read from its event's actor like `GET /v1/orders/:id`.
 * Every call reads at most `limit` events (holds) or orders.
 */
export const createBuyerItems = <Order>(
  deps: BuyerItemsDeps<Order>,
  holders: LiveHolders,
): BuyerItems<Order> & LocalHolds & LocalOrders<Order> => {
  const { activations } = deps;
  const holdsAt = async (actor: EventActor, userId: string): Promise<BuyerHold[]> =>
    (await actor.read((state, now) => liveHoldsOf(state, userId, now))).map((hold) => ({
      ...hold,
      eventId: actor.eventId,
    }));

  const holdsPage: LocalHolds['holdsPage'] = async (userId, { eventId, after, limit }) => {
    if (eventId !== undefined) {
      const holds = await holdsAt(await activations.get(eventId), userId);
      return { events: [{ eventId, holds: holds.slice(0, limit) }], more: false };
    }
    const eventIds = holders.eventsOf(userId).filter((id) => after === undefined || id > after);
    const events: { eventId: string; holds: BuyerHold[] }[] = [];
    let found = 0;
    for (const id of eventIds) {
      if (found >= limit || events.length >= limit) break;
      const actor = await activations.peek(id)?.catch(() => undefined);
      const holds = actor === undefined ? [] : await holdsAt(actor, userId);
      if (holds.length === 0) holders.forget(userId, id);
      found += holds.length;
      events.push({ eventId: id, holds });
    }
    return { events, more: events.length < eventIds.length };
  };

  const orderIdsPage: LocalOrders<Order>['orderIdsPage'] = async (userId, { eventId, limit, cursor }) => {
    const refs = await deps.orderIndex.ordersOf(userId, {
      ...(eventId === undefined ? {} : { streamId: streamIdOf(eventId) }),
      ...(cursor === undefined ? {} : { before: decodeCursor(cursor, isOrderCursor) }),
      limit: limit + 1,
    });
    const page = refs.slice(0, limit);
    const last = page.at(-1);
    const orderIds = page.map((ref) => ref.orderId);
    return refs.length > limit && last !== undefined
      ? { orderIds, next: encodeCursor({ placedAt: last.placedAt, orderId: last.orderId }) }
      : { orderIds };
  };
  const ordersById: LocalOrders<Order>['ordersById'] = (userId, orderIds) =>
    Promise.all(orderIds.map((orderId) => deps.getOrder(orderId, userId)));

  return {
    holdsPage,

    async holdsOf(userId, { eventId, limit, cursor }) {
      if (eventId !== undefined) return { holds: (await holdsPage(userId, { eventId, limit })).events[0]!.holds };
      const after = holdsCursorAfter(cursor);
      return mergeHoldPages([await holdsPage(userId, { ...(after === undefined ? {} : { after }), limit })], limit);
    },

    orderIdsPage,
    ordersById,

    async ordersOf(userId, query) {
      const { orderIds, next } = await orderIdsPage(userId, query);
      return { orders: await ordersById(userId, orderIds), ...(next === undefined ? {} : { next }) };
    },
  };
};
