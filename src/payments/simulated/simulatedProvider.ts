import { createHash } from 'node:crypto';
import { BookingError } from '../../domain/bookingError.ts';
import { type Clock, systemClock } from '../../platform/clock.ts';
import type {
  CancelOutcome,
  CreatedPayment,
  CreatePayment,
  PaymentNotice,
  PaymentProvider,
} from '../paymentProvider.ts';

/**
 * Test payment methods, named as in Stripe's test mode. `pm_card_slow` stands for a payment the bank settles
 * late: it is processing at once (so it cannot be cancelled) and succeeds after `slowMethodDelayMs`, which is
 * how a success that arrives after the order's payment timeout is exercised.
 */
export const simulatedPaymentMethods = [
  'pm_card_visa',
  'pm_card_visa_debit',
  'pm_card_mastercard',
  'pm_card_amex',
  'pm_card_chargeDeclined',
  'pm_card_slow',
] as const;

/**
 * `pm_card_test_<name>` (1..64 letters, digits, `_`): a card of its own per name that succeeds like `pm_card_visa`,
 * for simulations that need many buyers with distinct cards (Stripe's four test cards would be four people).
 */
const testCardPattern = /^pm_card_test_[A-Za-z0-9_]{1,64}$/;

/**
 * Each test card has one stable fingerprint, as Stripe's test cards do (the same card number always gives the same
 * `card.fingerprint`), so purchase limits per card can be exercised: every payment with `pm_card_visa`, by whatever
 * buyer, is the same card. Derived from the method's name so it never changes between processes or versions.
 */
export const simulatedCardFingerprint = (paymentMethod: string): string | undefined =>
  (simulatedPaymentMethods as readonly string[]).includes(paymentMethod) || testCardPattern.test(paymentMethod)
    ? createHash('sha256').update(`seatactor-test-card:${paymentMethod}`).digest('base64url').slice(0, 16)
    : undefined;

export type SimulatedProviderOptions = Readonly<{
  slowMethodDelayMs?: number;
  /** The clock the slow method's delay runs on. Default: the system clock. */
  clock?: Clock;
  /** Where outcomes that arrive later (the slow method) are delivered. */
  onNotice?: (notice: PaymentNotice) => void;
}>;

type SimulatedPayment = {
  readonly paymentId: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
  attempts: number;
  paymentMethod: string | undefined;
  refundId: string | undefined;
};

/** Deterministic ids from the idempotency key, so even a restarted process answers a repeated create the same way. */
const idFrom = (prefix: string, key: string): string =>
  `${prefix}_sim_${createHash('sha256').update(key).digest('base64url').slice(0, 20)}`;

/**
 * The embedded default provider: no network, in memory, following Stripe's PaymentIntent rules closely enough
 * that the order service cannot tell the difference (idempotent create, cancel refused while processing,
 * one refund per payment).
 */
export const createSimulatedProvider = (
  options: SimulatedProviderOptions = {},
): PaymentProvider & { setNoticeListener(listener: (notice: PaymentNotice) => void): void } => {
  const payments = new Map<string, SimulatedPayment>();
  let onNotice = options.onNotice;
  const slowMs = options.slowMethodDelayMs ?? 15 * 60 * 1000;
  const clock = options.clock ?? systemClock;

  const paymentOf = (paymentId: string): SimulatedPayment => {
    const payment = payments.get(paymentId);
    if (payment === undefined) throw new BookingError('ORDER_STATE', `no payment ${paymentId}`);
    return payment;
  };
  /** Like a PaymentIntent's event: what the payment is for travels with its outcome. */
  const noticeOf = (
    payment: SimulatedPayment,
    outcome: PaymentNotice['outcome'],
    providerEventId: string,
  ): PaymentNotice => {
    const cardFingerprint =
      payment.paymentMethod === undefined ? undefined : simulatedCardFingerprint(payment.paymentMethod);
    return {
      providerEventId,
      orderId: payment.orderId,
      paymentId: payment.paymentId,
      outcome,
      amount: payment.amount,
      currency: payment.currency,
      ...(cardFingerprint === undefined ? {} : { cardFingerprint }),
    };
  };
  const succeed = (payment: SimulatedPayment): PaymentNotice => {
    payment.status = 'succeeded';
    return noticeOf(payment, 'succeeded', `evt_sim_${payment.paymentId}_succeeded`);
  };

  return {
    name: 'simulated',
    setNoticeListener(listener) {
      onNotice = listener;
    },
    async createPayment(request: CreatePayment): Promise<CreatedPayment> {
      const paymentId = idFrom('pi', request.idempotencyKey);
      if (!payments.has(paymentId)) {
        payments.set(paymentId, {
          paymentId,
          orderId: request.orderId,
          amount: request.amount,
          currency: request.currency,
          status: 'requires_payment_method',
          attempts: 0,
          paymentMethod: undefined,
          refundId: undefined,
        });
      }
      return { paymentId, clientSecret: `${paymentId}_secret_simulated` };
    },
    async confirmPayment({ paymentId, paymentMethod }) {
      const payment = paymentOf(paymentId);
      if (payment.status === 'succeeded') return noticeOf(payment, 'succeeded', `evt_sim_${paymentId}_succeeded`);
      if (payment.status !== 'requires_payment_method')
        throw new BookingError('ORDER_STATE', `payment ${paymentId} is ${payment.status}`);
      payment.attempts += 1;
      payment.paymentMethod = paymentMethod;
      switch (paymentMethod) {
        case 'pm_card_visa':
        case 'pm_card_visa_debit':
        case 'pm_card_mastercard':
        case 'pm_card_amex':
          return succeed(payment);
        case 'pm_card_chargeDeclined':
          return {
            ...noticeOf(payment, 'failed', `evt_sim_${paymentId}_failed_${payment.attempts}`),
            reason: 'card_declined',
          };
        case 'pm_card_slow': {
          payment.status = 'processing';
          clock.setTimer(slowMs, () => onNotice?.(succeed(payment)));
          return undefined;
        }
        default:
          if (testCardPattern.test(paymentMethod)) return succeed(payment);
          throw new BookingError(
            'INVALID_INPUT',
            `unknown test payment method ${paymentMethod}; use one of ${simulatedPaymentMethods.join(', ')} or pm_card_test_<name>`,
          );
      }
    },
    async cardFingerprintOf(paymentMethod) {
      return simulatedCardFingerprint(paymentMethod);
    },
    async cardOfPayment(paymentId) {
      const method = payments.get(paymentId)?.paymentMethod;
      return method === undefined ? undefined : simulatedCardFingerprint(method);
    },
    async cancelPayment({ paymentId }): Promise<CancelOutcome> {
      const payment = payments.get(paymentId);
      // A payment this process never saw (created before a restart) was never confirmed here either.
      if (payment === undefined) return 'cancelled';
      if (payment.status === 'processing' || payment.status === 'succeeded') return 'not_cancelable';
      payment.status = 'canceled';
      return 'cancelled';
    },
    async refundPayment({ paymentId, idempotencyKey }) {
      const payment = paymentOf(paymentId);
      if (payment.status !== 'succeeded')
        throw new Error(`payment ${paymentId} is ${payment.status}, nothing to refund`);
      payment.refundId ??= idFrom('re', idempotencyKey);
      return { refundId: payment.refundId };
    },
  };
};
