import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import type { PaymentNotice } from '../paymentProvider.ts';
import { createSimulatedProvider } from './simulatedProvider.ts';

describe('simulated provider: the slow method', () => {
  it('settles a slow payment after its delay on the clock, not before, and it can no longer be cancelled', async () => {
    // Given a payment confirmed with the slow method
    const clock = new ManualClock();
    const notices: PaymentNotice[] = [];
    const provider = createSimulatedProvider({ clock, slowMethodDelayMs: 60_000, onNotice: (n) => notices.push(n) });
    const { paymentId } = await provider.createPayment({
      orderId: 'evt.o1',
      amount: 5_000,
      currency: 'EUR',
      idempotencyKey: 'k1',
      description: 'Order evt.o1',
    });
    // When it is confirmed, then the outcome is not known at once, and the payment is past cancelling
    expect(await provider.confirmPayment({ paymentId, paymentMethod: 'pm_card_slow' })).toBeUndefined();
    expect(await provider.cancelPayment({ paymentId, idempotencyKey: 'c1' })).toBe('not_cancelable');
    // Then the success arrives exactly when the delay has passed on the clock
    clock.advance(59_999);
    expect(notices).toEqual([]);
    clock.advance(1);
    expect(notices).toMatchObject([{ outcome: 'succeeded', paymentId, orderId: 'evt.o1', amount: 5_000 }]);
  });
});

describe('simulated provider: card fingerprints', () => {
  it('gives each test card one stable fingerprint, the same in every process, and names it on the outcome', async () => {
    const provider = createSimulatedProvider();
    const visa = await provider.cardFingerprintOf('pm_card_visa');
    expect(visa).toBe(await createSimulatedProvider().cardFingerprintOf('pm_card_visa'));
    expect(visa).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await provider.cardFingerprintOf('pm_card_mastercard')).not.toBe(visa);
    expect(await provider.cardFingerprintOf('pm_unknown')).toBeUndefined();
    const named = await provider.cardFingerprintOf('pm_card_test_alice');
    expect(named).toBeDefined();
    expect(named).not.toBe(await provider.cardFingerprintOf('pm_card_test_bob'));
    const { paymentId } = await provider.createPayment({
      orderId: 'evt.o2',
      amount: 5_000,
      currency: 'EUR',
      idempotencyKey: 'k2',
      description: 'Order evt.o2',
    });
    expect(await provider.cardOfPayment(paymentId)).toBeUndefined();
    expect(await provider.confirmPayment({ paymentId, paymentMethod: 'pm_card_visa' })).toMatchObject({
      outcome: 'succeeded',
      cardFingerprint: visa,
    });
    expect(await provider.cardOfPayment(paymentId)).toBe(visa);
  });
});
