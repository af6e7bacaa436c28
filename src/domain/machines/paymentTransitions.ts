import {
  type PaymentEvent,
  type PaymentStatus,
  paymentEventTypes,
  paymentMachine,
  paymentStatusNames,
} from './paymentMachine.ts';
import { deriveTransitionTable } from './transitionTable.ts';

export type PaymentEventType = PaymentEvent['type'];

/** Derived from the machine (see transitionTable.ts); undefined where the machine does not allow the event. */
export const paymentTransitionTable = deriveTransitionTable(paymentMachine, paymentStatusNames, paymentEventTypes);

/** The next payment status, or undefined when the machine does not allow the event. */
export const nextPaymentStatus = (status: PaymentStatus, event: PaymentEventType): PaymentStatus | undefined =>
  paymentTransitionTable[status]?.[event];

/** Statuses in which the order's seats are locked (reserved) waiting for the payment. */
export const isPaymentOpen = (status: PaymentStatus): boolean => status === 'pending' || status === 'processing';
