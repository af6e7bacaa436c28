import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getNextSnapshot, transition } from 'xstate';
import {
  type PaymentEvent,
  type PaymentStatus,
  paymentEventTypes,
  paymentMachine,
  paymentStatusNames,
} from './paymentMachine.ts';
import { nextPaymentStatus, paymentTransitionTable } from './paymentTransitions.ts';

const snapshotAt = (status: PaymentStatus) => paymentMachine.resolveState({ value: status });

describe('payment transition table', () => {
  for (const status of paymentStatusNames) {
    for (const type of paymentEventTypes) {
      it(`${status} × ${type} agrees with the machine`, () => {
        const from = snapshotAt(status);
        const event = { type } as PaymentEvent;
        const [next] = transition(paymentMachine, from, event);
        const expected = from.can(event) ? (next.value as PaymentStatus) : undefined;
        expect(nextPaymentStatus(status, type)).toBe(expected);
        // An event the machine ignores leaves it where it was, so "illegal" and "no-op" cannot be confused.
        if (expected === undefined) expect(next.value).toBe(status);
      });
    }
  }

  it('is the documented lifecycle: pending → processing → succeeded | failed | timed_out, plus refunded', () => {
    const legal = paymentStatusNames.flatMap((status) =>
      Object.entries(paymentTransitionTable[status]).map(([type, to]) => `${status}:${type}→${to}`),
    );
    expect(legal.sort()).toEqual(
      [
        'pending:INITIATE→processing',
        'pending:SUCCEED→succeeded',
        'pending:FAIL→failed',
        'pending:TIME_OUT→timed_out',
        'processing:SUCCEED→succeeded',
        'processing:FAIL→failed',
        'processing:TIME_OUT→timed_out',
        'succeeded:REFUND→refunded',
        'failed:SUCCEED→refunded',
        'timed_out:INITIATE→timed_out',
        'timed_out:SUCCEED→refunded',
        'pending:REJECT→refunded',
        'processing:REJECT→refunded',
        'failed:REJECT→refunded',
        'timed_out:REJECT→refunded',
      ].sort(),
    );
    expect(snapshotAt('refunded').status).toBe('done');
  });

  it('never leaves succeeded for anything but a refund, and nothing leaves refunded', () => {
    expect(Object.keys(paymentTransitionTable.succeeded)).toEqual(['REFUND']);
    expect(paymentTransitionTable.refunded).toEqual({});
  });

  it('runs any event sequence to the same status as the machine (property)', () => {
    const seed = Number(process.env.SIM_SEED ?? 42);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...paymentEventTypes), { maxLength: 30 }), (types) => {
        let snapshot = paymentMachine.resolveState({ value: 'pending' });
        let status: PaymentStatus = 'pending';
        for (const type of types) {
          const next = nextPaymentStatus(status, type);
          expect(next !== undefined).toBe(snapshot.can({ type } as PaymentEvent));
          snapshot = getNextSnapshot(paymentMachine, snapshot, { type } as PaymentEvent);
          if (next !== undefined) status = next;
          expect(snapshot.value).toBe(status);
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});
