import type { SessionView, SignalsView, WireError } from '../../src/contract/protocol.ts';
import { type ChallengeSolver, solveInProcess } from './challenge.ts';
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
  /**
   * Solves the proof of work the server may ask for (CHALLENGE_REQUIRED) before it mints a session; the request is
   * then repeated with the solution. Default: `solveInProcess` (Web Crypto on this thread); pages pass `workerSolver`.
   */
  solveChallenge?: ChallengeSolver;
  /**
   * The device's signals for a new session: its fingerprint hash (a page computes one with ThumbmarkJS; in Node pass
   * your own), and what the fingerprint saw (`device: {userAgent, languages}`). Hints, never proof: the server limits
   * sessions per fingerprint and raises the risk of a device that contradicts its request headers.
   */
  signals?: SignalsView;
}>;

/** A fresh challenge per refused solution (stale, another address): a few rounds, then the refusal surfaces. */
const challengeRoundsMax = 3;

/** `url` is the server's origin; a non-2xx answer or an unreachable server rejects with a SeatActorError. */
export const createSession = async (url: string, options: SessionOptions = {}): Promise<SessionView> => {
  const fetchImpl = options.fetch ?? fetch;
  const solve = options.solveChallenge ?? solveInProcess;
  let solution: string | undefined;
  for (let round = 0; ; round++) {
    let response: Response;
    try {
      response = await fetchImpl(`${url.replace(/\/+$/, '')}/v1/sessions`, {
        method: 'POST',
        headers: {
          ...(options.previousToken === undefined ? {} : { authorization: `Bearer ${options.previousToken}` }),
          ...(solution === undefined ? {} : { 'x-challenge-solution': solution }),
          ...(options.signals === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.signals === undefined ? {} : { body: JSON.stringify({ signals: options.signals }) }),
      });
    } catch (error) {
      throw new SeatActorError('UNAVAILABLE', `could not reach ${url}: ${String(error)}`);
    }
    const body = (await response.json().catch(() => undefined)) as (SessionView & { error?: WireError }) | undefined;
    if (response.ok && body !== undefined && typeof body.token === 'string') return body;
    const error = body?.error;
    if (error?.code === 'CHALLENGE_REQUIRED' && error.challenge !== undefined && round < challengeRoundsMax) {
      solution = await solve(error.challenge);
      continue;
    }
    throw error === undefined
      ? new SeatActorError('UNAVAILABLE', `POST /v1/sessions answered ${response.status}`)
      : SeatActorError.fromWire(error);
  }
};

/**
 * Where a session is kept between runs: `localStorage` or `sessionStorage` in a browser, React Native's AsyncStorage,
 * or a Map-backed object in Node. Both methods may return promises.
 */
export type SessionStore = Readonly<{
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
}>;

export type OpenSessionOptions = SessionOptions &
  Readonly<{
    /** Keeps the session across reloads and app restarts; absent: a new buyer every time. */
    store?: SessionStore;
    /** Default `seatactor.session`. */
    key?: string;
    /** Renew a saved session that expires within this many ms. Default 60,000. */
    renewWithinMs?: number;
  }>;

/**
 * The buyer's session: the saved one while it has time left; renewed with its token when it expired or is about to
 * (the same buyer, so their holds, orders and tickets stay theirs), or when the server does not know its key (a
 * session from another server: a new buyer, `renewed: false`); a new one when nothing was saved. Saves what it answers.
 */
export const openSession = async (url: string, options: OpenSessionOptions = {}): Promise<SessionView> => {
  const key = options.key ?? 'seatactor.session';
  const text = await options.store?.getItem(key);
  let saved: SessionView | undefined;
  try {
    saved = typeof text === 'string' ? (JSON.parse(text) as SessionView) : undefined;
  } catch {
    saved = undefined;
  }
  const fresh =
    saved !== undefined &&
    typeof saved.token === 'string' &&
    Date.parse(saved.expiresAt) > Date.now() + (options.renewWithinMs ?? 60_000);
  const session =
    fresh && saved !== undefined
      ? saved
      : await createSession(url, {
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          ...(options.solveChallenge === undefined ? {} : { solveChallenge: options.solveChallenge }),
          ...(options.signals === undefined ? {} : { signals: options.signals }),
          ...(saved?.token === undefined ? {} : { previousToken: saved.token }),
        });
  if (session !== saved) await options.store?.setItem(key, JSON.stringify(session));
  return session;
};
