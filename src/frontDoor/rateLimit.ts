import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { BookingError } from '../domain/bookingError.ts';

/**
 * A per-key limit of `requestsMax` per `windowSeconds` that REST (per client address) and sockets (per connection)
 * share: `admit` resolves, or rejects with RATE_LIMITED saying when to retry.
 */
export const createRateLimit = (requestsMax: number, windowSeconds: number) => {
  const limiter = new RateLimiterMemory({ points: requestsMax, duration: windowSeconds });
  return {
    admit: (key: string): Promise<void> =>
      limiter.consume(key).then(
        () => undefined,
        (refusal: unknown) => {
          if (!(refusal instanceof RateLimiterRes)) throw refusal;
          const seconds = Math.ceil(refusal.msBeforeNext / 1000);
          throw new BookingError('RATE_LIMITED', `too many requests; retry in ${seconds} s`, {
            retryAfterSeconds: seconds,
          });
        },
      ),
    forget: (key: string): void => void limiter.delete(key),
  };
};
