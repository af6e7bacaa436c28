import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.ts';
import { createAuth } from './auth.ts';

const secret = 'a-session-key-of-at-least-32-bytes-long!';
const adminToken = 'admin-token';
const ttlSeconds = 600;
const graceSeconds = 3_600;

const setup = () => {
  const clock = new ManualClock();
  const auth = createAuth({
    jwtSecret: secret,
    adminToken,
    sessionTtlSeconds: ttlSeconds,
    renewalGraceSeconds: graceSeconds,
    nowMs: () => clock.now(),
  });
  return { clock, auth };
};

/** A token signed with the server's key, built claim by claim, so each required claim can be left out. */
const signed = async (
  claims: { sub?: string; iat?: number; exp?: number; role?: string; iss?: string },
  key = secret,
): Promise<string> => {
  const jwt = new SignJWT(claims.role === undefined ? {} : { role: claims.role }).setProtectedHeader({ alg: 'HS256' });
  if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(key));
};

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { code?: string }) => error.code,
  );

describe('session tokens', () => {
  it('verifies its own sessions and says when they expire', async () => {
    const { clock, auth } = setup();
    const session = await auth.createSession();
    expect(await auth.verify(session.token)).toEqual({
      userId: session.userId,
      role: 'buyer',
      expiresAtMs: clock.now() + ttlSeconds * 1000,
    });
    expect(Date.parse(session.expiresAt)).toBe(clock.now() + ttlSeconds * 1000);
  });

  it('refuses a token that lacks exp, iat, sub, iss or the buyer role, even when the signature is genuine', async () => {
    const { clock, auth } = setup();
    const now = Math.floor(clock.now() / 1000);
    const full = { sub: 'u_x', iat: now, exp: now + 60, role: 'buyer', iss: 'seatactor' };
    expect(await codeOf(auth.verify(await signed(full)))).toBe('accepted');
    for (const claim of ['exp', 'iat', 'sub', 'iss', 'role'] as const) {
      const { [claim]: _left, ...rest } = full;
      expect(await codeOf(auth.verify(await signed(rest))), `without ${claim}`).toBe('UNAUTHORIZED');
    }
    expect(await codeOf(auth.verify(await signed({ ...full, role: 'admin' })))).toBe('UNAUTHORIZED');
  });

  it('verifies a token once, then knows it until its exp, and never keeps a token that failed', async () => {
    const { clock, auth } = setup();
    const session = await auth.createSession();
    const first = await auth.verify(session.token);
    expect(await auth.verify(session.token)).toBe(first);
    // A token with a changed signature is not the token verified: checked, and refused.
    const forged = `${session.token.slice(0, -2)}${session.token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await codeOf(auth.verify(forged))).toBe('UNAUTHORIZED');
    expect(await codeOf(auth.verify(forged))).toBe('UNAUTHORIZED');
    clock.advance(ttlSeconds * 1000);
    await expect(auth.verify(session.token)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'session expired',
    });
  });

  it('refuses a session from its exp on', async () => {
    const { clock, auth } = setup();
    const session = await auth.createSession();
    clock.advance(ttlSeconds * 1000 - 1_000);
    expect(await codeOf(auth.verify(session.token))).toBe('accepted');
    clock.advance(1_000);
    await expect(auth.verify(session.token)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'session expired',
    });
  });
});

describe('session renewal', () => {
  it('renews a valid or recently expired session for the same buyer', async () => {
    const { clock, auth } = setup();
    const first = await auth.createSession();
    const early = await auth.renewSession(first.token);
    expect(early).toMatchObject({ userId: first.userId, renewed: true });
    clock.advance((ttlSeconds + graceSeconds) * 1000 - 1_000);
    await expect(auth.verify(first.token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const late = await auth.renewSession(first.token);
    expect(late).toMatchObject({ userId: first.userId, renewed: true });
    expect((await auth.verify(late.token)).userId).toBe(first.userId);
  });

  it('gives a new buyer for no token, a token expired beyond the grace period, a forged or foreign one, or the admin token', async () => {
    const { clock, auth } = setup();
    const old = await auth.createSession();
    clock.advance((ttlSeconds + graceSeconds) * 1000);
    const now = Math.floor(clock.now() / 1000);
    const foreign = await signed(
      { sub: old.userId, iat: now, exp: now + 60, role: 'buyer', iss: 'seatactor' },
      'another-key-of-at-least-32-bytes-long!!!',
    );
    const noExp = await signed({ sub: old.userId, iat: now, role: 'buyer', iss: 'seatactor' });
    for (const previous of [undefined, old.token, foreign, noExp, 'not-a-jwt', adminToken]) {
      const renewed = await auth.renewSession(previous);
      expect(renewed.renewed).toBe(false);
      expect(renewed.userId).not.toBe(old.userId);
      expect((await auth.verify(renewed.token)).userId).toBe(renewed.userId);
    }
  });
});
