import { systemClock } from '../platform/clock.ts';
import type { Arrival, SeatMapReads, Who } from './context.ts';
import {
  createMemoryRateLimit,
  createRateLimit,
  type LimiterStore,
  limiterIn,
  memoryLimiterStore,
  rateLimited,
} from './rateLimit.ts';
import { createReadBudget, type ReadBudget } from './readBudget.ts';

/**
 * Requests per client address over REST, per socket connection, and per buyer across every connection and REST
 * together; with the anti-bot stages on, also what one address may open: sessions, socket connections, handshakes.
 */
export type LimitsOptions = Readonly<{
  /** Requests one address may make over REST per second, averaged over `restWindowSeconds`. Default 100. */
  restRequestsPerSecondMax?: number;
  restWindowSeconds?: number;
  /** Requests (subscribe, hold, release, ...) one socket connection may make per `socketWindowSeconds`. Default 50. */
  socketRequestsPerWindowMax?: number;
  socketWindowSeconds?: number;
  /**
   * Requests one buyer may make per `userWindowSeconds` over all their sockets and REST together: one budget that
   * follows the person, so ten connections get what one gets and a reconnect starts where the last one stopped.
   * Default 50 per second.
   */
  userRequestsPerWindowMax?: number;
  userWindowSeconds?: number;
  /** Per address (anti-bot; absent when ANTIBOT=off): new sessions, open connections, engine.io handshakes. */
  perAddress?: AddressLimits;
  /** Full seat maps per address, REST and sockets together. Default: readBudget.ts's defaults. */
  readBudget?: ReadBudget;
  /** Where the person's budgets are counted: Redis (shared by every node) or memory. Default memory. */
  store?: LimiterStore;
  /**
   * The clock of the REST limit per address, counted in memory. Default the system clock: wall time, as the library's
   * memory store (which counted it before) and the other limits count; a test's manual clock would never end a window.
   */
  nowMs?: () => number;
}>;

export type AddressLimits = Readonly<{
  /** New sessions (new buyers) one address may get per minute. */
  sessionsPerMinuteMax: number;
  /** Socket connections one address may have open at once. */
  connectionsMax: number;
  /** engine.io handshakes (every connection attempt, reconnects too) one address may make per minute. */
  handshakesPerMinuteMax: number;
}>;

export const restRequestsPerSecondMaxDefault = 100;
export const socketRequestsPerWindowMaxDefault = 50;
export const socketWindowSecondsDefault = 1;
export const userRequestsPerSecondMaxDefault = 50;
export const addressLimitsDefault: AddressLimits = {
  sessionsPerMinuteMax: 30,
  connectionsMax: 50,
  handshakesPerMinuteMax: 120,
};
/** An open connection is counted until it closes, or this long at most (a node that died cannot give it back). */
const connectionCountedSecondsMax = 3_600;

export type Limits = Readonly<{
  /**
   * The limits stage: resolves with the address's seat-map budget, or rejects RATE_LIMITED (with retryAfterSeconds)
   * when this address (REST), this connection (socket) or this buyer (both) made too many requests, or the address
   * got its most sessions for now (a new session only).
   */
  stage(arrival: Arrival, who: Who): Promise<SeatMapReads>;
  /**
   * The same stage decided at once, where it can be: a REST request of a guest or the admin (the REST limit is counted
   * in memory). Undefined, having counted nothing, where `stage` must wait (a buyer's own limit may be in Redis, a new
   * session's count is); throws RATE_LIMITED as `stage` rejects.
   */
  stageNow(arrival: Arrival, who: Who): SeatMapReads | undefined;
  /** A session was minted for a new buyer from `client`: counted against the address's sessions. */
  sessionMinted(client: string): Promise<void>;
  /** An engine.io handshake from `client`: rejects RATE_LIMITED past the address's handshakes. */
  handshake(client: string): Promise<void>;
  /** A socket connected from `client`: rejects RATE_LIMITED past the address's open connections. */
  connected(client: string): Promise<void>;
  /** A socket closed: its connection counter goes, and its address has one connection fewer. */
  disconnected(connectionId: string, client: string | undefined): void;
}>;

/**
 * The second stage. REST counts per client address (every request but probes), sockets per connection (every
 * request, an unknown event too), buyers per user over both; the seat-map budget is per address across both.
 */
export const createLimits = (options: LimitsOptions = {}): Limits => {
  const store = options.store ?? memoryLimiterStore;
  const restWindowSeconds = options.restWindowSeconds ?? 1;
  const rest = createMemoryRateLimit(
    (options.restRequestsPerSecondMax ?? restRequestsPerSecondMaxDefault) * restWindowSeconds,
    restWindowSeconds,
    options.nowMs ?? systemClock.now,
  );
  const socket = createRateLimit(
    options.socketRequestsPerWindowMax ?? socketRequestsPerWindowMaxDefault,
    options.socketWindowSeconds ?? socketWindowSecondsDefault,
  );
  const user = createRateLimit(
    options.userRequestsPerWindowMax ?? userRequestsPerSecondMaxDefault,
    options.userWindowSeconds ?? 1,
    store,
    'user',
    'too many requests from this buyer (all connections together)',
  );
  const perAddress = options.perAddress;
  const sessions =
    perAddress && limiterIn(store, { points: perAddress.sessionsPerMinuteMax, duration: 60, keyPrefix: 'sessions' });
  const handshakes =
    perAddress &&
    limiterIn(store, { points: perAddress.handshakesPerMinuteMax, duration: 60, keyPrefix: 'handshakes' });
  const connections =
    perAddress &&
    limiterIn(store, {
      points: perAddress.connectionsMax,
      duration: connectionCountedSecondsMax,
      keyPrefix: 'connections',
    });
  const budget = options.readBudget ?? createReadBudget();
  const readsOf = (client: string): SeatMapReads => ({
    enter: () => budget.enter(client),
    admit: () => budget.admit(client),
    charge: (bytes) => budget.charge(client, bytes),
  });

  /** A new buyer's session: refused once the address minted its most this minute (renewals are not new buyers). */
  const admitSession = async (client: string): Promise<void> => {
    if (sessions === undefined) return;
    const spent = await sessions.get(client);
    if (spent !== null && spent.remainingPoints <= 0) rateLimited(spent, 'too many new sessions from this address');
  };

  return {
    async stage(arrival, who) {
      if (arrival.transport === 'socket') await socket.admit(arrival.connectionId ?? arrival.client);
      else if (arrival.limited) await rest.admit(arrival.client);
      if (who.kind === 'buyer' && arrival.limited) await user.admit(who.userId);
      if (arrival.kind === 'session' && who.kind !== 'buyer') await admitSession(arrival.client);
      return readsOf(arrival.client);
    },
    stageNow(arrival, who) {
      if (arrival.transport !== 'rest' || who.kind === 'buyer' || arrival.kind === 'session') return undefined;
      if (arrival.limited) rest.admitNow(arrival.client);
      return readsOf(arrival.client);
    },
    sessionMinted: async (client) => {
      await sessions?.penalty(client, 1);
    },
    handshake: async (client) => {
      await handshakes
        ?.consume(client)
        .catch((refusal: unknown) => rateLimited(refusal, 'too many connection attempts from this address'));
    },
    connected: async (client) => {
      if (connections === undefined) return;
      await connections.consume(client).catch(async (refusal: unknown) => {
        // A refused connection is not open: its count goes back (the store counts refused attempts too).
        await connections.reward(client, 1).catch(() => undefined);
        rateLimited(refusal, 'too many open connections from this address');
      });
    },
    disconnected: (connectionId, client) => {
      socket.forget(connectionId);
      if (client !== undefined) void connections?.reward(client, 1).catch(() => undefined);
    },
  };
};
