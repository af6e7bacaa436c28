import type { SeatMapRendition } from '../actors/seatMapCache.ts';
import type { HoldRequest, HoldView, SeatMapView } from '../domain/seatMap/views.ts';
import type { EventConfig, Venue } from '../domain/venue.ts';
import type { LayoutRendition } from './eventLayout.ts';
import type { ReplayPage } from './replay.ts';

export type HoldOptions = Readonly<{
  /**
   * The buyer's admission by the waiting room (epoch ms), as the front door's admission stage read it from the hold's
   * token; while the event's room is engaged a hold without one is refused NOT_ADMITTED.
   */
  admittedUntil?: number;
  /** The buyer's own hold that this one replaces in the same decision (PlaceHold's replacesHoldId). */
  replacesHoldId?: string;
}>;

/**
 * What the gateway (REST and socket) asks of the booking core. The gateway authenticates and validates; the
 * service routes each call to the event's actor. Every method rejects with a BookingError carrying a code.
 */
export interface BookingService {
  createVenue(venue: Omit<Venue, 'id'> & { id?: string }): Promise<{ id: string }>;
  createEvent(event: Omit<EventConfig, 'id'> & { id?: string }): Promise<{ id: string }>;
  getEvent(eventId: string): Promise<EventConfig>;
  /** Events in the catalog, oldest first, at most `limit`. */
  listEvents(limit: number): Promise<EventConfig[]>;
  getVenue(venueId: string): Promise<Venue>;
  /**
   * The committed seat map, from the event's per-version cache: at least as new as anything committed before the call,
   * rendered once per version whoever asks (see SeatMapCache).
   */
  seatMap(eventId: string): Promise<SeatMapRendition>;
  /**
   * The cached seat map when it is current now (as new as the committed version, no hold lapsed since: what `seatMap`
   * would answer without waiting), without activating the event or waiting for a frame; undefined otherwise. A
   * conditional read answers 304 from it before any other work. Absent: every read takes `seatMap`.
   */
  currentSeatMap?(eventId: string): SeatMapRendition | undefined;
  /** The seat map as it was at an instant (epoch ms, not in the future), replayed from the log (temporal.ts). */
  seatMapAt(eventId: string, atMs: number): Promise<SeatMapView>;
  /** A page of the event's seat map played back from the log, frames after a stream version (replay.ts). */
  replay(eventId: string, page: Readonly<{ after: number; limit: number }>): Promise<ReplayPage>;
  /** The event's immutable layout (sections, seats in layout order, tiers, prices), rendered once per event. */
  layout(eventId: string): Promise<LayoutRendition>;
  /**
   * The version of the event's committed seat map (activating the event), without rendering it: what a resuming
   * subscriber's diffs are counted against.
   */
  committedVersion(eventId: string): Promise<number>;
  hold(
    eventId: string,
    userId: string,
    requestId: string,
    request: HoldRequest,
    options?: HoldOptions,
  ): Promise<HoldView>;
  release(holdId: string, userId: string, requestId: string): Promise<void>;
  /** True once the store is reachable and actors can commit. */
  ready(): boolean;
  /** Stops taking commands, lets in-flight batches commit, closes the store. */
  drain(): Promise<void>;
}

/** What answers the socket's `hold` and `release` requests: the event actors, or a benchmark baseline (src/baselines/). */
export type SocketHolds = Pick<BookingService, 'hold' | 'release'>;
