import type { HoldPlaced, OrderPlaced, SeatEvent } from '../seatMap/events.ts';
import { eventIdOfStream, type Projection } from './projection.ts';

export type BuyerHoldEntry = {
  eventId: string;
  seatIds: string[];
  sectionId?: string;
  quantity: number;
  expiresAt: number;
};

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

/** What one buyer holds and ordered, across events. Keyed by user id. */
export type BuyerDoc = {
  /** Holds placed and not yet released, expired or ordered, by hold id. */
  holds: Record<string, BuyerHoldEntry>;
  /** Every order the buyer placed, by order id (their state is the event's actor's to tell). */
  orders: Record<string, BuyerOrderEntry>;
};

const emptyBuyer = (): BuyerDoc => ({ holds: {}, orders: {} });

type BuyerEvent = HoldPlaced | OrderPlaced | Exclude<SeatEvent, HoldPlaced>;
const endsHold: ReadonlySet<string> = new Set(['HoldReleased', 'HoldExpired', 'HoldReserved']);

/**
 * Each buyer's holds and orders (`GET /v1/me/orders` pages through `orders`). Holds and orders are keyed by their ids,
 * so an event applied twice changes nothing.
 */
export const buyersProjection: Projection<BuyerDoc> = {
  name: 'buyers',
  keysOf: (event) => {
    if (eventIdOfStream(event.streamId) === undefined) return [];
    if (event.type === 'HoldPlaced' || event.type === 'OrderPlaced' || endsHold.has(event.type))
      return [(event.data as { userId: string }).userId];
    return [];
  },
  evolve: (doc, logged) => {
    const buyer = doc ?? emptyBuyer();
    const eventId = eventIdOfStream(logged.streamId)!;
    const event = logged as unknown as BuyerEvent;
    if (event.type === 'HoldPlaced') {
      const { holdId, seatIds, sectionId, quantity, expiresAt } = event.data;
      buyer.holds[holdId] = {
        eventId,
        seatIds: [...seatIds],
        quantity,
        expiresAt,
        ...(sectionId === undefined ? {} : { sectionId }),
      };
    } else if (event.type === 'OrderPlaced') {
      const { orderId, at, amount, currency, quantity } = event.data;
      buyer.orders[orderId] = { orderId, eventId, streamId: logged.streamId, placedAt: at, amount, currency, quantity };
    } else if (endsHold.has(event.type)) {
      delete buyer.holds[event.data.holdId];
    }
    return buyer;
  },
};
