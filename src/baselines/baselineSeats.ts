import { BookingError } from '../domain/bookingError.ts';
import type { HoldRequest, HoldView } from '../domain/seatMap/views.ts';
import type { EventConfig } from '../domain/venue.ts';
import { quoteSchemaName } from '../persistence/migrations.ts';
import { servingPool } from '../persistence/postgres/servingPool.ts';
import { newHoldId } from '../platform/ids.ts';
import type { HoldOptions } from '../services/bookingService.ts';

/** What a baseline reads from the catalog: the same venues and events the actors sell. */
export type BaselineCatalog = Readonly<{
  getEvent(eventId: string): Promise<EventConfig>;
  getVenue(venueId: string): Promise<{ sections: readonly BaselineSection[] }>;
}>;

type BaselineSection = Readonly<
  { kind: 'seated'; rows: readonly Readonly<{ seats: readonly Readonly<{ id: string }>[] }>[] } | { kind: 'general' }
>;

export type BaselineDatabase = Readonly<{ url: string; schema?: string; poolSize?: number }>;

export const baselinePoolSizeDefault = 16;

/**
 * The `seats` table of the classic stateless booking service: one row per seat of an event, with the status, a
 * version that rises on every change, the holder and when the hold lapses. Baselines seed it from the catalog's
 * venue the first time an event is booked, so they sell exactly the seats the actor sells.
 */
export const openBaselineSeats = async (database: BaselineDatabase, catalog: BaselineCatalog) => {
  const pool = servingPool({
    connectionString: database.url,
    max: database.poolSize ?? baselinePoolSizeDefault,
    ...(database.schema === undefined ? {} : { options: `-c search_path=${quoteSchemaName(database.schema)}` }),
  });
  if (database.schema !== undefined)
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteSchemaName(database.schema)}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS seats (
    event_id text NOT NULL,
    seat_id text NOT NULL,
    status text NOT NULL DEFAULT 'available',
    version int NOT NULL DEFAULT 0,
    holder text,
    hold_id text,
    held_until bigint,
    PRIMARY KEY (event_id, seat_id)
  )`);
  await pool.query('CREATE INDEX IF NOT EXISTS seats_hold_id ON seats (hold_id)');

  const seeded = new Map<string, Promise<EventConfig>>();
  const seed = async (eventId: string): Promise<EventConfig> => {
    const event = await catalog.getEvent(eventId);
    const venue = await catalog.getVenue(event.venueId);
    const seatIds = venue.sections.flatMap((section) =>
      section.kind === 'seated' ? section.rows.flatMap((row) => row.seats.map((seat) => seat.id)) : [],
    );
    await pool.query('INSERT INTO seats (event_id, seat_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [
      eventId,
      seatIds,
    ]);
    return event;
  };

  return {
    pool,
    /** The event's configuration, once its seats are in the table. */
    eventOf(eventId: string): Promise<EventConfig> {
      let event = seeded.get(eventId);
      if (event === undefined) {
        event = seed(eventId);
        seeded.set(eventId, event);
        event.catch(() => seeded.delete(eventId));
      }
      return event;
    },
    close: () => pool.end(),
  };
};

export type BaselineSeats = Awaited<ReturnType<typeof openBaselineSeats>>;

/** Baselines sell named seats only: general admission and best-available are the actor's. */
export const seatIdsOf = (request: HoldRequest, options: HoldOptions = {}): readonly string[] => {
  // A baseline keeps no record of a buyer's holds to replace one in the same step: refused, never silently a new hold.
  if (options.replacesHoldId !== undefined)
    throw new BookingError('INVALID_INPUT', 'the baseline does not replace holds (replacesHoldId)');
  if (request.kind !== 'seats')
    throw new BookingError('INVALID_INPUT', `the baseline holds named seats, not ${request.kind}`);
  return request.seatIds;
};

export const newBaselineHold = (eventId: string, seatIds: readonly string[], expiresAtMs: number): HoldView => ({
  holdId: newHoldId(eventId),
  seatIds,
  quantity: seatIds.length,
  expiresAt: new Date(expiresAtMs).toISOString(),
});
