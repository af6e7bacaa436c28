import { BookingError } from '../../../src/domain/bookingError.ts';
import type { PaymentNotice, PaymentProvider } from '../../../src/payments/paymentProvider.ts';
import type { ManualClock } from '../../../src/platform/clock.ts';
import type { Rng } from './random.ts';
import type { Incarnation } from './simStore.ts';

/** Test payment methods: paid at once, declined, or paid by the bank later (possibly after the order timed out). */
export const simMethods = ['pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_slow'] as const;

type Payment = {
  readonly paymentId: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
  attempts: number;
};

/** What the provider did with money: the truth the checker holds the server's log against. */
export type Ledger = Readonly<{
  /** Payments the provider took, by payment id. */
  taken: Map<string, Payment>;
  /** Refunds by payment id, one entry per distinct refund (an idempotent repeat is not a second one). */
  refunds: Map<string, { key: string; amount: number }[]>;
}>;

/**
 * The payment provider outside the server: it outlives every crash. Calls answer after a latency on the clock (a dead
 * process gets no answer, though the call took effect); every outcome is also sent as webhooks, sometimes more than
 * once, at random later times, and a webhook the server refuses is sent again later, as Stripe does.
 */
export class SimProvider {
  readonly ledger: Ledger = { taken: new Map(), refunds: new Map() };
  private readonly payments = new Map<string, Payment>();
  readonly counts = { webhooks: 0, duplicates: 0, redeliveries: 0, late: 0 };
  /** Where webhooks go: the current process's notice handler, or nowhere while none runs. */
  deliver: ((notice: PaymentNotice) => Promise<void>) | undefined;
  /** The slow method's bank delay, at most; the payment timeout is 600 s, so some successes arrive late. */
  slowDelayMaxMs = 900_000;

  constructor(
    private readonly clock: ManualClock,
    private readonly rng: Rng,
  ) {}

  provider(incarnation: Incarnation): PaymentProvider {
    const answer = <T>(effect: () => T): Promise<T> => {
      if (!incarnation.alive) return new Promise(() => {});
      return new Promise<T>((resolve, reject) => {
        this.clock.setTimer(this.rng.int(0, 50), () => {
          let value: T;
          try {
            value = effect();
          } catch (error) {
            if (incarnation.alive) reject(error);
            return;
          }
          if (incarnation.alive) resolve(value);
        });
      });
    };
    return {
      name: 'simulated',
      // Cards are not simulated here: the whole-actor simulation plays no purchase limits.
      cardFingerprintOf: async () => undefined,
      cardOfPayment: async () => undefined,
      createPayment: (request) =>
        answer(() => {
          const paymentId = `pi_${request.idempotencyKey}`;
          if (!this.payments.has(paymentId))
            this.payments.set(paymentId, {
              paymentId,
              orderId: request.orderId,
              amount: request.amount,
              currency: request.currency,
              status: 'requires_payment_method',
              attempts: 0,
            });
          return { paymentId, clientSecret: `${paymentId}_secret` };
        }),
      confirmPayment: ({ paymentId, paymentMethod }) => answer(() => this.confirm(paymentId, paymentMethod)),
      cancelPayment: ({ paymentId }) =>
        answer(() => {
          const payment = this.payments.get(paymentId);
          if (payment === undefined) return 'cancelled' as const;
          if (payment.status === 'processing' || payment.status === 'succeeded') return 'not_cancelable' as const;
          payment.status = 'canceled';
          return 'cancelled' as const;
        }),
      refundPayment: ({ paymentId, amount, idempotencyKey }) =>
        answer(() => {
          const payment = this.payments.get(paymentId);
          if (payment?.status !== 'succeeded') throw new Error(`payment ${paymentId} took nothing to refund`);
          const refunds = this.ledger.refunds.get(paymentId) ?? [];
          if (!refunds.some((refund) => refund.key === idempotencyKey)) refunds.push({ key: idempotencyKey, amount });
          this.ledger.refunds.set(paymentId, refunds);
          return { refundId: `re_${idempotencyKey}` };
        }),
    };
  }

  private confirm(paymentId: string, method: string): PaymentNotice | undefined {
    const payment = this.payments.get(paymentId);
    if (payment === undefined) throw new BookingError('ORDER_STATE', `no payment ${paymentId}`);
    if (payment.status === 'succeeded') return this.notice(payment, 'succeeded', `evt_${paymentId}_succeeded`);
    if (payment.status !== 'requires_payment_method')
      throw new BookingError('ORDER_STATE', `payment ${paymentId} is ${payment.status}`);
    payment.attempts += 1;
    if (method === 'pm_card_visa') return this.succeed(payment);
    if (method === 'pm_card_chargeDeclined') {
      const notice = {
        ...this.notice(payment, 'failed', `evt_${paymentId}_failed_${payment.attempts}`),
        reason: 'card_declined',
      };
      this.sendWebhooks(notice);
      return notice;
    }
    payment.status = 'processing';
    this.clock.setTimer(this.rng.int(0, this.slowDelayMaxMs), () => {
      this.counts.late += 1;
      this.succeed(payment);
    });
    return undefined;
  }

  private succeed(payment: Payment): PaymentNotice {
    payment.status = 'succeeded';
    this.ledger.taken.set(payment.paymentId, payment);
    const notice = this.notice(payment, 'succeeded', `evt_${payment.paymentId}_succeeded`);
    this.sendWebhooks(notice);
    return notice;
  }

  private notice(payment: Payment, outcome: PaymentNotice['outcome'], providerEventId: string): PaymentNotice {
    const { orderId, paymentId, amount, currency } = payment;
    return { providerEventId, orderId, paymentId, outcome, amount, currency };
  }

  /** One webhook per outcome, a duplicate now and then, each at its own time in the next 20 s. */
  private sendWebhooks(notice: PaymentNotice): void {
    const copies = 1 + (this.rng.chance(0.3) ? 1 : 0) + (this.rng.chance(0.1) ? 1 : 0);
    this.counts.duplicates += copies - 1;
    for (let i = 0; i < copies; i++) this.clock.setTimer(this.rng.int(0, 20_000), () => this.webhook(notice));
  }

  /** Sent until the server takes it (2xx), retried every 5 to 60 s; a server that does not answer in 30 s failed. */
  private webhook(notice: PaymentNotice): void {
    this.counts.webhooks += 1;
    let settled = false;
    const retry = () => {
      if (settled) return;
      settled = true;
      this.counts.redeliveries += 1;
      this.clock.setTimer(this.rng.int(5_000, 60_000), () => this.webhook(notice));
    };
    if (this.deliver === undefined) {
      retry();
      return;
    }
    const cancel = this.clock.setTimer(30_000, retry);
    this.deliver(notice).then(() => {
      settled = true;
      cancel();
    }, retry);
  }
}
