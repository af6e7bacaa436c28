export type { OrderPlacement } from '../../contract/rest.ts';

import type { CommittedBatch, EventActor } from '../../actors/eventActor.ts';
import type { OrderPlacement } from '../../contract/rest.ts';
import { BookingError } from '../../domain/bookingError.ts';
import { isPaymentOpen } from '../../domain/machines/paymentTransitions.ts';
import type { OrderRecord } from '../../domain/seatMap/state.ts';
import type { OrderView } from '../../domain/seatMap/views.ts';
import { idempotencyKeys, type PaymentNotice, type PaymentProvider } from '../../payments/paymentProvider.ts';
import { newOrderId } from '../../platform/ids.ts';
import { type FoundOrder, type OrderReads, orderNotFound } from './orderReads.ts';

export type PaymentSagaOptions = Readonly<{
  reads: OrderReads;
  provider: PaymentProvider;
  /** Told after every committed change to an order, with the order as committed (the buyer's sockets are told). */
  onOrderChanged?: (found: FoundOrder) => void;
  onError?: (error: unknown, context: string) => void;
  /** Told about what an operator should look at: a payment for the wrong amount or currency, rejected and refunded. */
  onWarning?: (details: object, message: string) => void;
}>;

export type PaymentSaga = ReturnType<typeof createPaymentSaga>;

/** Payments still owe a side effect: to be created, cancelled after a timeout, or refunded. */
const owesSideEffect = (order: OrderRecord): boolean =>
  order.status === 'pending' ||
  (order.status === 'timed_out' && order.paymentId !== undefined && !order.cancelled) ||
  (order.refundDue && order.refundId === undefined);

/**
 * The payment saga: commands in, provider calls out. The actor decides; the saga calls the provider only after a
 * decision is durable, and records what the provider answered as the next command. Every provider call is keyed by
 * the order (idempotency keys), so repeating one after a crash or a race is safe; `reconcile` repeats whatever an
 * order still needs from its record alone, after each commit and on each activation (recovery). Each step reads the
 * actor's mailbox at most once.
 */
export const createPaymentSaga = (options: PaymentSagaOptions) => {
  const { reads, provider } = options;
  const inFlight = new Map<string, Promise<unknown>>();

  /** One call per order and step at a time in this process; across processes the idempotency keys dedupe. */
  const once = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const running = inFlight.get(key) as Promise<T> | undefined;
    if (running !== undefined) return running;
    const started = run().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };

  /**
   * Creates the order's payment at the provider (or gets the same one back) and records it. Answers the payment the
   * order now has (undefined when the order could not take one, having timed out meanwhile) and whether recording it
   * changed the order.
   */
  const ensurePayment = (
    actor: EventActor,
    order: OrderRecord,
  ): Promise<{ paymentId: string | undefined; clientSecret: string | undefined; changed: boolean }> =>
    once(`create:${order.orderId}`, async () => {
      const created = await provider.createPayment({
        orderId: order.orderId,
        amount: order.amount,
        currency: order.currency,
        idempotencyKey: idempotencyKeys.create(order.orderId),
        description: `Order ${order.orderId}`,
      });
      const reply = await actor.send((now) => ({
        type: 'RecordPaymentInitiated',
        data: { orderId: order.orderId, provider: provider.name, paymentId: created.paymentId, now },
      }));
      const initiated = reply.events.some((event) => event.type === 'PaymentInitiated');
      // Recorded before (by an earlier attempt) or not at all (the order timed out): only the order can say which.
      const paymentId =
        order.paymentId ??
        (initiated ? created.paymentId : (await reads.readOrder(actor, order.orderId))?.order.paymentId);
      return { paymentId, clientSecret: created.clientSecret, changed: reply.events.length > 0 };
    });

  /** Whatever side effect the order's record still asks for: create, cancel or refund its payment. */
  const reconcile = async (actor: EventActor, order: OrderRecord): Promise<void> => {
    const { orderId } = order;
    if (order.status === 'pending') {
      await ensurePayment(actor, order);
    } else if (order.status === 'timed_out' && order.paymentId !== undefined && !order.cancelled) {
      const paymentId = order.paymentId;
      await once(`cancel:${orderId}`, async () => {
        const outcome = await provider.cancelPayment({ paymentId, idempotencyKey: idempotencyKeys.cancel(orderId) });
        // Not cancelable means the payment is completing after all; its success will be refunded.
        if (outcome === 'cancelled')
          await actor.send((now) => ({ type: 'RecordPaymentCancelled', data: { orderId, now } }));
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
        await actor.send((now) => ({ type: 'RecordRefund', data: { orderId, refundId, now } }));
      });
    }
  };

  const reconcileLater = (actor: EventActor, order: OrderRecord): void => {
    reconcile(actor, order).catch((error: unknown) =>
      options.onError?.(
        error,
        `payment side effect for ${order.orderId} failed; retried on the next change or activation`,
      ),
    );
  };

  const recordNotice = (actor: EventActor, notice: PaymentNotice) =>
    actor.send((now) => ({
      type: 'RecordPaymentResult',
      data: {
        orderId: notice.orderId,
        outcome: notice.outcome,
        providerEventId: notice.providerEventId,
        paymentId: notice.paymentId,
        ...(notice.reason === undefined ? {} : { reason: notice.reason }),
        received: { amount: notice.amount, currency: notice.currency },
        ...(notice.cardFingerprint === undefined ? {} : { cardFingerprint: notice.cardFingerprint }),
        now,
      },
    }));

  /** The provider's word on a payment (a webhook, or the simulated provider's notice), recorded as a command. */
  const handleNotice = async (notice: PaymentNotice): Promise<void> => {
    const actor = await reads.actorOfId(notice.orderId, orderNotFound(notice.orderId));
    // A success confirmed in the browser names no card (Stripe's webhook names the charge only): the card is asked
    // for, so its purchase limit holds. A failure to ask fails the delivery, and the provider delivers it again.
    const cardFingerprint =
      notice.outcome === 'succeeded' && notice.cardFingerprint === undefined
        ? await provider.cardOfPayment(notice.paymentId)
        : notice.cardFingerprint;
    await recordNotice(actor, cardFingerprint === undefined ? notice : { ...notice, cardFingerprint });
  };

  return {
    /** Reserves the hold as an order, then creates its payment; a retried request gets the same order and payment. */
    async placeOrder(
      holdId: string,
      userId: string,
      requestId: string,
      householdKey?: string,
    ): Promise<OrderPlacement> {
      const actor = await reads.actorOfId(holdId, new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`));
      const orderId = newOrderId(actor.eventId);
      const household = householdKey === undefined ? {} : { householdKey };
      const reply = await actor.send(
        (now) => ({ type: 'PlaceOrder', data: { orderId, holdId, userId, requestId, ...household, now } }),
        { userId, requestId },
      );
      if (reply.outcome?.kind !== 'reserve') {
        throw new BookingError(
          'IDEMPOTENCY_KEY_REUSED',
          `requestId ${requestId} was used before for another kind of request`,
        );
      }
      const placedId = reply.outcome.orderId;
      let found = await reads.readOrder(actor, placedId);
      if (found === undefined) throw orderNotFound(placedId);
      let clientSecret: string | undefined;
      if (found.order.status === 'pending' || found.order.status === 'processing') {
        // A retried request lands here too: the same idempotency key gives back the same payment and secret.
        const payment = await ensurePayment(actor, found.order).catch((error: unknown) => {
          options.onError?.(error, `creating the payment of ${placedId} failed; retried later`);
          return undefined;
        });
        clientSecret = payment?.clientSecret;
        if (payment?.changed) found = (await reads.readOrder(actor, placedId)) ?? found;
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

    /**
     * Pays with a payment method, confirmed by the server; answers once the outcome is recorded, or at once while it
     * is pending. The card is recorded on the order first: a card over the event's purchase limit is refused
     * PURCHASE_LIMIT before the provider is asked to charge it, and the order stays open for another card.
     */
    async pay(orderId: string, userId: string, paymentMethod: string): Promise<OrderView> {
      const { actor, order, view } = await reads.ownOrder(orderId, userId);
      if (order.status === 'succeeded') return view;
      if (!isPaymentOpen(order.status)) throw new BookingError('ORDER_STATE', `order ${orderId} is ${order.status}`);
      const cardFingerprint = await provider.cardFingerprintOf(paymentMethod);
      if (cardFingerprint !== undefined)
        await actor.send((now) => ({ type: 'RecordPaymentCard', data: { orderId, cardFingerprint, now } }));
      const paymentId = order.paymentId ?? (await ensurePayment(actor, order)).paymentId;
      if (paymentId === undefined) throw new BookingError('UNAVAILABLE', 'the payment could not be created; retry');
      const notice = await provider.confirmPayment({ paymentId, paymentMethod });
      if (notice !== undefined) await recordNotice(actor, notice);
      const paid = await reads.readOrder(actor, orderId);
      if (paid === undefined) throw orderNotFound(orderId);
      if (paid.view.status === 'failed')
        throw new BookingError(
          'PAYMENT_FAILED',
          `payment declined (${notice?.reason ?? 'declined'}); the seats are back on sale`,
        );
      return paid.view;
    },

    handleNotice,

    /**
     * An admin refunds a paid order: its seats go back on sale and its tickets are void at once; the provider's
     * refund follows the commit like every other side effect (with its own idempotency key), and is recorded.
     */
    async refundOrder(orderId: string, reason: string): Promise<OrderView> {
      const actor = await reads.actorOfId(orderId, orderNotFound(orderId));
      await actor.send((now) => ({ type: 'RefundOrder', data: { orderId, reason, now } }));
      const found = await reads.readOrder(actor, orderId);
      if (found === undefined) throw orderNotFound(orderId);
      return found.view;
    },

    /** Committed batches: one read of the orders they changed, then each one's side effects, and its buyer told. */
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
        const actor = await reads.actorOf(batch.diff.eventId);
        for (const found of await reads.readOrders(actor, orderIds)) {
          reconcileLater(actor, found.order);
          options.onOrderChanged?.(found);
        }
      };
      sideEffects().catch((error: unknown) => options.onError?.(error, 'order side effects failed'));
    },

    /** After an activation (a restart): one read for the orders that still owe a side effect, then each is repeated. */
    recover(actor: EventActor): void {
      const due = actor.read((state) =>
        [...state.orders.values()]
          .filter(owesSideEffect)
          .map((order) => ({ ...order, ticketIds: [...order.ticketIds], eventVersions: [...order.eventVersions] })),
      );
      due.then(
        (orders) => {
          for (const order of orders) reconcileLater(actor, order);
        },
        (error: unknown) => options.onError?.(error, 'order recovery failed; retried at the next activation'),
      );
    },

    providerName: provider.name,
  };
};
