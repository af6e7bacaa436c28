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

/** Buckets per event: a batch writes at most this many rows per event, and a read looks at 1/64 of its history. */
const bucketsPerEvent = 64;

/** FNV-1a over the UTF-16 code units: stable across processes and versions, which the stored buckets rely on. */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};

/** `<eventId>/<n>`: the seat key's event and one of its buckets. */
export const seatHistoryBucket = (key: string): string => {
  const slash = key.lastIndexOf('/');
  return `${key.slice(0, slash)}/#${fnv1a(key.slice(slash + 1)) % bucketsPerEvent}`;
};

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
 * admission places are counters, not seats, and have none). A change costs a reference in one row per bucket and batch,
 * however long the seat's history already is; seat ids are bucketed within their event, never across events.
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
  bucketOf: seatHistoryBucket,
};
