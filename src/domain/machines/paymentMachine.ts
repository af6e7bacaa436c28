import { setup } from 'xstate';

/**
 * The payment lifecycle of an order: the one source of truth for which payment transitions are legal. The
 * inventory never runs this machine per order; paymentTransitions.ts derives a table from it.
 *
 * - pending: the order exists, the provider has not confirmed that a payment was created.
 * - processing: the provider holds a payment (a PaymentIntent) that the buyer can complete.
 * - succeeded: paid in time; the seats are sold.
 * - failed / timed_out: the seats went back on sale. A success reported afterwards cannot sell them (they may
 *   be resold already), so it moves the payment to refunded: the money goes back automatically.
 * - refunded: final.
 * - REJECT: the provider reports a success whose amount or currency is not the order's. Such money never buys the
 *   seats: the payment is refunded as it is (from any state but succeeded, like a late success), and an open order's
 *   seats go back on sale.
 *
 * A payment that the provider creates after the order timed out (a slow create racing the timeout) is recorded
 * without changing the status (INITIATE on timed_out), so the shell learns which payment to cancel.
 */
export type PaymentEvent =
  | { type: 'INITIATE' }
  | { type: 'SUCCEED' }
  | { type: 'FAIL' }
  | { type: 'TIME_OUT' }
  | { type: 'REFUND' }
  | { type: 'REJECT' };

export const paymentEventTypes = [
  'INITIATE',
  'SUCCEED',
  'FAIL',
  'TIME_OUT',
  'REFUND',
  'REJECT',
] as const satisfies readonly PaymentEvent['type'][];

export const paymentStatusNames = ['pending', 'processing', 'succeeded', 'failed', 'timed_out', 'refunded'] as const;
export type PaymentStatus = (typeof paymentStatusNames)[number];

export const paymentMachine = setup({
  types: { events: {} as PaymentEvent },
}).createMachine({
  id: 'payment',
  initial: 'pending',
  states: {
    // A result may overtake the record of its own creation (a webhook is faster than our commit), so pending
    // accepts the outcomes that processing accepts.
    pending: {
      on: { INITIATE: 'processing', SUCCEED: 'succeeded', FAIL: 'failed', TIME_OUT: 'timed_out', REJECT: 'refunded' },
    },
    processing: { on: { SUCCEED: 'succeeded', FAIL: 'failed', TIME_OUT: 'timed_out', REJECT: 'refunded' } },
    // An admin refund of a sold order (the seats return to sale with it).
    succeeded: { on: { REFUND: 'refunded' } },
    // Stripe lets a buyer retry a declined PaymentIntent; a success after the seats were released is refunded.
    failed: { on: { SUCCEED: 'refunded', REJECT: 'refunded' } },
    timed_out: { on: { INITIATE: 'timed_out', SUCCEED: 'refunded', REJECT: 'refunded' } },
    refunded: { type: 'final' },
  },
});
