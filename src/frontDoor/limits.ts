import type { Arrival, SeatMapReads } from './context.ts';
import { createRateLimit } from './rateLimit.ts';
import { createReadBudget, type ReadBudget } from './readBudget.ts';

/** Requests per client address over REST; the socket limit is per connection (a browser tab, a device). */
export type LimitsOptions = Readonly<{
  /** Requests one address may make over REST per second, averaged over `restWindowSeconds`. Default 100. */
  restRequestsPerSecondMax?: number;
  restWindowSeconds?: number;
  /** Requests (subscribe, hold, release, ...) one socket connection may make per `socketWindowSeconds`. Default 50. */
  socketRequestsPerWindowMax?: number;
  socketWindowSeconds?: number;
  /** Full seat maps per address, REST and sockets together. Default: readBudget.ts's defaults. */
  readBudget?: ReadBudget;
}>;

export const restRequestsPerSecondMaxDefault = 100;
export const socketRequestsPerWindowMaxDefault = 50;
export const socketWindowSecondsDefault = 1;

export type Limits = Readonly<{
  /**
   * The limits stage: resolves with the address's seat-map budget, or rejects RATE_LIMITED (with retryAfterSeconds)
   * when this address (REST) or this connection (socket) made too many requests.
   */
  stage(arrival: Arrival): Promise<SeatMapReads>;
  /** A socket connection closed: its counter goes. */
  forget(connectionId: string): void;
}>;

/**
 * The second stage: today's rate limits in one place. REST counts per client address (every request but probes),
 * sockets per connection (every request, an unknown event too); the seat-map budget is per address across both.
 */
export const createLimits = (options: LimitsOptions = {}): Limits => {
  const restWindowSeconds = options.restWindowSeconds ?? 1;
  const rest = createRateLimit(
    (options.restRequestsPerSecondMax ?? restRequestsPerSecondMaxDefault) * restWindowSeconds,
    restWindowSeconds,
  );
  const socket = createRateLimit(
    options.socketRequestsPerWindowMax ?? socketRequestsPerWindowMaxDefault,
    options.socketWindowSeconds ?? socketWindowSecondsDefault,
  );
  const budget = options.readBudget ?? createReadBudget();
  const readsOf = (client: string): SeatMapReads => ({
    enter: () => budget.enter(client),
    admit: () => budget.admit(client),
    charge: (bytes) => budget.charge(client, bytes),
  });
  return {
    async stage(arrival) {
      if (arrival.transport === 'socket') await socket.admit(arrival.connectionId ?? arrival.client);
      else if (arrival.limited) await rest.admit(arrival.client);
      return readsOf(arrival.client);
    },
    forget: (connectionId) => socket.forget(connectionId),
  };
};
