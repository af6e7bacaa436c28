import type { SeatEvent } from '../seatMap/events.ts';
import { isSeatEvent } from '../seatMap/events.ts';
import type { SeatStatusName } from '../seatMap/views.ts';
import { eventIdOfStream, type LogProjection } from './projection.ts';

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
 * Per-seat history, append-only: one entry per seat event that names the seat, under `<eventId>/<seatId>` (general
 * admission places are counters, not seats, and have none). The store keeps one row per entry and reads a seat's rows
 * in log order, so a change costs one insert however long the seat's history already is.
 */
export const seatHistoryProjection: LogProjection<SeatHistoryEntry> = {
  kind: 'log',
  name: 'seat-history',
  entriesOf: (event) => {
    const eventId = eventIdOfStream(event.streamId);
    if (eventId === undefined || !isSeatEvent(event)) return [];
    const seatEvent = event as unknown as SeatEvent;
    const entry = entryOf(seatEvent, event.streamVersion);
    return seatEvent.data.seatIds.map((seatId) => ({ key: seatHistoryKey(eventId, seatId), entry }));
  },
};
