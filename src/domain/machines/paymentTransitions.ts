import { getNextSnapshot } from 'xstate';
import {
  type PaymentEvent,
  type PaymentStatus,
  paymentEventTypes,
  paymentMachine,
  paymentStatusNames,
} from './paymentMachine.ts';

export type PaymentEventType = PaymentEvent['type'];

/**
 * table[status][event] is the next status, or undefined where the machine does not allow the event. Derived
 * once from the XState machine with its pure transition function, so deciding reads a table instead of running
 * an actor per order, and the machine stays the single definition.
 */
const deriveTable = (): Readonly<Record<PaymentStatus, Readonly<Partial<Record<PaymentEventType, PaymentStatus>>>>> => {
  const table = {} as Record<PaymentStatus, Partial<Record<PaymentEventType, PaymentStatus>>>;
  for (const status of paymentStatusNames) {
    const row: Partial<Record<PaymentEventType, PaymentStatus>> = {};
    const from = paymentMachine.resolveState({ value: status });
    for (const type of paymentEventTypes) {
      const event = { type } as PaymentEvent;
      if (from.can(event)) row[type] = getNextSnapshot(paymentMachine, from, event).value as PaymentStatus;
    }
    table[status] = row;
  }
  return table;
};

export const paymentTransitionTable = deriveTable();

/** The next payment status, or undefined when the machine does not allow the event. */
export const nextPaymentStatus = (status: PaymentStatus, event: PaymentEventType): PaymentStatus | undefined =>
  paymentTransitionTable[status]?.[event];

/** Statuses in which the order's seats are locked (reserved) waiting for the payment. */
export const isPaymentOpen = (status: PaymentStatus): boolean => status === 'pending' || status === 'processing';
