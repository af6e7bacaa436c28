import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { BookingError } from '../domain/bookingError.ts';
import type { Catalog } from '../persistence/catalog.ts';

/**
 * Admission tokens of the waiting room: a short-lived HS256 JWT bound to one buyer (`sub`) and one event (`evt`),
 * naming the queue entry (`qid`), valid until the admission ends (`exp`). The key is the server's own, generated
 * once and kept with the server secrets (like the session key), so a restart keeps every admission valid and every
 * node of a cluster verifies what another signed. The same admission always signs to the same token (no `iat`), so
 * a push and a poll hand out one token.
 */
export type AdmissionTokens = Readonly<{
  sign(admission: Admission): Promise<string>;
  /**
   * The admission a hold's token grants this buyer for this event: until when, in epoch ms. Refuses NOT_ADMITTED a
   * token that does not verify: forged or from another key, run out, or another buyer's or event's.
   */
  verify(token: string, userId: string, eventId: string): Promise<number>;
}>;

export type Admission = Readonly<{ userId: string; eventId: string; queueId: string; expiresAt: number }>;

export const admissionSecretName = 'admission-signing-key';
const issuer = 'seatactor';
const audience = 'admission';
const requiredClaims = ['sub', 'exp', 'evt', 'qid'];

export const loadOrCreateAdmissionSecret = (catalog: Catalog): Promise<string> =>
  catalog.secret(admissionSecretName, () => randomBytes(32).toString('base64url'));

/** `nowMs`: the clock port, so tests run admissions out by moving the clock. */
export const createAdmissionTokens = (secret: string, nowMs: () => number): AdmissionTokens => {
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < 32) throw new Error('the admission key must be at least 32 bytes');
  const notAdmitted = (message: string) => new BookingError('NOT_ADMITTED', message);
  return {
    sign: ({ userId, eventId, queueId, expiresAt }) =>
      new SignJWT({ evt: eventId, qid: queueId })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(userId)
        // Whole seconds, rounded down: the token never outlives the admission it stands for.
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .sign(key),
    async verify(token, userId, eventId) {
      let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer,
          audience,
          requiredClaims,
          currentDate: new Date(nowMs()),
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired)
          throw notAdmitted('your admission has run out: join the queue again');
        throw notAdmitted('the admission token does not verify');
      }
      if (payload.sub !== userId) throw notAdmitted('the admission token is for another buyer');
      if (payload.evt !== eventId) throw notAdmitted('the admission token is for another event');
      return (payload.exp as number) * 1000;
    },
  };
};
