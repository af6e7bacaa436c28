import { z } from 'zod';
import { seatEventTypeNames } from '../domain/seatMap/events.ts';
import { instant, seatStatusSchema } from './responses.ts';
import { parseWith } from './schemas.ts';

/**
 * The read side's answers (issue #13): an event's stats for the admin dashboard, a seat's history, the seat map at an
 * instant. Money is in integer minor units (as an order's `amount`), keyed by ISO 4217 currency, because one event's
 * tiers may be priced in several currencies. Counts are places: a seat is one place, a general-admission section has
 * `capacity` places.
 */
const places = z.int().min(0);
/** Minor units per currency: `{"EUR": 12500}`. */
const moneyByCurrency = z.record(z.string(), z.int());

const stockSchema = z.object({
  total: places,
  available: places,
  held: places,
  reserved: places,
  sold: places,
});

export const eventStatsSchema = z
  .object({
    eventId: z.string(),
    /** The event's stream version the stock was counted at (the live seat map's version). */
    version: z.int(),
    /** When the answer was made. */
    at: instant,
    /** Places of the whole event; the same numbers as `seats` (kept at the top level for simple clients). */
    total: places,
    available: places,
    held: places,
    reserved: places,
    sold: places,
    seats: stockSchema,
    /** Holds placed and not yet released, expired or ordered. */
    holdsActive: z.int().min(0),
    /** Paid orders minus refunded ones, per currency. */
    revenue: moneyByCurrency,
    byTier: z.array(
      z.object({
        priceTier: z.string(),
        currency: z.string(),
        /** The tier's price per place. */
        price: z.int(),
        total: places,
        available: places,
        held: places,
        reserved: places,
        sold: places,
        /** Paid minus refunded, in the tier's currency. */
        revenue: z.int(),
      }),
    ),
    bySection: z.array(stockSchema.extend({ sectionId: z.string(), name: z.string() })),
    /** Sales per minute of the log's time (paid orders count in the minute their payment succeeded; refunds subtract). */
    salesByMinute: z.array(z.object({ minute: instant, sold: z.int(), revenue: moneyByCurrency })),
    /** The waiting room's counts, when the event has one. */
    queue: z.object({ waiting: z.int().min(0), admitted: z.int().min(0) }).optional(),
    /** The sales projection behind `revenue`, `byTier.revenue` and `salesByMinute`: how far it has read the log. */
    projection: z.object({
      /** The stream version it has applied for this event; below `version` while it catches up. */
      version: z.int(),
      /** Events of this event's stream it has not applied yet. */
      lagEvents: z.int().min(0),
    }),
  })
  .meta({
    id: 'EventStats',
    description:
      'Stock from the live actor (current), sales and revenue from the sales projection (may lag; see `projection`).',
  });

export type EventStats = z.infer<typeof eventStatsSchema>;

/** Why a seat changed: the event that moved it. */
export const seatChangeCauseSchema = z.enum(seatEventTypeNames);

export const seatHistorySchema = z
  .object({
    eventId: z.string(),
    seatId: z.string(),
    changes: z.array(
      z.object({
        /** The event's stream version of the change. */
        version: z.int(),
        at: instant,
        status: seatStatusSchema,
        cause: seatChangeCauseSchema,
        userId: z.string(),
        holdId: z.string(),
        orderId: z.string().optional(),
        /** Why a reservation or sale ended (payment_failed, payment_timed_out, an admin's refund reason...). */
        reason: z.string().optional(),
      }),
    ),
  })
  .meta({
    id: 'SeatHistory',
    description: 'Every change of one seat, oldest first, from the seat-history projection.',
  });

export type SeatHistory = z.infer<typeof seatHistorySchema>;

/** `GET /v1/events/:id/seatmap?at=<ISO>`: the instant to show; it must not be in the future. */
export const seatMapAtQuerySchema = z.object({ at: instant.optional() });

/** An ISO 8601 instant from a query (`?at=`) as epoch ms; INVALID_INPUT when it is not one. */
export const parseInstant = (raw: string): number => Date.parse(parseWith(instant, raw));

/** `GET /v1/events/:id/replay?after=`: the stream version a page starts after (0, or the previous page's `next`). */
export const replayAfterSchema = z
  .string()
  .regex(/^[0-9]{1,15}$/, 'must be a stream version: an integer 0 or more')
  .transform(Number)
  .meta({ description: "the stream version to start after: 0 (the default) or the previous page's `next`" });

export const parseReplayAfter = (raw: string | null): number =>
  raw === null ? 0 : parseWith(z.object({ after: replayAfterSchema }), { after: raw }).after;

export const replayPageSchema = z
  .object({
    eventId: z.string(),
    /** The stream version the first frame applies to; 0 is the map before the first event (every seat available). */
    after: z.int().min(0),
    frames: z.array(
      z.object({
        at: instant,
        /** `append`: a committed batch, its diff as subscribers got it; `lapse`: holds whose time ran out. */
        kind: z.enum(['append', 'lapse']),
        /** The stream version of the map once this frame is applied (a lapse leaves it as it was). */
        version: z.int().min(0),
        changes: z.array(z.object({ seatId: z.string(), status: seatStatusSchema, version: z.int().min(0) })),
        general: z.array(z.object({ sectionId: z.string(), available: z.int() })),
      }),
    ),
    /** Pass as `after` for the next page; null once this page reaches the end of the log. */
    next: z.int().min(0).nullable(),
    /** The frames account for every change up to this instant (the last batch's; now, on the last page). */
    until: instant,
  })
  .meta({
    id: 'ReplayPage',
    description:
      'A page of the event played back as a reader saw its seat map: apply the frames in order to the map at `after`; those with `at` up to T give the map `seatmap?at=T` answers.',
  });

export type ReplayPageView = z.infer<typeof replayPageSchema>;
