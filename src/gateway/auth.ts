import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { BookingError } from '../domain/bookingError.ts';
import type { Catalog } from '../persistence/catalog.ts';

export type Role = 'buyer';
export type Principal = Readonly<{ userId: string; role: Role }>;
export type Session = Readonly<{ token: string; userId: string; expiresAt: string }>;

export type AuthOptions = Readonly<{
  /** HS256 key; at least 32 bytes, since a shorter HMAC key can be brute-forced offline from any token. */
  jwtSecret: Uint8Array | string;
  adminToken: string;
  sessionTtlSeconds?: number;
  /** Injected clock (epoch ms) so tests can expire tokens without waiting. */
  nowMs?: () => number;
}>;

export type Auth = Readonly<{
  createSession(): Promise<Session>;
  /** Resolves a buyer session token, or rejects with UNAUTHORIZED. */
  verify(token: string): Promise<Principal>;
  isAdmin(token: string | undefined): boolean;
  /** Admin routes: no or bad token → UNAUTHORIZED; a valid buyer session → FORBIDDEN. */
  requireAdmin(token: string | undefined): Promise<void>;
  /** Buyer routes: the admin token is not a buyer (it has no userId to hold seats under) → FORBIDDEN. */
  requireBuyer(token: string | undefined): Promise<Principal>;
}>;

export const sessionTtlSecondsDefault = 12 * 60 * 60;
const jwtSecretBytesMin = 32;
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
  const key = typeof options.jwtSecret === 'string' ? new TextEncoder().encode(options.jwtSecret) : options.jwtSecret;
  if (key.byteLength < jwtSecretBytesMin) throw new Error(`jwtSecret must be at least ${jwtSecretBytesMin} bytes`);
  if (options.adminToken.length === 0) throw new Error('adminToken must not be empty');
  const ttlSeconds = options.sessionTtlSeconds ?? sessionTtlSecondsDefault;
  const nowMs = options.nowMs ?? Date.now;
  // Hashing both sides gives timingSafeEqual equal lengths without leaking the admin token's length.
  const adminDigest = sha256(options.adminToken);

  const unauthorized = (message: string) => new BookingError('UNAUTHORIZED', message);

  const isAdmin = (token: string | undefined): boolean =>
    token !== undefined && timingSafeEqual(sha256(token), adminDigest);

  const verify = async (token: string): Promise<Principal> => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer,
        currentDate: new Date(nowMs()),
      });
      if (payload.role !== 'buyer' || typeof payload.sub !== 'string') throw unauthorized('session token has no buyer');
      return { userId: payload.sub, role: 'buyer' };
    } catch (error) {
      if (error instanceof BookingError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthorized('session expired');
      throw unauthorized('invalid session token');
    }
  };

  return {
    async createSession() {
      const userId = `u_${randomBytes(12).toString('base64url')}`;
      const issuedAtSeconds = Math.floor(nowMs() / 1000);
      const expiresAtSeconds = issuedAtSeconds + ttlSeconds;
      const token = await new SignJWT({ role: 'buyer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(issuer)
        .setSubject(userId)
        .setIssuedAt(issuedAtSeconds)
        .setExpirationTime(expiresAtSeconds)
        .sign(key);
      return { token, userId, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
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
