import { BookingError } from '../domain/bookingError.ts';
import type { Arrival, Who } from './context.ts';

/** What identify needs of the session authority (gateway/auth.ts implements it). */
export type SessionVerifier = Readonly<{
  isAdmin(token: string | undefined): boolean;
  /** A buyer session token's buyer, or rejects with UNAUTHORIZED. */
  verify(token: string): Promise<Readonly<{ userId: string; expiresAtMs: number }>>;
}>;

export const sessionExpired = (): BookingError =>
  new BookingError('UNAUTHORIZED', 'session expired: renew it (POST /v1/sessions with this token) and reconnect');

/** Who is asking, where that is known at once; else the bearer token whose signature must be checked. */
const decide = (verifier: SessionVerifier, nowMs: () => number, arrival: Arrival): Who | string => {
  const { credentials } = arrival;
  if (credentials.kind === 'session') {
    return nowMs() >= credentials.expiresAtMs
      ? { kind: 'refused', error: sessionExpired() }
      : { kind: 'buyer', userId: credentials.userId, sessionExpiresAtMs: credentials.expiresAtMs };
  }
  const { token } = credentials;
  if (token === undefined) return { kind: 'guest' };
  if (verifier.isAdmin(token)) return { kind: 'admin' };
  return token;
};

/**
 * The first stage: who is asking. It never throws, so the limits run for every request whoever it is, and a route
 * that needs no one (a seat map) does not fail on a stale token; requireBuyer and requireAdmin refuse later.
 */
export const createIdentify =
  (verifier: SessionVerifier, nowMs: () => number) =>
  async (arrival: Arrival): Promise<Who> => {
    const decided = decide(verifier, nowMs, arrival);
    if (typeof decided !== 'string') return decided;
    return verifier.verify(decided).then(
      (principal): Who => ({ kind: 'buyer', userId: principal.userId, sessionExpiresAtMs: principal.expiresAtMs }),
      (error: unknown): Who => {
        if (error instanceof BookingError) return { kind: 'refused', error };
        throw error;
      },
    );
  };

/**
 * The first stage decided at once, where it can be: a socket's session, no token (a guest), the admin's token.
 * Undefined for a buyer's bearer token, whose signature is checked asynchronously (`createIdentify`).
 */
export const createIdentifyNow =
  (verifier: SessionVerifier, nowMs: () => number) =>
  (arrival: Arrival): Who | undefined => {
    const decided = decide(verifier, nowMs, arrival);
    return typeof decided === 'string' ? undefined : decided;
  };

const missingToken = () => new BookingError('UNAUTHORIZED', 'missing bearer token');

/** Buyer routes and commands: the admin is not a buyer (it has no userId to hold seats under) → FORBIDDEN. */
export const requireBuyer = (who: Who): Readonly<{ userId: string }> => {
  switch (who.kind) {
    case 'buyer':
      return who;
    case 'guest':
      throw missingToken();
    case 'admin':
      throw new BookingError('FORBIDDEN', 'the admin token cannot act as a buyer');
    case 'refused':
      throw who.error;
    default: {
      const _exhaustive: never = who;
      throw new Error(`unknown caller ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** Admin routes: no or bad token → UNAUTHORIZED; a valid buyer session → FORBIDDEN. */
export const requireAdmin = (who: Who): void => {
  switch (who.kind) {
    case 'admin':
      return;
    case 'guest':
      throw missingToken();
    case 'buyer':
      throw new BookingError('FORBIDDEN', 'admin token required');
    case 'refused':
      throw who.error;
    default: {
      const _exhaustive: never = who;
      throw new Error(`unknown caller ${JSON.stringify(_exhaustive)}`);
    }
  }
};
