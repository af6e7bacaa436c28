import type { InventoryEvent, RefundReason } from '../seatMap/events.ts';
import type { OrderRecord } from '../seatMap/state.ts';
import type { EventStreamEvent } from '../waitlist/eventState.ts';
import { offerHoldIdOf } from '../waitlist/state.ts';

/**
 * What a buyer is told about, decided from a committed batch's events alone (and the orders they name): the outbox
 * rows written in the same transaction as those events. Each carries a key that names the fact, not the attempt, so
 * every retry of its delivery, and every channel that honours idempotency, sees the same key.
 */
type Told<Topic extends string, Data> = Readonly<{
  /** Stable and unique per fact: `topic:eventId:subject`. The outbox keeps one row per key. */
  key: string;
  topic: Topic;
  userId: string;
  eventId: string;
  /** Epoch ms of the event that caused it. */
  at: number;
  data: Data;
}>;

export type TicketRef = Readonly<{ ticketId: string; seatId?: string; sectionId?: string }>;

export type OrderConfirmed = Told<
  'order_confirmed',
  Readonly<{ orderId: string; amount: number; currency: string; tickets: readonly TicketRef[] }>
>;

/** The payment did not go through (declined, or no outcome before the deadline): the seats are back on sale. */
export type PaymentFailedNotice = Told<
  'payment_failed',
  Readonly<{ orderId: string; amount: number; currency: string; reason: string; timedOut: boolean }>
>;

/**
 * Money went back to the buyer (the provider confirmed the refund). A rejected payment (wrong amount or currency) is
 * refunded as received, which the event's state does not keep the currency of: that notice names no amount.
 */
export type OrderRefunded = Told<
  'order_refunded',
  Readonly<{ orderId: string; amount?: number; currency?: string; reason: RefundReason | 'unknown' }>
>;

/** Seats came back and are held for a waitlist entry until `expiresAt`. */
export type WaitlistOffered = Told<
  'waitlist_offer',
  Readonly<{ entryId: string; holdId: string; seatIds: readonly string[]; quantity: number; expiresAt: number }>
>;

export type Notification = OrderConfirmed | PaymentFailedNotice | OrderRefunded | WaitlistOffered;
export type NotificationTopic = Notification['topic'];

/** The part of the event's state the notices read: orders, whose buyer, amount and currency never change. */
export type OrderLookup = Readonly<{ eventId: string; orders: ReadonlyMap<string, OrderRecord> }>;

const notifyingTypes: ReadonlySet<string> = new Set<InventoryEvent['type']>([
  'PaymentSucceeded',
  'PaymentFailed',
  'PaymentTimedOut',
  'PaymentRefunded',
  'HoldPlaced',
]);

/**
 * Whether an event may cause a notification: a cheap test for listeners that only need to know that one may be
 * waiting (a hold causes one only when it is a waitlist offer).
 */
export const mayNotify = (event: EventStreamEvent): boolean =>
  notifyingTypes.has(event.type) && (event.type !== 'HoldPlaced' || isOfferHold(event.data));

/**
 * A waitlist hold that is an offer to a buyer. Seats gathered for a protected entry are held by the waitlist in no
 * buyer's name (react.ts): nobody is told about those until they become the entry's offer.
 */
const isOfferHold = (data: Readonly<{ holdId: string; waitlistEntryId?: string | undefined }>): boolean =>
  data.waitlistEntryId !== undefined && data.holdId === offerHoldIdOf(data.waitlistEntryId);

const keyOf = (topic: string, eventId: string, subject: string): string => `${topic}:${eventId}:${subject}`;

/**
 * The notifications a committed batch causes, in the order of the events that cause them. `state` is the event's state
 * after the batch (orders are never removed, and what is read of them never changes once placed).
 */
export const notificationsOf = (events: readonly EventStreamEvent[], state: OrderLookup): Notification[] => {
  const { eventId } = state;
  const out: Notification[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'PaymentSucceeded': {
        const order = state.orders.get(event.data.orderId);
        // A late success sells nothing: the buyer hears about its refund when the money goes back.
        if (order === undefined || event.data.late) break;
        const tickets = events.flatMap((other) =>
          other.type === 'TicketIssued' && other.data.orderId === order.orderId
            ? [
                {
                  ticketId: other.data.ticketId,
                  ...(other.data.seatId === undefined ? {} : { seatId: other.data.seatId }),
                  ...(other.data.sectionId === undefined ? {} : { sectionId: other.data.sectionId }),
                },
              ]
            : [],
        );
        // A success the decider rejected (wrong amount) issues no ticket, and is no confirmation.
        if (tickets.length === 0) break;
        out.push({
          key: keyOf('order_confirmed', eventId, order.orderId),
          topic: 'order_confirmed',
          userId: order.userId,
          eventId,
          at: event.data.at,
          data: { orderId: order.orderId, amount: order.amount, currency: order.currency, tickets },
        });
        break;
      }
      case 'PaymentFailed':
      case 'PaymentTimedOut': {
        const order = state.orders.get(event.data.orderId);
        if (order === undefined) break;
        const timedOut = event.type === 'PaymentTimedOut';
        out.push({
          key: keyOf('payment_failed', eventId, order.orderId),
          topic: 'payment_failed',
          userId: order.userId,
          eventId,
          at: event.data.at,
          data: {
            orderId: order.orderId,
            amount: order.amount,
            currency: order.currency,
            reason: event.type === 'PaymentFailed' ? event.data.reason : 'timed_out',
            timedOut,
          },
        });
        break;
      }
      case 'PaymentRefunded': {
        const order = state.orders.get(event.data.orderId);
        if (order === undefined) break;
        out.push({
          key: keyOf('order_refunded', eventId, order.orderId),
          topic: 'order_refunded',
          userId: order.userId,
          eventId,
          at: event.data.at,
          data: {
            orderId: order.orderId,
            ...(order.refundReason === 'payment_rejected'
              ? {}
              : { amount: order.refundAmount ?? order.amount, currency: order.currency }),
            reason: order.refundReason ?? 'unknown',
          },
        });
        break;
      }
      case 'HoldPlaced': {
        const entryId = event.data.waitlistEntryId;
        if (entryId === undefined || !isOfferHold(event.data)) break;
        out.push({
          key: keyOf('waitlist_offer', eventId, event.data.holdId),
          topic: 'waitlist_offer',
          userId: event.data.userId,
          eventId,
          at: event.data.at,
          data: {
            entryId,
            holdId: event.data.holdId,
            seatIds: event.data.seatIds,
            quantity: event.data.quantity,
            expiresAt: event.data.expiresAt,
          },
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
};
