import type { Activations } from '../../actors/activations.ts';
import type { EventActor } from '../../actors/eventActor.ts';
import { BookingError } from '../../domain/bookingError.ts';
import { orderView } from '../../domain/seatMap/read.ts';
import type { InventoryState, OrderRecord } from '../../domain/seatMap/state.ts';
import type { OrderView } from '../../domain/seatMap/views.ts';
import { eventIdOfHold } from '../../platform/ids.ts';

/** An order as committed: its record (what the saga acts on) and its view (what the buyer sees). */
export type FoundOrder = Readonly<{ order: OrderRecord; view: OrderView }>;

export const orderNotFound = (orderId: string) => new BookingError('ORDER_NOT_FOUND', `no order ${orderId}`);

/** Copied out of the actor's state, which changes under us once we await. */
const copyOrder = (state: InventoryState, order: OrderRecord): FoundOrder => ({
  order: { ...order, ticketIds: [...order.ticketIds], eventVersions: [...order.eventVersions] },
  view: orderView(state, order),
});

/**
 * How the order services find and read orders. Hold, order and ticket ids name their event, so the event's actor is
 * found without a lookup. Every read goes through the actor's mailbox (so nothing follows a state that is not
 * durable), and each call below is one mailbox read, however many orders it returns.
 */
export type OrderReads = Readonly<{
  /** The actor of the event an id names; `missing` when it names none, or no event on sale. */
  actorOfId(id: string, missing: BookingError): Promise<EventActor>;
  /** The actor of an event by its id. */
  actorOf(eventId: string): Promise<EventActor>;
  readOrder(actor: EventActor, orderId: string): Promise<FoundOrder | undefined>;
  /** Several orders of one event in one read; orders the event does not have are left out. */
  readOrders(actor: EventActor, orderIds: Iterable<string>): Promise<FoundOrder[]>;
  /** The buyer's own order and its actor; someone else's order reads as missing (the buyer alone may learn it exists). */
  ownOrder(orderId: string, userId: string): Promise<FoundOrder & Readonly<{ actor: EventActor }>>;
}>;

export const createOrderReads = (activations: Activations): OrderReads => {
  const actorOfId = async (id: string, missing: BookingError): Promise<EventActor> => {
    const eventId = eventIdOfHold(id);
    if (eventId === undefined) throw missing;
    return activations.get(eventId).catch((error: unknown) => {
      throw error instanceof BookingError && error.code === 'NOT_FOUND' ? missing : error;
    });
  };

  const readOrder = (actor: EventActor, orderId: string): Promise<FoundOrder | undefined> =>
    actor.read((state) => {
      const order = state.orders.get(orderId);
      return order === undefined ? undefined : copyOrder(state, order);
    });

  return {
    actorOfId,
    actorOf: (eventId) => activations.get(eventId),
    readOrder,
    readOrders: (actor, orderIds) => {
      const wanted = [...orderIds];
      return actor.read((state) =>
        wanted.flatMap((orderId) => {
          const order = state.orders.get(orderId);
          return order === undefined ? [] : [copyOrder(state, order)];
        }),
      );
    },
    async ownOrder(orderId, userId) {
      const actor = await actorOfId(orderId, orderNotFound(orderId));
      const found = await readOrder(actor, orderId);
      if (found === undefined || found.order.userId !== userId) throw orderNotFound(orderId);
      return { actor, ...found };
    },
  };
};
