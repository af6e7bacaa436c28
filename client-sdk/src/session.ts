import type { BookingErrorCode, SessionView } from '../../src/contract/protocol.ts';
import { SeatActorError } from './errors.ts';

export type SessionOptions = Readonly<{
  /**
   * The token you had, valid or expired: the server renews the same buyer (same userId, so their holds, orders and
   * tickets stay theirs) when it signed it and it expired less than the grace period (7 days) ago. Any other token, or
   * none, gets a new buyer; `renewed` in the answer says which.
   */
  previousToken?: string;
  /** Default: the global `fetch` (browsers, React Native, Node 18+). */
  fetch?: typeof fetch;
}>;

/** `url` is the server's origin; a non-2xx answer or an unreachable server rejects with a SeatActorError. */
export const createSession = async (url: string, options: SessionOptions = {}): Promise<SessionView> => {
  const fetchImpl = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(`${url.replace(/\/+$/, '')}/v1/sessions`, {
      method: 'POST',
      headers: options.previousToken === undefined ? {} : { authorization: `Bearer ${options.previousToken}` },
    });
  } catch (error) {
    throw new SeatActorError('UNAVAILABLE', `could not reach ${url}: ${String(error)}`);
  }
  const body = (await response.json().catch(() => undefined)) as
    | (SessionView & { error?: { code: BookingErrorCode; message: string } })
    | undefined;
  if (!response.ok || body === undefined || typeof body.token !== 'string') {
    throw body?.error === undefined
      ? new SeatActorError('UNAVAILABLE', `POST /v1/sessions answered ${response.status}`)
      : SeatActorError.fromWire(body.error);
  }
  return body;
};
