import { type ClientOptions, connect, type SeatActorClient } from './client.ts';
import { type OpenSessionOptions, openSession } from './session.ts';

export type StartOptions = Omit<OpenSessionOptions, 'signals'> &
  Omit<ClientOptions, 'token'> &
  Readonly<{ sessionSignals?: OpenSessionOptions['signals'] }>;

/**
 * Everything a buyer app needs in one call: the session (saved in `store` and renewed as `openSession` says), a
 * connected client, and every later renewal saved to `store` too, so a reload picks up the same buyer.
 */
export const start = async (url: string, options: StartOptions = {}): Promise<SeatActorClient> => {
  const {
    store,
    key,
    renewWithinMs,
    fetch: fetchImpl,
    previousToken: _previousToken,
    sessionSignals,
    ...clientOptions
  } = options;
  const session = await openSession(url, {
    ...(store === undefined ? {} : { store }),
    ...(key === undefined ? {} : { key }),
    ...(renewWithinMs === undefined ? {} : { renewWithinMs }),
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    ...(clientOptions.solveChallenge === undefined ? {} : { solveChallenge: clientOptions.solveChallenge }),
    ...(sessionSignals === undefined ? {} : { signals: sessionSignals }),
  });
  const client = connect(url, { ...clientOptions, token: session.token });
  if (store !== undefined)
    client.on('session', (renewed) => void store.setItem(key ?? 'seatactor.session', JSON.stringify(renewed)));
  return client;
};
