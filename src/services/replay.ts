import { streamIdOf } from '../actors/eventActor.ts';
import { BookingError } from '../domain/bookingError.ts';
import { lapsesBetween, seatMapDiff, seatMapView } from '../domain/seatMap/read.ts';
import type { GeneralChange, SeatChange, SeatMapDiff, SeatMapView } from '../domain/seatMap/views.ts';
import { type EventStreamEvent, evolveEvent, initialEventState } from '../domain/waitlist/index.ts';
import type { Catalog } from '../persistence/catalog.ts';
import { type EventStore, instantOf, type StoredEvent } from '../persistence/eventStore.ts';
import type { Clock } from '../platform/clock.ts';
import { eventStateAt } from './temporal.ts';

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

/** One append's events share a transaction (SQL stores), else were recorded at the same instant (memory). */
const sameAppend = (a: StoredEvent, b: StoredEvent): boolean =>
  a.appendId !== undefined && b.appendId !== undefined
    ? a.appendId === b.appendId
    : a.recordedAt.getTime() === b.recordedAt.getTime();

/**
 * The stream's events after `after` as its batches, read `pageSize` at a time: consecutive events `sameBatch` keeps
 * together. A batch is known to be whole once the next event is not of it (or the log ends).
 */
async function* batchesOf(
  store: EventStore,
  streamId: string,
  after: number,
  pageSize: number,
  sameBatch: (previous: StoredEvent, next: StoredEvent) => boolean,
): AsyncGenerator<StoredEvent[]> {
  let batch: StoredEvent[] = [];
  for (let from = after; ; ) {
    const read = await store.readStream(streamId, from, pageSize);
    for (const stored of read) {
      const previous = batch.at(-1);
      if (previous !== undefined && !sameBatch(previous, stored)) {
        yield batch;
        batch = [];
      }
      batch.push(stored);
      from = stored.streamVersion;
    }
    if (read.length < pageSize) break;
  }
  if (batch.length > 0) yield batch;
}

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
    for await (const batch of batchesOf(deps.store, streamId, 0, pageSize, sameAppend)) {
      const fromVersion = state.inventory.version;
      const events = batch.map((stored) => ({ type: stored.type, data: stored.data }) as EventStreamEvent);
      for (const event of events) evolveEvent(state, event);
      const at = instantOf(batch.at(-1)!);
      const { changes, general } = seatMapDiff(state.inventory, events, at);
      yield { at, diff: { eventId, fromVersion, version: state.inventory.version, changes, general } };
    }
  }

  return { initial, diffs: diffs() };
};

/**
 * One step of a replay as a reader saw the map: a committed batch (`append`: its diff, as subscribers got it) or a
 * moment no event marks (`lapse`: holds whose time ran out, read as available before the timer swept them).
 */
export type ReplayFrame = Readonly<{
  at: number;
  kind: 'append' | 'lapse';
  /** The stream version of the map once the frame is applied (a lapse leaves it as it was). */
  version: number;
  changes: readonly SeatChange[];
  general: readonly GeneralChange[];
}>;

export type ReplayPage = Readonly<{
  eventId: string;
  /** The stream version the first frame applies to (0: the map before the first event, every seat available). */
  after: number;
  frames: readonly ReplayFrame[];
  /** Where the next page starts (pass it as `after`); undefined once the page reaches the end of the log. */
  next: number | undefined;
  /** The frames account for every change up to this instant: the last batch's, or now at the end of the log. */
  until: number;
}>;

/**
 * Batches per page at most. Measured (bench/readSide.ts, docs/benchmarks.md): a 100,000-event sale whose appends carry
 * several instants each came in 17 pages of 5,000 batches and 12.1 MB of JSON, about 0.7 MB a page uncompressed.
 */
export const replayPageBatchesMax = 5_000;

/**
 * A page of an on-sale played back for a page (the display's replay): up to `limit` batches after stream version
 * `after` (a batch boundary: 0 or a page's `next`), each preceded by the lapses since the one before, and at the end
 * of the log the lapses until now. Applied in order to the map at `after`, the frames with `at <= T` give the map
 * `GET /v1/events/:id/seatmap?at=T` answers (the same state, read at T with lazy expiry). The page starts from the
 * nearest snapshot at or below `after`, so paging through a long sale costs each page its own events.
 */
export const replayPage = async (
  deps: Readonly<{ store: EventStore; catalog: Catalog; clock: Clock; replayPageSize?: number }>,
  eventId: string,
  page: Readonly<{ after: number; limit: number }>,
): Promise<ReplayPage> => {
  const config = await deps.catalog.getEvent(eventId);
  if (config === undefined) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
  const venue = await deps.catalog.getVenue(config.venueId);
  if (venue === undefined) throw new Error(`event ${eventId} names missing venue ${config.venueId}`);
  const streamId = streamIdOf(eventId);
  const [start] = page.after === 0 ? [] : await deps.store.readStreamVersions(streamId, [page.after]);
  if (page.after > 0 && start === undefined)
    throw new BookingError('INVALID_INPUT', `after ${page.after} is beyond the end of the event's log`);
  const state = await eventStateAt(deps, { venue, config, streamId }, page.after);
  const frames: ReplayFrame[] = [];
  let previousAt = start === undefined ? Number.NEGATIVE_INFINITY : instantOf(start);
  const lapsesUntil = (untilMs: number) => {
    for (const lapse of lapsesBetween(state.inventory, previousAt, untilMs))
      frames.push({ kind: 'lapse', version: state.inventory.version, ...lapse });
  };
  const apply = (batch: readonly StoredEvent[]) => {
    const at = instantOf(batch.at(-1)!);
    lapsesUntil(at);
    const events = batch.map((stored) => ({ type: stored.type, data: stored.data }) as EventStreamEvent);
    for (const event of events) evolveEvent(state, event);
    const { changes, general } = seatMapDiff(state.inventory, events, at);
    frames.push({ at, kind: 'append', version: state.inventory.version, changes, general });
    previousAt = at;
  };

  // A batch whose events carry different instants is split where they change: `?at=` reads the log event by event, at
  // each one's instant. A batch past the page's `limit` is not applied: the next page starts with it.
  const sameFrame = (previous: StoredEvent, next: StoredEvent) =>
    sameAppend(previous, next) && instantOf(previous) === instantOf(next);
  let batches = 0;
  for await (const batch of batchesOf(deps.store, streamId, page.after, deps.replayPageSize ?? 5_000, sameFrame)) {
    if (batches === page.limit)
      return { eventId, after: page.after, frames, next: state.inventory.version, until: previousAt };
    apply(batch);
    batches += 1;
  }
  const now = Math.max(deps.clock.now(), previousAt);
  lapsesUntil(now);
  return { eventId, after: page.after, frames, next: undefined, until: now };
};
