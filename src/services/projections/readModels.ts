import type { Activations } from '../../actors/activations.ts';
import type { SeatHistory } from '../../contract/readSchemas.ts';
import { BookingError } from '../../domain/bookingError.ts';
import {
  type BuyerDoc,
  buyersProjection,
  type SeatHistoryEntry,
  seatHistoryKey,
  seatHistoryProjection,
} from '../../domain/projections/index.ts';
import type { OrderRecord } from '../../domain/seatMap/state.ts';
import type { Catalog } from '../../persistence/catalog.ts';
import { isBefore, newestFirst, type OrderIndex, type OrderRef } from '../../persistence/orderIndex.ts';
import type { ProjectionRunner } from './projectionRunner.ts';

export type ReadModelsDeps = Readonly<{ activations: Activations; catalog: Catalog; runner: ProjectionRunner }>;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A buyer's orders from the buyers projection (GET /v1/me/orders), across every database's documents. The
 * projection is caught up before it is read (one pass shared with every caller meanwhile; one short read when it is
 * current), so an order the buyer just placed is listed: its append committed before the order was answered.
 */
export const projectedOrderIndex = (runner: ProjectionRunner): OrderIndex => ({
  async ordersOf(userId, { streamId, before, limit }): Promise<OrderRef[]> {
    await runner.catchUpForRead(buyersProjection.name);
    const docs = await runner.docs<BuyerDoc>(buyersProjection.name, userId);
    const refs = docs
      .flatMap((doc) => Object.values(doc.orders))
      .filter((order) => streamId === undefined || order.streamId === streamId)
      .map((order): OrderRef => ({ orderId: order.orderId, streamId: order.streamId, placedAt: order.placedAt }))
      .filter((ref) => before === undefined || isBefore(ref, before))
      .sort(newestFirst);
    return refs.slice(0, limit);
  },
});

/** One CSV field: quoted when it holds a separator, a quote or a line break; a formula's first character defused. */
const csvField = (value: string | number | undefined): string => {
  if (value === undefined) return '';
  const text = String(value);
  const defused = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(defused) ? `"${defused.replaceAll('"', '""')}"` : defused;
};

const csvColumns = [
  'orderId',
  'userId',
  'status',
  'quantity',
  'seatIds',
  'sectionId',
  'amount',
  'currency',
  'createdAt',
  'reservedUntil',
] as const;

const csvLine = (order: OrderRecord): string =>
  [
    order.orderId,
    order.userId,
    order.status,
    order.quantity,
    order.seatIds.join(' '),
    order.sectionId,
    order.amount,
    order.currency,
    iso(order.createdAt),
    iso(order.reservedUntil),
  ]
    .map(csvField)
    .join(',');

export const createReadModels = (deps: ReadModelsDeps) => {
  const seatIdsOf = new Map<string, ReadonlySet<string>>();
  const seatsOfEvent = async (eventId: string): Promise<ReadonlySet<string>> => {
    let seats = seatIdsOf.get(eventId);
    if (seats === undefined) {
      const event = await deps.catalog.getEvent(eventId);
      if (event === undefined) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
      const venue = await deps.catalog.getVenue(event.venueId);
      seats = new Set(
        (venue?.sections ?? []).flatMap((section) =>
          section.kind === 'seated' ? section.rows.flatMap((row) => row.seats.map((seat) => seat.id)) : [],
        ),
      );
      seatIdsOf.set(eventId, seats);
    }
    return seats;
  };

  return {
    /** Every change of one seat, from the seat-history projection caught up first. */
    async seatHistory(eventId: string, seatId: string): Promise<SeatHistory> {
      if (!(await seatsOfEvent(eventId)).has(seatId))
        throw new BookingError('NOT_FOUND', `event ${eventId} has no seat ${seatId}`);
      await deps.runner.catchUpForRead(seatHistoryProjection.name);
      const changes = await deps.runner.entries<SeatHistoryEntry>(
        seatHistoryProjection.name,
        seatHistoryKey(eventId, seatId),
      );
      return { eventId, seatId, changes: changes.map((change) => ({ ...change, at: iso(change.at) })) };
    },

    /**
     * The event's orders as CSV, one line per order in the order they were placed, from the actor's committed state
     * (current, with every status): one mailbox read that copies the lines out.
     */
    async ordersCsv(eventId: string): Promise<string> {
      const actor = await deps.activations.get(eventId);
      const lines = await actor.read((state) => [...state.orders.values()].map(csvLine));
      return `${[csvColumns.join(','), ...lines].join('\r\n')}\r\n`;
    },
  };
};

export type ReadModels = ReturnType<typeof createReadModels>;
