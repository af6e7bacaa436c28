import type { Activations } from '../actors/activations.ts';
import type { CommittedBatch, EventActor } from '../actors/eventActor.ts';
import { streamIdOf } from '../actors/eventActor.ts';
import { BookingError } from '../domain/bookingError.ts';
import { isPaymentOpen } from '../domain/machines/paymentTransitions.ts';
import type { InventoryCommand } from '../domain/seatMap/commands.ts';
import { orderView } from '../domain/seatMap/read.ts';
import type { InventoryState, OrderRecord } from '../domain/seatMap/state.ts';
import type { OrderView, TicketView } from '../domain/seatMap/views.ts';
import { idempotencyKeys, type PaymentNotice, type PaymentProvider } from '../payments/paymentProvider.ts';
import { type QrFormat, renderTicketQr, type TicketPayload, type TicketSigner } from '../payments/tickets.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import { eventIdOfHold, newOrderId } from '../platform/ids.ts';

export type OrderPlacement = Readonly<{
  orderId: string;
  status: OrderView['status'];
  amount: number;
  currency: string;
  payment: Readonly<{ provider: string; clientSecret?: string }>;
  expiresAt: string;
}>;

/** A ticket as its holder sees it: the view plus the signed code the gate scans. */
export type IssuedTicketView = TicketView & Readonly<{ code: string }>;
export type BuyerOrderView = Omit<OrderView, 'tickets'> & Readonly<{ tickets?: readonly IssuedTicketView[] }>;

export type AuditEntry = Readonly<{ version: number; type: string; data: unknown; recordedAt: string }>;

export type CheckIn = Readonly<{ status: 'admitted'; ticket: TicketPayload; checkedInAt: string }>;

export type OrderServiceOptions = Readonly<{
  activations: Activations;
  store: EventStore;
  provider: PaymentProvider;
  signer: TicketSigner;
  /** Told after every committed change to an order (the socket layer pushes `order:updated`). */
  onOrderUpdated?: (userId: string, order: BuyerOrderView) => void;
  onError?: (error: unknown, context: string) => void;
  /** Told about what an operator should look at: a payment for the wrong amount or currency, rejected and refunded. */
  onWarning?: (details: object, message: string) => void;
}>;

export type OrderService = ReturnType<typeof createOrderService>;

/**
 * Orders over the event actors, and the payment side effects that follow commits. The actor decides; this
 * service only calls the provider after the decision is durable, and records what the provider answered as
 * the next command. Every provider call is keyed by the order (idempotency keys), so repeating one after a
 * crash or a race is safe; `reconcile` repeats whatever an order still needs, from its state alone.
 */
export const createOrderService = (options: OrderServiceOptions) => {
  const { activations, provider, signer } = options;
  const inFlight = new Map<string, Promise<unknown>>();

  const actorOfId = async (id: string, missing: BookingError): Promise<EventActor> => {
    const eventId = eventIdOfHold(id);
    if (eventId === undefined) throw missing;
    return activations.get(eventId).catch((error: unknown) => {
      throw error instanceof BookingError && error.code === 'NOT_FOUND' ? missing : error;
    });
  };
  const orderNotFound = (orderId: string) => new BookingError('ORDER_NOT_FOUND', `no order ${orderId}`);

  /** The order as committed (reads go through the actor's mailbox, so no side effect follows an undurable state). */
  const readOrder = (
    actor: EventActor,
    orderId: string,
  ): Promise<{ order: OrderRecord; view: OrderView } | undefined> =>
    actor.read((state: InventoryState) => {
      const order = state.orders.get(orderId);
      // Copied out: the actor's state changes under us once we await.
      return order === undefined
        ? undefined
        : {
            order: { ...order, ticketIds: [...order.ticketIds], eventVersions: [...order.eventVersions] },
            view: orderView(state, order),
          };
    });

  const buyerView = async (view: OrderView): Promise<BuyerOrderView> => {
    const { tickets: issued, ...rest } = view;
    if (issued === undefined) return rest;
    const tickets = await Promise.all(
      issued.map(async (ticket) => ({
        ...ticket,
        code: await signer.sign({
          ticketId: ticket.ticketId,
          eventId: view.eventId,
          orderId: view.orderId,
          ...(ticket.seatId === undefined ? {} : { seatId: ticket.seatId }),
          ...(ticket.sectionId === undefined ? {} : { sectionId: ticket.sectionId }),
        }),
      })),
    );
    return { ...rest, tickets };
  };

  const ownOrder = async (orderId: string, userId: string) => {
    const actor = await actorOfId(orderId, orderNotFound(orderId));
    const found = await readOrder(actor, orderId);
    // Someone else's order reads as missing: the buyer alone may learn that it exists.
    if (found === undefined || found.order.userId !== userId) throw orderNotFound(orderId);
    return { actor, ...found };
  };

  /** One call per order and step at a time in this process; across processes the idempotency keys dedupe. */
  const once = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const running = inFlight.get(key) as Promise<T> | undefined;
    if (running !== undefined) return running;
    const started = run().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };

  const send = (actor: EventActor, command: (now: number) => InventoryCommand) => actor.send(command);

  /** Creates the order's payment at the provider (or gets the same one back) and records it. */
  const ensurePayment = (actor: EventActor, order: OrderRecord): Promise<string | undefined> =>
    once(`create:${order.orderId}`, async () => {
      const created = await provider.createPayment({
        orderId: order.orderId,
        amount: order.amount,
        currency: order.currency,
        idempotencyKey: idempotencyKeys.create(order.orderId),
        description: `Order ${order.orderId}`,
      });
      await send(actor, (now) => ({
        type: 'RecordPaymentInitiated',
        data: { orderId: order.orderId, provider: provider.name, paymentId: created.paymentId, now },
      }));
      return created.clientSecret;
    });

  /** Whatever side effect the order's state still asks for: create, cancel or refund its payment. */
  const reconcile = async (actor: EventActor, orderId: string): Promise<void> => {
    const found = await readOrder(actor, orderId);
    if (found === undefined) return;
    const { order } = found;
    if (order.status === 'pending') {
      await ensurePayment(actor, order);
    } else if (order.status === 'timed_out' && order.paymentId !== undefined && !order.cancelled) {
      const paymentId = order.paymentId;
      await once(`cancel:${orderId}`, async () => {
        const outcome = await provider.cancelPayment({ paymentId, idempotencyKey: idempotencyKeys.cancel(orderId) });
        // Not cancelable means the payment is completing after all; its success will be refunded.
        if (outcome === 'cancelled')
          await send(actor, (now) => ({ type: 'RecordPaymentCancelled', data: { orderId, now } }));
      });
    } else if (order.refundDue && order.refundId === undefined && order.paymentId !== undefined) {
      const paymentId = order.paymentId;
      await once(`refund:${orderId}`, async () => {
        const { refundId } = await provider.refundPayment({
          paymentId,
          // A rejected payment gives back what it took, which is not the order's amount.
          amount: order.refundAmount ?? order.amount,
          idempotencyKey: idempotencyKeys.refund(orderId),
        });
        await send(actor, (now) => ({ type: 'RecordRefund', data: { orderId, refundId, now } }));
      });
    }
  };

  const reconcileLater = (actor: EventActor, orderId: string): void => {
    reconcile(actor, orderId).catch((error: unknown) =>
      options.onError?.(error, `payment side effect for ${orderId} failed; retried on the next change or activation`),
    );
  };

  const handleNotice = async (notice: PaymentNotice): Promise<void> => {
    const actor = await actorOfId(notice.orderId, orderNotFound(notice.orderId));
    await send(actor, (now) => ({
      type: 'RecordPaymentResult',
      data: {
        orderId: notice.orderId,
        outcome: notice.outcome,
        providerEventId: notice.providerEventId,
        paymentId: notice.paymentId,
        ...(notice.reason === undefined ? {} : { reason: notice.reason }),
        received: { amount: notice.amount, currency: notice.currency },
        now,
      },
    }));
  };

  return {
    async placeOrder(holdId: string, userId: string, requestId: string): Promise<OrderPlacement> {
      const actor = await actorOfId(holdId, new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`));
      const orderId = newOrderId(actor.eventId);
      const reply = await actor.send(
        (now) => ({ type: 'PlaceOrder', data: { orderId, holdId, userId, requestId, now } }),
        { userId, requestId },
      );
      if (reply.outcome?.kind !== 'reserve') {
        throw new BookingError(
          'IDEMPOTENCY_KEY_REUSED',
          `requestId ${requestId} was used before for another kind of request`,
        );
      }
      const placedId = reply.outcome.orderId;
      let found = await readOrder(actor, placedId);
      if (found === undefined) throw orderNotFound(placedId);
      let clientSecret: string | undefined;
      if (found.order.status === 'pending' || found.order.status === 'processing') {
        // A retried request lands here too: the same idempotency key gives back the same payment and secret.
        clientSecret = await ensurePayment(actor, found.order).catch((error: unknown) => {
          options.onError?.(error, `creating the payment of ${placedId} failed; retried later`);
          return undefined;
        });
        found = (await readOrder(actor, placedId)) ?? found;
      }
      const { view } = found;
      return {
        orderId: placedId,
        status: view.status,
        amount: view.amount,
        currency: view.currency,
        payment: { provider: provider.name, ...(clientSecret === undefined ? {} : { clientSecret }) },
        expiresAt: view.expiresAt,
      };
    },

    async getOrder(orderId: string, userId: string): Promise<BuyerOrderView> {
      return buyerView((await ownOrder(orderId, userId)).view);
    },

    /** Pays with a test payment method; answers once the outcome is recorded, or at once while it is pending. */
    async pay(orderId: string, userId: string, paymentMethod: string): Promise<BuyerOrderView> {
      const { actor, order } = await ownOrder(orderId, userId);
      if (order.status === 'succeeded') return buyerView((await readOrder(actor, orderId))!.view);
      if (!isPaymentOpen(order.status)) throw new BookingError('ORDER_STATE', `order ${orderId} is ${order.status}`);
      if (order.paymentId === undefined) await ensurePayment(actor, order);
      const paymentId = (await readOrder(actor, orderId))?.order.paymentId;
      if (paymentId === undefined) throw new BookingError('UNAVAILABLE', 'the payment could not be created; retry');
      const notice = await provider.confirmPayment({ paymentId, paymentMethod });
      if (notice !== undefined) await handleNotice(notice);
      const { view } = (await readOrder(actor, orderId))!;
      if (view.status === 'failed')
        throw new BookingError(
          'PAYMENT_FAILED',
          `payment declined (${notice?.reason ?? 'declined'}); the seats are back on sale`,
        );
      return buyerView(view);
    },

    handleNotice,

    /** Committed batches: run the side effects their order events call for, and tell each buyer. */
    onCommitted(batch: CommittedBatch): void {
      const orderIds = new Set<string>();
      for (const event of batch.events) {
        if ('orderId' in event.data && event.type !== 'HoldReserved') orderIds.add(event.data.orderId);
        if (event.type === 'PaymentRejected')
          options.onWarning?.(
            { eventId: batch.diff.eventId, ...event.data },
            'payment rejected: the provider reported another amount or currency than the order’s; refunding it, seats not sold',
          );
      }
      if (orderIds.size === 0) return;
      const sideEffects = async () => {
        const actor = await activations.get(batch.diff.eventId);
        for (const orderId of orderIds) {
          reconcileLater(actor, orderId);
          const found = await readOrder(actor, orderId);
          if (found !== undefined && options.onOrderUpdated !== undefined) {
            options.onOrderUpdated(found.order.userId, await buyerView(found.view));
          }
        }
      };
      sideEffects().catch((error: unknown) => options.onError?.(error, 'order side effects failed'));
    },

    /** After an activation (a restart): repeat every side effect an order still needs. */
    recover(actor: EventActor): void {
      const due = actor.read((state) =>
        [...state.orders.values()]
          .filter(
            (order) =>
              order.status === 'pending' ||
              (order.status === 'timed_out' && order.paymentId !== undefined && !order.cancelled) ||
              (order.refundDue && order.refundId === undefined),
          )
          .map((order) => order.orderId),
      );
      due.then(
        (orderIds) => {
          for (const orderId of orderIds) reconcileLater(actor, orderId);
        },
        (error: unknown) => options.onError?.(error, 'order recovery failed; retried at the next activation'),
      );
    },

    /**
     * Every event of the booking behind this order (its hold's and its own), in stream order: the audit trail. Read
     * at the versions the order keeps, so it costs the booking's few events however long the stream has grown.
     */
    async history(orderId: string, userId: string): Promise<AuditEntry[]> {
      const { actor, order } = await ownOrder(orderId, userId);
      const stored = await options.store.readStreamVersions(streamIdOf(actor.eventId), order.eventVersions);
      return stored.map((event) => ({
        version: event.streamVersion,
        type: event.type,
        data: event.data,
        recordedAt: event.recordedAt.toISOString(),
      }));
    },

    async ticketQr(ticketId: string, userId: string, format: QrFormat) {
      const orderId = ticketId.slice(0, ticketId.lastIndexOf('-'));
      const { view } = await ownOrder(orderId, userId).catch((error: unknown) => {
        // Only a missing order means a missing ticket; a store that cannot answer is UNAVAILABLE, not "no ticket".
        throw error instanceof BookingError && error.code === 'ORDER_NOT_FOUND'
          ? new BookingError('NOT_FOUND', `no ticket ${ticketId}`)
          : error;
      });
      const ticket = (await buyerView(view)).tickets?.find((candidate) => candidate.ticketId === ticketId);
      if (ticket === undefined) throw new BookingError('NOT_FOUND', `no ticket ${ticketId}`);
      return renderTicketQr(ticket.code, format);
    },

    /**
     * An admin refunds a paid order: its seats go back on sale and its tickets are void at once; the provider's
     * refund follows the commit like every other side effect (with its own idempotency key), and is recorded.
     */
    async refundOrder(orderId: string, reason: string): Promise<BuyerOrderView> {
      const actor = await actorOfId(orderId, orderNotFound(orderId));
      await actor.send((now) => ({ type: 'RefundOrder', data: { orderId, reason, now } }));
      const found = await readOrder(actor, orderId);
      if (found === undefined) throw orderNotFound(orderId);
      return buyerView(found.view);
    },

    /** Verifies the code offline, then asks the event's actor, which admits a ticket once however many gates scan it. */
    async checkIn(code: string, gate: string | undefined): Promise<CheckIn> {
      const ticket = await signer.verify(code);
      const actor = await actorOfId(
        ticket.orderId,
        new BookingError('TICKET_INVALID', 'the ticket names no event on sale'),
      );
      const reply = await actor.send((now) => ({
        type: 'CheckInTicket',
        data: { ticketId: ticket.ticketId, ...(gate === undefined ? {} : { gate }), now },
      }));
      const checkedIn = reply.events.find((event) => event.type === 'TicketCheckedIn');
      return { status: 'admitted', ticket, checkedInAt: new Date(checkedIn?.data.at ?? Date.now()).toISOString() };
    },

    publicKey: () => signer.publicKey,
    providerName: provider.name,
  };
};
