import { fromStoredSnapshot } from '../actors/activations.ts';
import { streamIdOf } from '../actors/eventActor.ts';
import { BookingError } from '../domain/bookingError.ts';
import { seatMapView } from '../domain/seatMap/read.ts';
import type { SeatMapView } from '../domain/seatMap/views.ts';
import type { EventConfig, Venue } from '../domain/venue.ts';
import { type EventState, type EventStreamEvent, evolveEvent, initialEventState } from '../domain/waitlist/index.ts';
import type { Catalog } from '../persistence/catalog.ts';
import { type EventStore, instantOf } from '../persistence/eventStore.ts';
import type { Clock } from '../platform/clock.ts';

export type TemporalDeps = Readonly<{ store: EventStore; catalog: Catalog; clock: Clock; replayPageSize?: number }>;

/** Versions probed per round trip while looking for the last event at or before an instant. */
const probesPerRound = 32;

/**
 * The stream version of the last event decided at or before `atMs` (0: none). A stream's instants rise with its
 * versions (the actor stamps each batch with its clock), so this is a search: each round probes 32 versions in one
 * read (readStreamVersions, one index probe each) and narrows the range to the gap between two of them, so a stream of
 * 100,000 events takes 4 round trips.
 */
export const versionAt = async (store: EventStore, streamId: string, atMs: number): Promise<number> => {
  // First the end of the stream: doubling probes in one read find a version past the end or past the instant.
  const doubling = Array.from({ length: 31 }, (_, i) => 2 ** i);
  let low = 0;
  let past: number | undefined;
  for (const event of await store.readStreamVersions(streamId, doubling)) {
    if (instantOf(event) <= atMs) low = event.streamVersion;
    else {
      past = event.streamVersion;
      break;
    }
  }
  // `low` is at or before the instant; the answer lies in [low, high): high is past it, or past the stream's end.
  let high: number = past ?? (low === 0 ? 1 : low * 2);
  while (high - low > 1) {
    const step = Math.max(1, Math.floor((high - low) / (probesPerRound + 1)));
    const probes: number[] = [];
    for (let version = low + step; version < high; version += step) probes.push(version);
    const found = await store.readStreamVersions(streamId, probes);
    let nextHigh: number = high;
    const byVersion = new Map(found.map((event) => [event.streamVersion, event]));
    for (const version of probes) {
      const event = byVersion.get(version);
      if (event === undefined || instantOf(event) > atMs) {
        nextHigh = version;
        break;
      }
      low = version;
    }
    high = nextHigh;
  }
  return low;
};

/**
 * An event's state at a stream version, from the log: the nearest snapshot at or below it (the store keeps one every
 * few thousand events for this), then the events after it up to that version. RangeError when the stream is shorter.
 */
export const eventStateAt = async (
  deps: Readonly<{ store: EventStore; replayPageSize?: number }>,
  event: Readonly<{ venue: Venue; config: EventConfig; streamId: string }>,
  version: number,
): Promise<EventState> => {
  const { venue, config, streamId } = event;
  const snapshot = version === 0 ? undefined : await deps.store.loadSnapshotAt(streamId, version);
  const state = fromStoredSnapshot(venue, config, snapshot?.state) ?? initialEventState(venue, config);
  const pageSize = deps.replayPageSize ?? 5_000;
  while (state.inventory.version < version) {
    const page = await deps.store.readStream(
      streamId,
      state.inventory.version,
      Math.min(pageSize, version - state.inventory.version),
    );
    if (page.length === 0) throw new RangeError(`stream ${streamId} ends before version ${version}`);
    for (const stored of page) {
      if (stored.streamVersion !== state.inventory.version + 1)
        throw new Error(`stream ${streamId} skips to ${stored.streamVersion}`);
      evolveEvent(state, { type: stored.type, data: stored.data } as EventStreamEvent);
    }
  }
  return state;
};

/**
 * Temporal reads: the seat map as it was at an instant, replayed from the log, never from the live actor: the nearest
 * snapshot at or below the version of that instant (the store keeps one every few thousand events for this), then the
 * events after it up to that version, then the map as a reader at that instant saw it (holds that had lapsed by then
 * read as available, as they did live).
 */
export const createTemporalReads = (deps: TemporalDeps) => ({
  async seatMapAt(eventId: string, atMs: number): Promise<SeatMapView> {
    if (atMs > deps.clock.now()) throw new BookingError('INVALID_INPUT', 'at must not be in the future');
    const config = await deps.catalog.getEvent(eventId);
    if (config === undefined) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
    const venue = await deps.catalog.getVenue(config.venueId);
    if (venue === undefined) throw new Error(`event ${eventId} names missing venue ${config.venueId}`);
    const streamId = streamIdOf(eventId);
    const version = await versionAt(deps.store, streamId, atMs);
    const state = await eventStateAt(deps, { venue, config, streamId }, version);
    return seatMapView(state.inventory, atMs);
  },
});

export type TemporalReads = ReturnType<typeof createTemporalReads>;
