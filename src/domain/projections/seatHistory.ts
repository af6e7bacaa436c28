import type { SeatEvent } from '../seatMap/events.ts';
import { isSeatEvent } from '../seatMap/events.ts';
import type { SeatStatusName } from '../seatMap/views.ts';
import { eventIdOfStream, type Projection } from './projection.ts';

export type SeatHistoryEntry = {
  /** The stream version of the change. */
  version: number;
  /** Epoch ms, the actor's clock when it decided. */
  at: number;
  status: SeatStatusName;
  cause: SeatEvent['type'];
  userId: string;
  holdId: string;
  orderId?: string;
  reason?: string;
};

/** Every change of one seat, oldest first. Keyed `<eventId>/<seatId>`. */
export type SeatHistoryDoc = { changes: SeatHistoryEntry[] };

export const seatHistoryKey = (eventId: string, seatId: string): string => `${eventId}/${seatId}`;

/** Where each seat event leaves the seats it names. */
const statusAfter: Readonly<Record<SeatEvent['type'], SeatStatusName>> = {
  HoldPlaced: 'held',
  HoldReleased: 'available',
  HoldExpired: 'available',
  HoldReserved: 'reserved',
  ReservationSold: 'sold',
  ReservationReleased: 'available',
  SaleRefunded: 'available',
};

const entryOf = (event: SeatEvent, version: number): SeatHistoryEntry => {
  const { data } = event;
  const entry: SeatHistoryEntry = {
    version,
    at: data.at,
    status: statusAfter[event.type],
    cause: event.type,
    userId: data.userId,
    holdId: data.holdId,
  };
  if ('orderId' in data) entry.orderId = data.orderId;
  if ('reason' in data) entry.reason = data.reason;
  return entry;
};

/**
 * Per-seat history: one entry per seat event that names the seat (general-admission places are counters, not seats,
 * and have none). A version the document already has is not added again.
 */
export const seatHistoryProjection: Projection<SeatHistoryDoc> = {
  name: 'seat-history',
  keysOf: (event) => {
    const eventId = eventIdOfStream(event.streamId);
    if (eventId === undefined || !isSeatEvent(event)) return [];
    return (event as unknown as SeatEvent).data.seatIds.map((seatId) => seatHistoryKey(eventId, seatId));
  },
  evolve: (doc, event) => {
    const current = doc ?? { changes: [] };
    const last = current.changes.at(-1);
    if (last !== undefined && last.version >= event.streamVersion) return current;
    current.changes.push(entryOf(event as unknown as SeatEvent, event.streamVersion));
    return current;
  },
};
