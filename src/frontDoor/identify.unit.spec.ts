import { describe, expect, it } from 'vitest';
import { BookingError } from '../domain/bookingError.ts';
import type { Who } from './context.ts';
import { adminToken, buyerToken, expiredToken, restArrival, socketArrival, verifier } from './frontDoorFixture.ts';
import { createIdentify, createIdentifyNow, requireAdmin, requireBuyer } from './identify.ts';

const identify = createIdentify(verifier, () => 1_000);
const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof BookingError ? error.code : 'not a BookingError';
  }
};

describe('identify stage', () => {
  it('given a REST bearer token, tells a guest, the admin, a buyer and a token that does not verify apart', async () => {
    const bearer = (token: string | undefined) => restArrival({ credentials: { kind: 'bearer', token } });
    expect(await identify(bearer(undefined))).toEqual({ kind: 'guest' });
    expect(await identify(bearer(adminToken))).toEqual({ kind: 'admin' });
    expect(await identify(bearer(buyerToken))).toEqual({ kind: 'buyer', userId: 'u1', sessionExpiresAtMs: 5_000 });
    const refused = await identify(bearer(expiredToken));
    expect(refused.kind).toBe('refused');
    expect(refused.kind === 'refused' && refused.error.message).toBe('session expired');
  });

  it('given a socket session, is that buyer until the session runs out by the clock, then refused', async () => {
    expect(await identify(socketArrival())).toEqual({ kind: 'buyer', userId: 'u1', sessionExpiresAtMs: 5_000 });
    const later = createIdentify(verifier, () => 5_000);
    const who = await later(socketArrival());
    expect(who.kind === 'refused' && who.error.code).toBe('UNAUTHORIZED');
  });

  it('decided at once: a guest, the admin and a socket session as identify says; a buyer token waits for its check', async () => {
    const identifyNow = createIdentifyNow(verifier, () => 1_000);
    const bearer = (token: string | undefined) => restArrival({ credentials: { kind: 'bearer', token } });
    for (const arrival of [bearer(undefined), bearer(adminToken), socketArrival()])
      expect(identifyNow(arrival)).toEqual(await identify(arrival));
    expect(identifyNow(bearer(buyerToken))).toBeUndefined();
    expect(identifyNow(bearer(expiredToken))).toBeUndefined();
    const later = createIdentifyNow(verifier, () => 5_000)(socketArrival());
    expect(later?.kind === 'refused' && later.error.code).toBe('UNAUTHORIZED');
  });

  it('passes on an error that is not a refusal (a bug in the verifier), rather than calling it a bad token', async () => {
    const broken = createIdentify({ ...verifier, verify: async () => Promise.reject(new TypeError('bug')) }, () => 0);
    await expect(broken(restArrival())).rejects.toThrow(TypeError);
  });
});

describe('requireBuyer and requireAdmin', () => {
  const guest: Who = { kind: 'guest' };
  const admin: Who = { kind: 'admin' };
  const buyer: Who = { kind: 'buyer', userId: 'u1', sessionExpiresAtMs: 5_000 };
  const refused: Who = { kind: 'refused', error: new BookingError('UNAUTHORIZED', 'session expired') };

  it('when a buyer is required: the buyer passes, a guest is UNAUTHORIZED, the admin FORBIDDEN, a refusal keeps its reason', () => {
    expect(requireBuyer(buyer)).toMatchObject({ userId: 'u1' });
    expect(codeOf(() => requireBuyer(guest))).toBe('UNAUTHORIZED');
    expect(codeOf(() => requireBuyer(admin))).toBe('FORBIDDEN');
    expect(() => requireBuyer(refused)).toThrow('session expired');
  });

  it('when the admin is required: the admin passes, a guest is UNAUTHORIZED, a buyer FORBIDDEN, a refusal keeps its reason', () => {
    expect(codeOf(() => requireAdmin(admin))).toBeUndefined();
    expect(codeOf(() => requireAdmin(guest))).toBe('UNAUTHORIZED');
    expect(codeOf(() => requireAdmin(buyer))).toBe('FORBIDDEN');
    expect(() => requireAdmin(refused)).toThrow('session expired');
  });
});
