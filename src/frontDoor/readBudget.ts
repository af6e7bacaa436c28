import { RateLimiterMemory } from 'rate-limiter-flexible';
import { BookingError } from '../domain/bookingError.ts';

/**
 * Limits on expensive reads (a full seat map: megabytes for a large venue), per client address and in all, so no
 * address can keep the event loop busy sending maps, however fast it asks and however often the maps change.
 */
export type ReadBudgetOptions = Readonly<{
  /** Expensive reads one address may have under way at once: waiting for a map, or being sent one. */
  inFlightPerClientMax?: number;
  /** Expensive reads under way at once, all addresses together. */
  inFlightMax?: number;
  /** Bytes of expensive reads one address is sent per second, averaged over `windowSeconds`. */
  bytesPerSecondPerClientMax?: number;
  windowSeconds?: number;
}>;

export const inFlightPerClientMaxDefault = 4;
export const inFlightMaxDefault = 256;
/** About three full maps of a 50,000-seat venue a second, or 400 of a 1,000-seat one. */
export const bytesPerSecondPerClientMaxDefault = 10 * 1024 * 1024;

export type ReadBudget = Readonly<{
  /** Throws RATE_LIMITED (with retryAfterSeconds) when `client` has spent its bytes for now. */
  admit(client: string): Promise<void>;
  /**
   * Takes a slot for one expensive read of `client`, or throws RATE_LIMITED (retry after 1 s) when the address, or the
   * server, has its most reads under way. Call the returned function once the read is over (written out, failed or
   * abandoned).
   */
  enter(client: string): () => void;
  /** Counts bytes sent to `client` against its budget (after the fact: a map larger than the budget is still sent). */
  charge(client: string, bytes: number): void;
}>;

const refuse = (message: string, retryAfterSeconds: number): BookingError =>
  new BookingError('RATE_LIMITED', `${message}; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });

/** The bytes per address are a rate-limiter-flexible bucket; reads under way are plain counters. */
export const createReadBudget = (options: ReadBudgetOptions = {}): ReadBudget => {
  const perClientMax = options.inFlightPerClientMax ?? inFlightPerClientMaxDefault;
  const totalMax = options.inFlightMax ?? inFlightMaxDefault;
  const windowSeconds = options.windowSeconds ?? 1;
  const bytes = new RateLimiterMemory({
    points: Math.max(
      1,
      Math.round((options.bytesPerSecondPerClientMax ?? bytesPerSecondPerClientMaxDefault) * windowSeconds),
    ),
    duration: windowSeconds,
  });
  const inFlight = new Map<string, number>();
  let total = 0;

  const admit = async (client: string): Promise<void> => {
    const spent = await bytes.get(client);
    if (spent !== null && spent.remainingPoints <= 0) {
      throw refuse('too many seat-map bytes for this address', Math.max(1, Math.ceil(spent.msBeforeNext / 1000)));
    }
  };

  return {
    admit,
    enter(client) {
      const mine = inFlight.get(client) ?? 0;
      if (mine >= perClientMax) throw refuse(`at most ${perClientMax} seat-map reads at once per address`, 1);
      if (total >= totalMax) throw refuse('too many seat-map reads under way', 1);
      inFlight.set(client, mine + 1);
      total += 1;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        total -= 1;
        const now = (inFlight.get(client) ?? 1) - 1;
        if (now === 0) inFlight.delete(client);
        else inFlight.set(client, now);
      };
    },
    charge(client, sent) {
      if (sent > 0) void bytes.penalty(client, sent);
    },
  };
};
