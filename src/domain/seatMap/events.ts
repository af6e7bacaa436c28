import type { QueueEvent } from '../queue/events.ts';

/**
 * Events of an event's inventory stream, past tense. Each carries what a reader needs without the state
 * (the seats a released hold had, for example), so diffs, projections and audits read events alone.
 */
export type HoldPlaced = Readonly<{
  type: 'HoldPlaced';
  data: Readonly<{
    holdId: string;
    userId: string;
    requestId: string;
    seatIds: readonly string[];
    /** General admission: the section and how many places. Seated holds have quantity = seatIds.length. */
    sectionId?: string;
    quantity: number;
    /** Epoch ms. */
    expiresAt: number;
    /** A waitlist hold: made for this entry (see PlaceHold). */
    waitlistEntryId?: string;
    /**
     * The hash of the request's payload (requests.ts), so a request id reused for another hold is refused also
     * after a restart. Absent in events logged before it existed.
     */
    requestHash?: string;
    at: number;
  }>;
}>;

type HoldEnded = Readonly<{
  holdId: string;
  userId: string;
  seatIds: readonly string[];
  sectionId?: string;
  quantity: number;
  at: number;
}>;

/** `replacedBy`: the hold released was replaced by that one, placed by the same command (PlaceHold's replacesHoldId). */
export type HoldReleased = Readonly<{
  type: 'HoldReleased';
  data: HoldEnded & Readonly<{ requestId: string; replacedBy?: string }>;
}>;
/** `requestId` is there when the holder's release found the hold lapsed, so a retry of it gets the same answer. */
export type HoldExpired = Readonly<{ type: 'HoldExpired'; data: HoldEnded & Readonly<{ requestId?: string }> }>;

export type HoldReserved = Readonly<{
  type: 'HoldReserved';
  data: HoldEnded & Readonly<{ orderId: string; requestId: string; reservedUntil: number }>;
}>;

export type ReservationSold = Readonly<{ type: 'ReservationSold'; data: HoldEnded & Readonly<{ orderId: string }> }>;

export type ReservationReleased = Readonly<{
  type: 'ReservationReleased';
  data: HoldEnded &
    Readonly<{ orderId: string; reason: 'payment_failed' | 'payment_timed_out' | 'payment_rejected' | 'cancelled' }>;
}>;

/** An admin refunded a sold order: its seats go back on sale, its tickets are void. */
export type SaleRefunded = Readonly<{
  type: 'SaleRefunded';
  data: HoldEnded & Readonly<{ orderId: string; reason: string }>;
}>;

/** Seat-moving events: the ones a seat-map diff reads. */
export type SeatEvent =
  | HoldPlaced
  | HoldReleased
  | HoldExpired
  | HoldReserved
  | ReservationSold
  | ReservationReleased
  | SaleRefunded;

/** An order line: one seat, or a general-admission section's places, at the tier price of the event. */
export type OrderLine = Readonly<{
  seatId?: string;
  sectionId?: string;
  priceTier: string;
  quantity: number;
  amount: number;
}>;

export type OrderPlaced = Readonly<{
  type: 'OrderPlaced';
  data: Readonly<{
    orderId: string;
    holdId: string;
    userId: string;
    requestId: string;
    seatIds: readonly string[];
    sectionId?: string;
    quantity: number;
    lines: readonly OrderLine[];
    /** Integer minor units: the sum of the lines. */
    amount: number;
    currency: string;
    /** Epoch ms: the payment times out then, and the seats go back on sale. */
    reservedUntil: number;
    /** The hash of the buyer's normalised delivery or billing address (purchaseLimits.ts), when one was given. */
    householdKey?: string;
    at: number;
  }>;
}>;

/**
 * The card the buyer pays with, as the provider fingerprints it (Stripe's `card.fingerprint`: the same card number
 * gives the same fingerprint in every payment method), recorded before the payment is confirmed: from then on the
 * order's seats count against that card's purchase limit.
 */
export type PaymentCardRecorded = Readonly<{
  type: 'PaymentCardRecorded';
  data: Readonly<{ orderId: string; cardFingerprint: string; at: number }>;
}>;

export type PaymentInitiated = Readonly<{
  type: 'PaymentInitiated';
  data: Readonly<{ orderId: string; provider: string; paymentId: string; at: number }>;
}>;

export type PaymentSucceeded = Readonly<{
  type: 'PaymentSucceeded';
  data: Readonly<{
    orderId: string;
    providerEventId: string;
    paymentId?: string;
    /** True when the order had already failed or timed out: the seats are not sold, the money is refunded. */
    late: boolean;
    /** The card it was paid with, when the provider's notice named one the order had not recorded. */
    cardFingerprint?: string;
    at: number;
  }>;
}>;

export type PaymentFailed = Readonly<{
  type: 'PaymentFailed';
  data: Readonly<{ orderId: string; providerEventId: string; reason: string; at: number }>;
}>;

/** An amount and its currency, as the order states them or as the provider reports them. */
export type Money = Readonly<{ amount: number; currency: string }>;

/**
 * The provider reported a success for another amount or currency than the order's. It never sells the seats: the
 * order ends refunded (its seats, if still reserved, go back on sale) and what was received is refunded.
 */
export type PaymentRejected = Readonly<{
  type: 'PaymentRejected';
  data: Readonly<{
    orderId: string;
    providerEventId: string;
    paymentId?: string;
    /**
     * `purchase_limit`: the success came with a card (confirmed in the browser, so first seen in the provider's
     * notice) that already bought the event's limit: the seats are not sold and the money goes back.
     */
    reason: 'amount_mismatch' | 'currency_mismatch' | 'purchase_limit';
    expected: Money;
    received: Money;
    at: number;
  }>;
}>;

export type PaymentTimedOut = Readonly<{ type: 'PaymentTimedOut'; data: Readonly<{ orderId: string; at: number }> }>;

export type PaymentCancelled = Readonly<{ type: 'PaymentCancelled'; data: Readonly<{ orderId: string; at: number }> }>;

export type RefundRequested = Readonly<{
  type: 'RefundRequested';
  /**
   * `admin`: a sold order refunded on request (it ends the order); `late_payment`: a success after the seats left;
   * `payment_rejected`: a success for the wrong amount or currency (amount and currency are what was received).
   */
  data: Readonly<{ orderId: string; amount: number; currency: string; reason: RefundReason; at: number }>;
}>;

export type RefundReason = 'late_payment' | 'admin' | 'payment_rejected' | 'purchase_limit';

export type PaymentRefunded = Readonly<{
  type: 'PaymentRefunded';
  data: Readonly<{ orderId: string; refundId: string; at: number }>;
}>;

export type TicketIssued = Readonly<{
  type: 'TicketIssued';
  data: Readonly<{
    ticketId: string;
    orderId: string;
    userId: string;
    seatId?: string;
    sectionId?: string;
    at: number;
  }>;
}>;

export type TicketCheckedIn = Readonly<{
  type: 'TicketCheckedIn';
  data: Readonly<{ ticketId: string; orderId: string; gate?: string; at: number }>;
}>;

export type OrderEvent =
  | OrderPlaced
  | PaymentCardRecorded
  | PaymentInitiated
  | PaymentSucceeded
  | PaymentFailed
  | PaymentRejected
  | PaymentTimedOut
  | PaymentCancelled
  | RefundRequested
  | PaymentRefunded
  | TicketIssued
  | TicketCheckedIn;

/** Every event of an event's stream: its seats', its orders' and its waiting room's (src/domain/queue/). */
export type InventoryEvent = SeatEvent | OrderEvent | QueueEvent;

/** The types of the events that move seats (the wire's seat-history causes are these). */
export const seatEventTypeNames = [
  'HoldPlaced',
  'HoldReleased',
  'HoldExpired',
  'HoldReserved',
  'ReservationSold',
  'ReservationReleased',
  'SaleRefunded',
] as const satisfies readonly SeatEvent['type'][];

const seatEventTypes: ReadonlySet<string> = new Set<SeatEvent['type']>(seatEventTypeNames);

export const isSeatEvent = (event: Readonly<{ type: string }>): event is SeatEvent => seatEventTypes.has(event.type);
