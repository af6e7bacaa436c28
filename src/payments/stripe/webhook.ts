import type Stripe from 'stripe';
import { BookingError } from '../../domain/bookingError.ts';
import type { PaymentNotice } from '../paymentProvider.ts';

/** Seconds a signature stays valid; Stripe's own default. */
export const webhookToleranceSeconds = 300;

/**
 * Verifies a Stripe webhook over the exact bytes received and turns the payment events into notices. Other
 * event types are acknowledged and ignored (undefined). A bad signature is INVALID_INPUT (400), so Stripe
 * shows the delivery as failed instead of retrying it forever against a misconfigured secret.
 */
export const parseStripeWebhook = (
  stripe: Stripe,
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
): PaymentNotice | undefined => {
  if (signature === undefined) throw new BookingError('INVALID_INPUT', 'missing Stripe-Signature header');
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signature, secret, webhookToleranceSeconds);
  } catch {
    throw new BookingError('INVALID_INPUT', 'webhook signature does not verify');
  }
  if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') return undefined;
  const intent = event.data.object;
  const orderId = intent.metadata?.orderId;
  if (!orderId) return undefined;
  const succeeded = event.type === 'payment_intent.succeeded';
  return {
    providerEventId: event.id,
    orderId,
    paymentId: intent.id,
    outcome: succeeded ? 'succeeded' : 'failed',
    // What was captured, for a success (Stripe's amount_received); otherwise what the intent asks for.
    amount: succeeded && typeof intent.amount_received === 'number' ? intent.amount_received : intent.amount,
    currency: intent.currency.toUpperCase(),
    ...(event.type === 'payment_intent.payment_failed'
      ? { reason: intent.last_payment_error?.code ?? 'declined' }
      : {}),
  };
};
