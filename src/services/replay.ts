import { streamIdOf } from '../actors/eventActor.ts';
import { BookingError } from '../domain/bookingError.ts';
import { seatMapDiff, seatMapView } from '../domain/seatMap/read.ts';
import type { SeatMapDiff, SeatMapView } from '../domain/seatMap/views.ts';
import { type EventStreamEvent, evolveEvent, initialEventState } from '../domain/waitlist/index.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { EventStore, StoredEvent } from '../persistence/eventStore.ts';

export type ReplayedDiff = Readonly<{
  /** When the batch was decided (epoch ms, the actor's clock). */
  at: number;
  diff: SeatMapDiff;
}>;

export type Replay = Readonly<{
  /** The map before the first event: every seat available. */
  initial: SeatMapView;
  /** One diff per appended batch, in order, each taking the map at its `fromVersion` to its `version`. */
  diffs: AsyncIterable<ReplayedDiff>;
}>;

const instantOf = (event: StoredEvent): number => {
  const at = (event.data as { at?: unknown } | null)?.at;
  return typeof at === 'number' ? at : event.recordedAt.getTime();
};

/** One append's events share a transaction (SQL stores), else were recorded at the same instant (memory). */
const sameAppend = (a: StoredEvent, b: StoredEvent): boolean =>
  a.appendId !== undefined && b.appendId !== undefined
    ? a.appendId === b.appendId
    : a.recordedAt.getTime() === b.recordedAt.getTime();

/**
 * An on-sale played back from the log as the stream of seat-map diffs its subscribers got: the events of one append
 * were written by one transaction (StoredEvent.appendId), so consecutive events of one transaction are one batch, and
 * each batch's diff is computed as the actor computed it (seatMapDiff after evolving the batch, at the batch's time).
 */
export const replayEvent = async (
  deps: Readonly<{ store: EventStore; catalog: Catalog; pageSize?: number }>,
  eventId: string,
): Promise<Replay> => {
  const config = await deps.catalog.getEvent(eventId);
  if (config === undefined) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
  const venue = await deps.catalog.getVenue(config.venueId);
  if (venue === undefined) throw new Error(`event ${eventId} names missing venue ${config.venueId}`);
  const state = initialEventState(venue, config);
  const initial = seatMapView(state.inventory, config.saleStartsAtMs ?? 0);
  const streamId = streamIdOf(eventId);
  const pageSize = deps.pageSize ?? 5_000;

  async function* diffs(): AsyncIterable<ReplayedDiff> {
    let batch: StoredEvent[] = [];
    const flush = (): ReplayedDiff | undefined => {
      if (batch.length === 0) return undefined;
      const fromVersion = state.inventory.version;
      const events = batch.map((stored) => ({ type: stored.type, data: stored.data }) as EventStreamEvent);
      for (const event of events) evolveEvent(state, event);
      const at = instantOf(batch.at(-1)!);
      const { changes, general } = seatMapDiff(state.inventory, events, at);
      batch = [];
      return { at, diff: { eventId, fromVersion, version: state.inventory.version, changes, general } };
    };
    for (let after = 0; ; ) {
      const page = await deps.store.readStream(streamId, after, pageSize);
      for (const stored of page) {
        const previous = batch.at(-1);
        if (previous !== undefined && !sameAppend(previous, stored)) {
          const replayed = flush();
          if (replayed !== undefined) yield replayed;
        }
        batch.push(stored);
        after = stored.streamVersion;
      }
      if (page.length < pageSize) break;
    }
    const last = flush();
    if (last !== undefined) yield last;
  }

  return { initial, diffs: diffs() };
};
