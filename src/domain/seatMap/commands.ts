import type { AdmitNext, QueueCommand } from '../queue/commands.ts';
import type { Money } from './events.ts';
import type { HoldRequest } from './views.ts';

/**
 * Commands to an event's inventory. The shell stamps each with `now` (epoch ms) and any ids it needs, so
 * decide stays pure and replayable.
 */
export type PlaceHold = Readonly<{
  type: 'PlaceHold';
  data: Readonly<{
    holdId: string;
    userId: string;
    requestId: string;
    request: HoldRequest;
    now: number;
    /**
     * Set only by the waitlist: the hold is made for this entry (an offer, or seats gathered for it). It lasts the
     * event's `waitlistOfferSeconds`, and only the timer's ExpireHolds (or its holder) ends it once it lapses.
     */
    waitlistEntryId?: string;
    /**
     * Epoch ms until which the buyer is admitted by the event's waiting room, as the admission token the shell
     * verified says (signature, buyer, event). While the room is engaged a hold without it is refused NOT_ADMITTED.
     */
    admittedUntil?: number;
    /**
     * The buyer's own live hold that this one replaces, in the same decision: its seats and places count as free for
     * this request, and it is released (HoldReleased, `replacedBy` this hold) only when the new hold is placed. A
     * basket that changes so never gives its seats back to anyone in between; a refused change keeps the old hold.
     */
    replacesHoldId?: string;
  }>;
}>;

export type ReleaseHold = Readonly<{
  type: 'ReleaseHold';
  data: Readonly<{ holdId: string; userId: string; requestId: string; now: number }>;
}>;

/** Sent by the actor's timer: expire every hold whose time has passed, even when nobody reads. */
export type ExpireHolds = Readonly<{ type: 'ExpireHolds'; data: Readonly<{ now: number }> }>;

/** Payment started: the hold's seats are locked until the payment ends or `reservedUntil`. */
export type ReserveHold = Readonly<{
  type: 'ReserveHold';
  data: Readonly<{ holdId: string; orderId: string; userId: string; requestId: string; now: number }>;
}>;

/** Payment succeeded in time: the reserved seats are sold. */
export type SellReservation = Readonly<{ type: 'SellReservation'; data: Readonly<{ orderId: string; now: number }> }>;

/** Payment failed or timed out: the reserved seats go back on sale. */
export type ReleaseReservation = Readonly<{
  type: 'ReleaseReservation';
  data: Readonly<{ orderId: string; reason: 'payment_failed' | 'payment_timed_out' | 'cancelled'; now: number }>;
}>;

/**
 * Checkout: the hold's seats are reserved for the event's payment timeout and an order is opened for the sum of
 * their tier prices. Ticket ids are derived from the order id, so the command needs no more ids.
 */
export type PlaceOrder = Readonly<{
  type: 'PlaceOrder';
  data: Readonly<{
    orderId: string;
    holdId: string;
    userId: string;
    requestId: string;
    /** The household the seats go to (`householdKeyOf` of the address the buyer gave); the shell hashes it. */
    householdKey?: string;
    now: number;
  }>;
}>;

/**
 * The buyer is about to pay with this card (the provider's fingerprint of it): refused PURCHASE_LIMIT when the
 * card's other orders at this event and this one would pass the event's limit, before any money moves.
 */
export type RecordPaymentCard = Readonly<{
  type: 'RecordPaymentCard';
  data: Readonly<{ orderId: string; cardFingerprint: string; now: number }>;
}>;

/** The provider created the order's payment (a PaymentIntent); recorded so recovery can find and cancel it. */
export type RecordPaymentInitiated = Readonly<{
  type: 'RecordPaymentInitiated';
  data: Readonly<{ orderId: string; provider: string; paymentId: string; now: number }>;
}>;

/**
 * The provider reported an outcome. `providerEventId` (a webhook's event id) makes a redelivery a no-op; the
 * payment machine makes an out-of-order or contradictory report a no-op too.
 */
export type RecordPaymentResult = Readonly<{
  type: 'RecordPaymentResult';
  data: Readonly<{
    orderId: string;
    outcome: 'succeeded' | 'failed';
    providerEventId: string;
    paymentId?: string;
    reason?: string;
    /**
     * What the provider says it took (a success) or asked for. The shell always sends it; a success whose amount or
     * currency differs from the order's is rejected (PaymentRejected) instead of selling the seats.
     */
    received?: Money;
    /**
     * The card a success was paid with, when the provider's notice names it. A card the order did not record before
     * (confirmed in the browser) is checked against the purchase limit here, and a success over it is rejected.
     */
    cardFingerprint?: string;
    now: number;
  }>;
}>;

/** Sent by the actor's timer: every open payment past its order's reservedUntil times out. */
export type TimeOutPayments = Readonly<{ type: 'TimeOutPayments'; data: Readonly<{ now: number }> }>;

/** The provider confirmed that a timed-out order's payment can no longer be completed. */
export type RecordPaymentCancelled = Readonly<{
  type: 'RecordPaymentCancelled';
  data: Readonly<{ orderId: string; now: number }>;
}>;

/** The provider refunded a late payment. */
export type RecordRefund = Readonly<{
  type: 'RecordRefund';
  data: Readonly<{ orderId: string; refundId: string; now: number }>;
}>;

/** An admin refunds a sold order: the seats go back on sale, the tickets are void, the money goes back. */
export type RefundOrder = Readonly<{
  type: 'RefundOrder';
  data: Readonly<{ orderId: string; reason: string; now: number }>;
}>;

/** A gate scanned a ticket whose signature the shell already verified; the actor admits it once. */
export type CheckInTicket = Readonly<{
  type: 'CheckInTicket';
  data: Readonly<{ ticketId: string; gate?: string; now: number }>;
}>;

export type OrderCommand =
  | PlaceOrder
  | RecordPaymentCard
  | RecordPaymentInitiated
  | RecordPaymentResult
  | TimeOutPayments
  | RecordPaymentCancelled
  | RecordRefund
  | RefundOrder
  | CheckInTicket;

/**
 * Sent by the actor's timer while the waiting room is live: admissions that ran out end, then the next buyers are
 * admitted by the stock the inventory has now, or, with nothing left to sell, everyone waiting is told it is sold out.
 */
export type TickRoom = Readonly<{ type: 'TickRoom'; data: Readonly<{ now: number }> }>;

/** The waiting room's commands as the actor takes them: AdmitNext's stock is read from the inventory (TickRoom). */
export type RoomCommand = Exclude<QueueCommand, AdmitNext> | TickRoom;

export type InventoryCommand =
  | PlaceHold
  | ReleaseHold
  | ExpireHolds
  | ReserveHold
  | SellReservation
  | ReleaseReservation
  | OrderCommand
  | RoomCommand;
