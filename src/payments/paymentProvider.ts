/**
 * The payment provider port. Every call that moves money carries an idempotency key derived from the order, so
 * the order service can repeat any call (after a crash, a timeout, a retried request) without charging twice.
 * Outcomes are reported as notices: the simulated provider returns them from `confirmPayment`, Stripe sends
 * them as signed webhooks (see stripe/webhook.ts).
 */
export type PaymentNotice = Readonly<{
  /** Unique per provider event (a webhook's `evt_...` id); a redelivery carries the same id. */
  providerEventId: string;
  orderId: string;
  paymentId: string;
  outcome: 'succeeded' | 'failed';
  reason?: string;
  /**
   * What the provider took (a success) or asked for, in minor units and the upper-case ISO currency: a success whose
   * amount or currency is not the order's is refunded and never sells the seats.
   */
  amount: number;
  currency: string;
  /** The card a success was paid with (Stripe's `card.fingerprint`), when the notice carries it. */
  cardFingerprint?: string;
}>;

export type CreatePayment = Readonly<{
  orderId: string;
  amount: number;
  currency: string;
  idempotencyKey: string;
  description: string;
}>;

export type CreatedPayment = Readonly<{ paymentId: string; clientSecret?: string }>;

export type CancelOutcome = 'cancelled' | 'not_cancelable';

export interface PaymentProvider {
  readonly name: 'simulated' | 'stripe';
  createPayment(request: CreatePayment): Promise<CreatedPayment>;
  /**
   * The fingerprint of the card behind a payment method (Stripe's `card.fingerprint`: the same card number gives the
   * same fingerprint in every payment method and account session), read before confirming so a card over the event's
   * purchase limit is refused before any money moves. Undefined when the method is not a card.
   */
  cardFingerprintOf(paymentMethod: string): Promise<string | undefined>;
  /**
   * The fingerprint of the card a payment was completed with, for a success the buyer confirmed in the browser (the
   * server never saw the method). Undefined when the provider cannot say.
   */
  cardOfPayment(paymentId: string): Promise<string | undefined>;
  /**
   * Confirms a payment with a payment method on the buyer's behalf. Returns the outcome when the provider knows
   * it at once; otherwise it arrives later as a notice.
   */
  confirmPayment(request: Readonly<{ paymentId: string; paymentMethod: string }>): Promise<PaymentNotice | undefined>;
  /** A payment already on its way to completion (processing, succeeded) is not cancelable; its outcome follows. */
  cancelPayment(request: Readonly<{ paymentId: string; idempotencyKey: string }>): Promise<CancelOutcome>;
  refundPayment(
    request: Readonly<{ paymentId: string; amount: number; idempotencyKey: string }>,
  ): Promise<Readonly<{ refundId: string }>>;
}

/** Idempotency keys per order and step: the same step of the same order always sends the same key. */
export const idempotencyKeys = {
  create: (orderId: string) => `seatactor:${orderId}:create`,
  cancel: (orderId: string) => `seatactor:${orderId}:cancel`,
  refund: (orderId: string) => `seatactor:${orderId}:refund`,
} as const;
