import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BookingError } from '../domain/bookingError.ts';
import { systemClock } from '../platform/clock.ts';
import { eventIdOfHold } from '../platform/ids.ts';
import type { SocketHolds } from '../services/bookingService.ts';
import type { BaselineSeats } from './baselineSeats.ts';
import { newBaselineHold, seatIdsOf } from './baselineSeats.ts';

/** A lock outlives a stalled request by at most this long, then another request may take the seat. */
export const seatLockTtlMs = 5_000;

/** A release waits for a seat's lock this many times, `lockRetryDelayMs` apart, before it gives up. */
export const releaseLockAttemptsMax = 50;
export const lockRetryDelayMs = 2;

/** Deletes the lock only when it still carries our token, so a request never frees a lock that lapsed and was retaken. */
const releaseLockScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const lockKey = (eventId: string, seatId: string) => `lock:${eventId}:${seatId}`;

/**
 * Baseline 2, a Redis lock per seat: `SET lock:<seat> <token> NX PX 5000`; whoever gets it checks and updates the
 * seat's row in Postgres, then frees the lock with a compare-and-delete script. A seat whose lock is taken is refused
 * at once (the usual "someone else is booking this seat" answer), without touching Postgres.
 */
export const redisLockHolds = (
  seats: BaselineSeats,
  redis: Redis,
  now: () => number = systemClock.now,
): SocketHolds => {
  redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: releaseLockScript });
  const unlock = (key: string, token: string) =>
    (redis as Redis & { releaseLock(key: string, token: string): Promise<number> }).releaseLock(key, token);

  /**
   * Takes every seat's lock (all or none), runs `work`, and frees the locks whatever happens. A hold gives up at once
   * on a taken lock; a release waits for it, since the seat is its own and only a doomed hold attempt can be in the way.
   */
  const underLocks = async <T>(
    eventId: string,
    seatIds: readonly string[],
    work: () => Promise<T>,
    attemptsMax = 1,
  ): Promise<T> => {
    const token = randomBytes(12).toString('base64url');
    const taken: string[] = [];
    try {
      for (const seatId of seatIds) {
        const key = lockKey(eventId, seatId);
        for (let attempt = 1; (await redis.set(key, token, 'PX', seatLockTtlMs, 'NX')) !== 'OK'; attempt++) {
          if (attempt >= attemptsMax) throw new BookingError('SEAT_UNAVAILABLE', `seat ${seatId} is being booked`);
          await new Promise((resolve) => setTimeout(resolve, lockRetryDelayMs));
        }
        taken.push(key);
      }
      return await work();
    } finally {
      await Promise.all(taken.map((key) => unlock(key, token)));
    }
  };

  return {
    async hold(eventId, userId, _requestId, request, options) {
      const seatIds = seatIdsOf(request, options);
      const event = await seats.eventOf(eventId);
      return underLocks(eventId, seatIds, async () => {
        const at = now();
        const expiresAt = at + event.holdTtlSeconds * 1000;
        const hold = newBaselineHold(eventId, seatIds, expiresAt);
        // Under the locks nobody else writes these rows, so one statement checks and takes them all.
        const updated = await seats.pool.query(
          `UPDATE seats SET status = 'held', version = version + 1, holder = $3, hold_id = $4, held_until = $5
           WHERE event_id = $1 AND seat_id = ANY($2::text[]) AND (status = 'available' OR (status = 'held' AND held_until <= $6))
           AND (SELECT count(*) FROM seats s WHERE s.event_id = $1 AND s.seat_id = ANY($2::text[])
                AND NOT (s.status = 'available' OR (s.status = 'held' AND s.held_until <= $6))) = 0`,
          [eventId, seatIds, userId, hold.holdId, expiresAt, at],
        );
        if (updated.rowCount !== seatIds.length) {
          if ((updated.rowCount ?? 0) > 0)
            throw new Error(`partial hold of ${updated.rowCount} of ${seatIds.length} seats`);
          throw new BookingError('SEAT_UNAVAILABLE', 'a seat is taken');
        }
        return hold;
      });
    },

    async release(holdId, userId) {
      const eventId = eventIdOfHold(holdId);
      if (eventId === undefined) throw new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`);
      const found = await seats.pool.query<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE event_id = $1 AND hold_id = $2 AND holder = $3',
        [eventId, holdId, userId],
      );
      if (found.rows.length === 0) throw new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`);
      await underLocks(
        eventId,
        found.rows.map((row) => row.seat_id),
        async () => {
          const released = await seats.pool.query(
            `UPDATE seats SET status = 'available', version = version + 1, holder = NULL, hold_id = NULL, held_until = NULL
             WHERE event_id = $1 AND hold_id = $2 AND holder = $3 AND status = 'held'`,
            [eventId, holdId, userId],
          );
          if (released.rowCount === 0) throw new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`);
        },
        releaseLockAttemptsMax,
      );
    },
  };
};
