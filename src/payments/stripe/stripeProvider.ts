import Stripe from 'stripe';
import type { CancelOutcome, PaymentProvider } from '../paymentProvider.ts';

export type StripeProviderOptions = Readonly<{
  secretKey: string;
  /** e.g. `http://127.0.0.1:12111` for a Stripe-compatible fake; unset means api.stripe.com. */
  apiBase?: string;
  timeoutMs?: number;
}>;

/** The `stripe` client, pointed at `apiBase` when one is given (tests use a loopback fake). */
export const createStripeClient = (options: StripeProviderOptions): Stripe => {
  const base = options.apiBase === undefined ? undefined : new URL(options.apiBase);
  return new Stripe(options.secretKey, {
    ...(base === undefined
      ? {}
      : {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }),
    // The client retries network failures itself, with the same idempotency key, so a retry never charges twice.
    maxNetworkRetries: 2,
    timeout: options.timeoutMs ?? 20_000,
  });
};

/**
 * Stripe PaymentIntents. The order id travels in the intent's metadata, so a webhook names its order; each call
 * that changes money sends the idempotency key the order service derived from the order.
 */
export const createStripeProvider = (stripe: Stripe): PaymentProvider => ({
  name: 'stripe',
  async createPayment({ orderId, amount, currency, idempotencyKey, description }) {
    const intent = await stripe.paymentIntents.create(
      {
        amount,
        currency: currency.toLowerCase(),
        description,
        metadata: { orderId },
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      { idempotencyKey },
    );
    return { paymentId: intent.id, ...(intent.client_secret ? { clientSecret: intent.client_secret } : {}) };
  },
  async cardFingerprintOf(paymentMethod) {
    const method = await stripe.paymentMethods.retrieve(paymentMethod);
    return method.card?.fingerprint ?? undefined;
  },
  async cardOfPayment(paymentId) {
    // A webhook's intent names its charge by id only: the card is on the charge's payment method details.
    const intent = await stripe.paymentIntents.retrieve(paymentId, { expand: ['latest_charge'] });
    const charge = intent.latest_charge;
    if (charge === null || typeof charge === 'string') return undefined;
    return charge.payment_method_details?.card?.fingerprint ?? undefined;
  },
  async confirmPayment({ paymentId, paymentMethod }) {
    // The outcome arrives as a webhook (payment_intent.succeeded / payment_failed), like for a browser confirm.
    await stripe.paymentIntents.confirm(paymentId, { payment_method: paymentMethod });
    return undefined;
  },
  async cancelPayment({ paymentId, idempotencyKey }): Promise<CancelOutcome> {
    try {
      await stripe.paymentIntents.cancel(paymentId, {}, { idempotencyKey });
      return 'cancelled';
    } catch (error) {
      // Stripe refuses to cancel an intent that is processing or succeeded; its outcome webhook follows.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        const intent = await stripe.paymentIntents.retrieve(paymentId);
        if (intent.status === 'canceled') return 'cancelled';
        if (intent.status === 'processing' || intent.status === 'succeeded') return 'not_cancelable';
      }
      throw error;
    }
  },
  async refundPayment({ paymentId, amount, idempotencyKey }) {
    const refund = await stripe.refunds.create(
      { payment_intent: paymentId, amount, reason: 'requested_by_customer' },
      { idempotencyKey },
    );
    return { refundId: refund.id };
  },
});
