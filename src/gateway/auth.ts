import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { SessionView } from '../contract/protocol.ts';
import { BookingError } from '../domain/bookingError.ts';
import type { Catalog } from '../persistence/catalog.ts';
import { systemClock } from '../platform/clock.ts';

export type Role = 'buyer';
/** A verified buyer; `expiresAtMs` is the token's `exp`, after which a socket opened with it stops acting. */
export type Principal = Readonly<{ userId: string; role: Role; expiresAtMs: number }>;
export type Session = Omit<SessionView, 'renewed'>;
/** `renewed`: the session continues the previous token's buyer (same userId); false: a new buyer. */
export type RenewedSession = Session & Readonly<{ renewed: boolean }>;

export type AuthOptions = Readonly<{
  /** HS256 key; at least 32 bytes, since a shorter HMAC key can be brute-forced offline from any token. */
  jwtSecret: Uint8Array | string;
  adminToken: string;
  sessionTtlSeconds?: number;
  /** How long after its expiry a genuine session token can still be renewed for the same buyer. Default 7 days. */
  renewalGraceSeconds?: number;
  /** The clock port (epoch ms), so tests expire and renew tokens without waiting. */
  nowMs?: () => number;
}>;

export type Auth = Readonly<{
  createSession(): Promise<Session>;
  /**
   * A new token for whoever `previous` names: the same buyer when it is a token this server signed that is valid or
   * expired less than the grace period ago; otherwise (none, forged, signed with another key, too old) a new buyer.
   */
  renewSession(previous: string | undefined): Promise<RenewedSession>;
  /** Resolves a buyer session token, or rejects with UNAUTHORIZED. */
  verify(token: string): Promise<Principal>;
  isAdmin(token: string | undefined): boolean;
  /** Admin routes: no or bad token → UNAUTHORIZED; a valid buyer session → FORBIDDEN. */
  requireAdmin(token: string | undefined): Promise<void>;
  /** Buyer routes: the admin token is not a buyer (it has no userId to hold seats under) → FORBIDDEN. */
  requireBuyer(token: string | undefined): Promise<Principal>;
}>;

export const sessionTtlSecondsDefault = 12 * 60 * 60;
export const renewalGraceSecondsDefault = 7 * 24 * 60 * 60;
/** Every claim a session token must carry; a token without `exp` would never end. `role` is checked by value. */
const requiredClaims = ['sub', 'iat', 'exp', 'iss'];
const jwtSecretBytesMin = 32;
/** Verified tokens kept (a few hundred bytes each): one per buyer of a large on-sale. */
const verifiedTokensMax = 100_000;
const issuer = 'seatactor';

/** The name the generated session key is kept under in the store's server secrets. */
export const sessionSecretName = 'session-signing-key';

/**
 * The session key when JWT_SECRET is unset: generated on first start and kept with the server's secrets (beside the
 * ticket key), so a restart keeps every buyer's session valid, and every node of a cluster reading the same store
 * signs and verifies with the same key. Nodes starting together all end up with the first key written.
 */
export const loadOrCreateSessionSecret = (catalog: Catalog): Promise<string> =>
  catalog.secret(sessionSecretName, () => randomBytes(32).toString('base64url'));

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export const createAuth = (options: AuthOptions): Auth => {
  const secret =
    typeof options.jwtSecret === 'string' ? new TextEncoder().encode(options.jwtSecret) : options.jwtSecret;
  if (secret.byteLength < jwtSecretBytesMin) throw new Error(`jwtSecret must be at least ${jwtSecretBytesMin} bytes`);
  // Imported once: given the raw bytes, jose imports a WebCrypto key on every sign and verify (~0.1 ms of the main
  // thread per request, measured), which every buyer request pays before it reaches its actor.
  const key = crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  if (options.adminToken.length === 0) throw new Error('adminToken must not be empty');
  const ttlSeconds = options.sessionTtlSeconds ?? sessionTtlSecondsDefault;
  const renewalGraceSeconds = options.renewalGraceSeconds ?? renewalGraceSecondsDefault;
  const nowMs = options.nowMs ?? systemClock.now;
  // Hashing both sides gives timingSafeEqual equal lengths without leaking the admin token's length.
  const adminDigest = sha256(options.adminToken);

  const unauthorized = (message: string) => new BookingError('UNAUTHORIZED', message);

  const isAdmin = (token: string | undefined): boolean =>
    token !== undefined && timingSafeEqual(sha256(token), adminDigest);

  /** The buyer of a token this server signed, accepting an expiry up to `toleranceSeconds` ago. */
  const verifyWithin = async (token: string, toleranceSeconds: number): Promise<Principal> => {
    try {
      const { payload } = await jwtVerify(token, await key, {
        algorithms: ['HS256'],
        issuer,
        requiredClaims,
        clockTolerance: toleranceSeconds,
        currentDate: new Date(nowMs()),
      });
      if (payload.role !== 'buyer' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number')
        throw unauthorized('session token has no buyer');
      return { userId: payload.sub, role: 'buyer', expiresAtMs: payload.exp * 1000 };
    } catch (error) {
      if (error instanceof BookingError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthorized('session expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing')
        throw unauthorized(`session token lacks the ${error.claim} claim`);
      throw unauthorized('invalid session token');
    }
  };
  // Tokens verified before, with what they said: a buyer's every request carries the same token, and its signature
  // check (WebCrypto's HMAC, a round trip off the main thread) cost ~50 µs of server CPU a request, more than the rest
  // of a 304. A token is only what was signed, so its claims do not change; its expiry is checked on every use, as
  // jwtVerify checks it (expired from `exp` on, in whole seconds). Only genuine tokens are kept; emptied when full.
  const verified = new Map<string, Principal>();
  const verify = async (token: string): Promise<Principal> => {
    const known = verified.get(token);
    if (known !== undefined) {
      if (known.expiresAtMs / 1000 > Math.floor(nowMs() / 1000)) return known;
      verified.delete(token);
    }
    const principal = await verifyWithin(token, 0);
    if (verified.size >= verifiedTokensMax) verified.clear();
    verified.set(token, principal);
    return principal;
  };

  const issue = async (userId: string): Promise<Session> => {
    const issuedAtSeconds = Math.floor(nowMs() / 1000);
    const expiresAtSeconds = issuedAtSeconds + ttlSeconds;
    const token = await new SignJWT({ role: 'buyer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setSubject(userId)
      .setIssuedAt(issuedAtSeconds)
      .setExpirationTime(expiresAtSeconds)
      .sign(await key);
    return { token, userId, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
  };
  const newUserId = () => `u_${randomBytes(12).toString('base64url')}`;

  return {
    createSession: () => issue(newUserId()),
    async renewSession(previous) {
      const known =
        previous === undefined || isAdmin(previous)
          ? undefined
          : await verifyWithin(previous, renewalGraceSeconds).catch(() => undefined);
      return known === undefined
        ? { ...(await issue(newUserId())), renewed: false }
        : { ...(await issue(known.userId)), renewed: true };
    },
    verify,
    isAdmin,
    async requireAdmin(token) {
      if (token === undefined) throw unauthorized('missing bearer token');
      if (isAdmin(token)) return;
      await verify(token);
      throw new BookingError('FORBIDDEN', 'admin token required');
    },
    async requireBuyer(token) {
      if (token === undefined) throw unauthorized('missing bearer token');
      if (isAdmin(token)) throw new BookingError('FORBIDDEN', 'the admin token cannot act as a buyer');
      return verify(token);
    },
  };
};
