import { describe, expect, it } from 'vitest';
import { isBookingError } from '../domain/bookingError.ts';
import { createReadBudget } from './readBudget.ts';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (isBookingError(error)) return { code: error.code, retryAfterSeconds: error.details?.retryAfterSeconds };
    throw error;
  }
  return undefined;
};

describe('read budget', () => {
  it('caps the reads under way per address and in all, and frees a slot once, when its read is over', () => {
    const budget = createReadBudget({ inFlightPerClientMax: 2, inFlightMax: 3 });
    const a1 = budget.enter('a');
    budget.enter('a');
    expect(refusal(() => budget.enter('a'))).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    budget.enter('b');
    // Three under way in all: even a fresh address waits.
    expect(refusal(() => budget.enter('c'))).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    a1();
    a1();
    expect(refusal(() => budget.enter('c'))).toBeUndefined();
    expect(refusal(() => budget.enter('a'))).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
  });

  it('refuses an address that has spent its bytes, after the fact, and no other', async () => {
    // 1,000 bytes an hour, so nothing refills while the test runs.
    const budget = createReadBudget({ bytesPerSecondPerClientMax: 1_000 / 3_600, windowSeconds: 3_600 });
    await budget.admit('a');
    budget.charge('a', 600);
    await budget.admit('a');
    // More than the budget is still sent once (a map larger than a window's budget would never go out otherwise).
    budget.charge('a', 600);
    await expect(budget.admit('a')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: expect.any(Number) },
    });
    await expect(budget.admit('b')).resolves.toBeUndefined();
    const retry = await budget.admit('a').catch((error: { details: { retryAfterSeconds: number } }) => error.details);
    expect(retry?.retryAfterSeconds).toBeGreaterThan(3_000);
  });
});
