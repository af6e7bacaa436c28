import { BookingError } from '../domain/bookingError.ts';
import type { Arrival } from './context.ts';
import type { SessionVerifier } from './identify.ts';

/** Shared by the front door's unit specs: a verifier that knows two tokens, and arrivals over either transport. */
export const adminToken = 'admin-token';
export const buyerToken = 'buyer-token';
export const expiredToken = 'expired-token';

export const verifier: SessionVerifier = {
  isAdmin: (token) => token === adminToken,
  verify: async (token) => {
    if (token === buyerToken) return { userId: 'u1', expiresAtMs: 5_000 };
    if (token === expiredToken) throw new BookingError('UNAUTHORIZED', 'session expired');
    throw new BookingError('UNAUTHORIZED', 'invalid session token');
  },
};

export const restArrival = (overrides: Partial<Arrival> = {}): Arrival => ({
  transport: 'rest',
  kind: 'other',
  client: '203.0.113.7',
  credentials: { kind: 'bearer', token: buyerToken },
  limited: true,
  ...overrides,
});

export const socketArrival = (overrides: Partial<Arrival> = {}): Arrival => ({
  transport: 'socket',
  kind: 'hold',
  client: '203.0.113.7',
  connectionId: 'socket-1',
  credentials: { kind: 'session', userId: 'u1', expiresAtMs: 5_000 },
  limited: true,
  ...overrides,
});

/** The code a promise rejects with, or undefined when it resolves. */
export const refusalOf = async (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof BookingError ? error.code : `not a BookingError: ${String(error)}`),
  );
