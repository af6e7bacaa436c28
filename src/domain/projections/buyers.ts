import type { OrderPlaced } from '../seatMap/events.ts';
import { eventIdOfStream, type Projection } from './projection.ts';

export type BuyerOrderEntry = {
  orderId: string;
  eventId: string;
  streamId: string;
  /** Epoch ms. */
  placedAt: number;
  amount: number;
  currency: string;
  quantity: number;
};

/**
 * Every order one buyer placed, across events. Keyed by user id. A buyer's holds are not kept here: `GET /v1/me/holds`
 * must be current (a hold lapses on a timer), so it reads the actors' committed state through the live holders index,
 * and holds kept here were written on every hold and release with no reader (the costliest part of this projection
 * under a hold-heavy load; docs/benchmarks.md, "The read side's cost on the hold path").
 */
export type BuyerDoc = {
  /** By order id (their state is the event's actor's to tell). */
  orders: Record<string, BuyerOrderEntry>;
};

/**
 * Each buyer's orders (`GET /v1/me/orders` pages through them). Keyed by order id, so an event applied twice changes
 * nothing. Only OrderPlaced touches a buyer's document.
 */
export const buyersProjection: Projection<BuyerDoc> = {
  name: 'buyers',
  keysOf: (event) => {
    if (event.type !== 'OrderPlaced' || eventIdOfStream(event.streamId) === undefined) return [];
    return [(event.data as OrderPlaced['data']).userId];
  },
  evolve: (doc, logged) => {
    const buyer = doc ?? { orders: {} };
    const eventId = eventIdOfStream(logged.streamId)!;
    const { orderId, at, amount, currency, quantity } = (logged as unknown as OrderPlaced).data;
    buyer.orders[orderId] = { orderId, eventId, streamId: logged.streamId, placedAt: at, amount, currency, quantity };
    return buyer;
  },
};
