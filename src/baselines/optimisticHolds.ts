import { BookingError } from '../domain/bookingError.ts';
import { systemClock } from '../platform/clock.ts';
import { eventIdOfHold } from '../platform/ids.ts';
import type { SocketHolds } from '../services/bookingService.ts';
import type { BaselineSeats } from './baselineSeats.ts';
import { newBaselineHold, seatIdsOf } from './baselineSeats.ts';

/** Conditional updates that lose to a concurrent writer are retried this many times, then refused. */
export const optimisticAttemptsMax = 3;

type Queryable = Readonly<{ query: BaselineSeats['pool']['query'] }>;

/**
 * Baseline 1, the classic stateless service: per seat, read the row's version, then
 * `UPDATE seats SET status='held', version=version+1 ... WHERE id=$1 AND version=$2`. Zero rows means another
 * request changed the seat in between: read again and retry, or refuse. Several seats go in one transaction so a
 * hold is all or nothing.
 */
export const optimisticHolds = (seats: BaselineSeats, now: () => number = systemClock.now): SocketHolds => {
  const holdSeat = async (
    db: Queryable,
    eventId: string,
    seatId: string,
    holdId: string,
    userId: string,
    until: number,
  ) => {
    for (let attempt = 0; attempt < optimisticAttemptsMax; attempt++) {
      const read = await db.query<{ status: string; version: number; held_until: string | null }>(
        'SELECT status, version, held_until FROM seats WHERE event_id = $1 AND seat_id = $2',
        [eventId, seatId],
      );
      const row = read.rows[0];
      if (row === undefined) throw new BookingError('SEAT_UNAVAILABLE', `no seat ${seatId}`);
      const lapsed = row.status === 'held' && Number(row.held_until) <= now();
      if (row.status !== 'available' && !lapsed) throw new BookingError('SEAT_UNAVAILABLE', `seat ${seatId} is taken`);
      const updated = await db.query(
        `UPDATE seats SET status = 'held', version = version + 1, holder = $3, hold_id = $4, held_until = $5
         WHERE event_id = $1 AND seat_id = $2 AND version = $6`,
        [eventId, seatId, userId, holdId, until, row.version],
      );
      if (updated.rowCount === 1) return;
    }
    throw new BookingError('SEAT_UNAVAILABLE', `seat ${seatId} changed under ${optimisticAttemptsMax} attempts`);
  };

  return {
    async hold(eventId, userId, _requestId, request, options) {
      const seatIds = seatIdsOf(request, options);
      const event = await seats.eventOf(eventId);
      const expiresAt = now() + event.holdTtlSeconds * 1000;
      const hold = newBaselineHold(eventId, seatIds, expiresAt);
      if (seatIds.length === 1) {
        await holdSeat(seats.pool, eventId, seatIds[0]!, hold.holdId, userId, expiresAt);
        return hold;
      }
      const connection = await seats.pool.connect();
      try {
        await connection.query('BEGIN');
        for (const seatId of seatIds) await holdSeat(connection, eventId, seatId, hold.holdId, userId, expiresAt);
        await connection.query('COMMIT');
        return hold;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },

    async release(holdId, userId) {
      const eventId = eventIdOfHold(holdId);
      const released = await seats.pool.query(
        `UPDATE seats SET status = 'available', version = version + 1, holder = NULL, hold_id = NULL, held_until = NULL
         WHERE event_id = $1 AND hold_id = $2 AND holder = $3 AND status = 'held'`,
        [eventId, holdId, userId],
      );
      if (released.rowCount === 0) throw new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`);
    },
  };
};
