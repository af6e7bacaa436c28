import { type ActivationOptions, Activations } from '../actors/activations.ts';
import type { EventActor } from '../actors/eventActor.ts';
import { SeatMapCache, type SeatMapCacheOptions, type SeatMapRendition } from '../actors/seatMapCache.ts';
import { BookingError } from '../domain/bookingError.ts';
import { holdView } from '../domain/seatMap/read.ts';
import type { HoldRequest, HoldView } from '../domain/seatMap/views.ts';
import type { EventConfig, Venue } from '../domain/venue.ts';
import { type Catalog, CatalogConflictError } from '../persistence/catalog.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import type { Clock } from '../platform/clock.ts';
import { eventIdOfHold, newHoldId, newId } from '../platform/ids.ts';
import type { BookingService, HoldOptions } from './bookingService.ts';
import { createLayoutCache } from './eventLayout.ts';
import { replayPage } from './replay.ts';
import { roomSetUps } from './roomSetUp.ts';
import { createTemporalReads } from './temporal.ts';

export type BookingCoreOptions = Readonly<{
  store: EventStore;
  catalog: Catalog;
  clock: Clock;
  closeStore: () => Promise<void>;
  /** How each event's seat map is cached and how often it may be rendered. */
  seatMapCache?: SeatMapCacheOptions;
  /** Told of every hold refused SOLD_OUT from the stock counter, without entering the mailbox (metrics, tests). */
  onSoldOutRefused?: (eventId: string) => void;
  /** The store's cached health (see storeHealth.ts): not ready while it is down. Default: always up. */
  storeUp?: () => boolean;
}> &
  Pick<
    ActivationOptions,
    'actor' | 'onCommitted' | 'onActivated' | 'onError' | 'onRecovery' | 'idleMs' | 'claim' | 'released'
  >;

export type BookingCore = BookingService &
  Readonly<{
    activations: Activations;
    /** Called once everything around the core is wired: from then on `ready()` is true until drain. */
    markStarted(): void;
  }>;

/** The booking service over event actors: routes each call to its event's actor and shapes the answer. */
export const createBookingCore = (options: BookingCoreOptions): BookingCore => {
  const { catalog } = options;
  const setUpRoom = roomSetUps();
  const activations = new Activations({
    ...options,
    onActivated: (actor) => {
      // Before anything else reaches it: the actor's mailbox takes the set-up ahead of later requests.
      setUpRoom(actor).catch((error: unknown) => options.onError?.(error, 'setting up the waiting room failed'));
      options.onActivated?.(actor);
    },
  });
  let draining = false;
  let started = false;

  const temporal = createTemporalReads(options);

  // One cache per actor: it goes with the actor when the actor is passivated.
  const seatMaps = new WeakMap<EventActor, SeatMapCache>();

  const layouts = createLayoutCache(async (eventId) => {
    const event = await catalog.getEvent(eventId);
    if (event === undefined) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
    const venue = await catalog.getVenue(event.venueId);
    if (venue === undefined) throw new BookingError('NOT_FOUND', `no venue ${event.venueId}`);
    return { event, venue };
  });

  const actorOf = (eventId: string) => {
    if (draining) throw new BookingError('UNAVAILABLE', 'the server is shutting down');
    return activations.get(eventId);
  };

  /**
   * The event's actor when it is running here now (no promise to wait for), as `actorOf` would resolve it; undefined
   * while it activates, or while draining (then `actorOf` refuses).
   */
  const runningNow = (eventId: string) => (draining ? undefined : activations.runningNow(eventId));

  /**
   * `use` on the event's actor: called at once when the actor is running, else once it is activated. Either way a
   * throw becomes the promise's rejection, as in an async function. Holds and releases take this path: an `await` of an
   * activation that settled long ago, and the async function around it, were two more promises (and a suspended frame)
   * that every request kept alive while its batch was appended.
   */
  const withActor = <T>(
    eventId: string,
    use: (actor: EventActor) => Promise<T>,
    activationFailed?: (error: unknown) => never,
  ): Promise<T> => {
    try {
      const running = runningNow(eventId);
      if (running !== undefined) return use(running);
      const activation = actorOf(eventId);
      return (activationFailed === undefined ? activation : activation.catch(activationFailed)).then(use);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const placeHold = (
    actor: EventActor,
    eventId: string,
    userId: string,
    requestId: string,
    request: HoldRequest,
    { admittedUntil, replacesHoldId }: HoldOptions,
  ): Promise<HoldView> => {
    // The sold-out fast path: refused from the counter the actor keeps per committed batch, never queued behind the
    // batches of buyers who can still get seats. A hold that replaces the buyer's own skips it: the seats the buyer
    // holds count as free for it, which the counter cannot know.
    const soldOut = replacesHoldId === undefined ? actor.soldOutRefusal(userId, requestId, request) : undefined;
    if (soldOut !== undefined) {
      options.onSoldOutRefused?.(eventId);
      return Promise.reject(soldOut);
    }
    const holdId = newHoldId(eventId);
    const extras = {
      ...(admittedUntil === undefined ? {} : { admittedUntil }),
      ...(replacesHoldId === undefined ? {} : { replacesHoldId }),
    };
    return actor
      .send((now) => ({ type: 'PlaceHold', data: { holdId, userId, requestId, request, now, ...extras } }), {
        userId,
        requestId,
      })
      .then((reply) => {
        if (reply.outcome?.kind !== 'hold') throw keyReusedFor(requestId);
        return holdView(reply.outcome);
      });
  };

  const releaseHold = (actor: EventActor, holdId: string, userId: string, requestId: string): Promise<void> =>
    actor
      .send((now) => ({ type: 'ReleaseHold', data: { holdId, userId, requestId, now } }), { userId, requestId })
      .then((reply) => {
        if (reply.outcome !== undefined && reply.outcome.kind !== 'release') throw keyReusedFor(requestId);
      });

  return {
    activations,

    async createVenue(input) {
      const venue: Venue = { ...input, id: input.id ?? newId('ven') };
      const seatIds = new Set<string>();
      for (const section of venue.sections) {
        if (section.kind !== 'seated') continue;
        for (const row of section.rows) {
          for (const seat of row.seats) {
            if (seatIds.has(seat.id)) throw new BookingError('INVALID_INPUT', `seat id ${seat.id} appears twice`);
            seatIds.add(seat.id);
          }
        }
      }
      if (new Set(venue.sections.map((section) => section.id)).size !== venue.sections.length) {
        throw new BookingError('INVALID_INPUT', 'section ids must be unique');
      }
      await catalog.createVenue(venue).catch(conflictAsExisting);
      return { id: venue.id };
    },

    async createEvent(input) {
      const event: EventConfig = { ...input, id: input.id ?? newId('evt') };
      if (event.id.includes('.')) throw new BookingError('INVALID_INPUT', 'event ids must not contain "."');
      // The server's clock decides what "past" is, so tests (and a skewed admin machine) agree with the actors.
      if (Date.parse(event.startsAt) <= options.clock.now()) {
        throw new BookingError('INVALID_INPUT', `startsAt ${event.startsAt} is in the past`);
      }
      const venue = await catalog.getVenue(event.venueId);
      if (venue === undefined) throw new BookingError('NOT_FOUND', `no venue ${event.venueId}`);
      const tiers = new Set<string>();
      for (const section of venue.sections) {
        if (section.kind === 'general') tiers.add(section.priceTier);
        else for (const row of section.rows) for (const seat of row.seats) tiers.add(seat.priceTier);
      }
      // Own properties only: Object.prototype would "price" tiers named toString or constructor.
      const unpriced = [...tiers].filter((tier) => !Object.hasOwn(event.priceTiers, tier));
      if (unpriced.length > 0) throw new BookingError('INVALID_INPUT', `priceTiers lacks ${unpriced.join(', ')}`);
      await catalog.createEvent(event).catch(conflictAsExisting);
      // The room's seed is committed (its hash published) as the event is created, before anyone can join.
      if (event.waitingRoom !== undefined) await setUpRoom(await activations.get(event.id));
      return { id: event.id };
    },

    async getEvent(eventId) {
      const event = await catalog.getEvent(eventId);
      if (event === undefined) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
      return event;
    },

    listEvents: (limit) => catalog.listEvents(limit),

    async getVenue(venueId) {
      const venue = await catalog.getVenue(venueId);
      if (venue === undefined) throw new BookingError('NOT_FOUND', `no venue ${venueId}`);
      return venue;
    },

    async seatMap(eventId): Promise<SeatMapRendition> {
      const actor = await actorOf(eventId);
      let cache = seatMaps.get(actor);
      if (cache === undefined) {
        cache = new SeatMapCache(actor, options.clock, options.seatMapCache);
        seatMaps.set(actor, cache);
      }
      return cache.get();
    },

    currentSeatMap(eventId) {
      // The running actor's cache (a passivated or evicted actor is no longer `runningNow`, so its frames never answer).
      const actor = runningNow(eventId);
      return actor === undefined ? undefined : seatMaps.get(actor)?.current();
    },

    seatMapAt: (eventId, atMs) => temporal.seatMapAt(eventId, atMs),

    replay: (eventId, page) => replayPage(options, eventId, page),

    async committedVersion(eventId) {
      // Not refused while draining (unlike commands): a resuming subscriber is still answered from the diffs kept.
      return (await activations.get(eventId)).version;
    },

    layout: (eventId) => layouts(eventId),

    hold(eventId, userId, requestId, request: HoldRequest, holdOptions: HoldOptions = {}): Promise<HoldView> {
      return withActor(eventId, (actor) => placeHold(actor, eventId, userId, requestId, request, holdOptions));
    },

    release(holdId, userId, requestId) {
      const eventId = eventIdOfHold(holdId);
      if (eventId === undefined) return Promise.reject(new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`));
      // An event nobody serves is the hold's absence; the actor's own refusals pass as they are.
      const holdNotFound = (error: unknown): never => {
        throw error instanceof BookingError && error.code === 'NOT_FOUND'
          ? new BookingError('HOLD_NOT_FOUND', `no hold ${holdId}`)
          : error;
      };
      return withActor(eventId, (actor) => releaseHold(actor, holdId, userId, requestId), holdNotFound);
    },

    ready: () => started && !draining && (options.storeUp?.() ?? true),

    markStarted() {
      started = true;
    },

    async drain() {
      if (draining) return;
      draining = true;
      await activations.stopAll();
      await options.closeStore();
    },
  };
};

const keyReusedFor = (requestId: string): BookingError =>
  new BookingError('IDEMPOTENCY_KEY_REUSED', `requestId ${requestId} was used before for another kind of request`);

const conflictAsExisting = (error: unknown): never => {
  if (error instanceof CatalogConflictError) throw new BookingError('ALREADY_EXISTS', error.message);
  throw error;
};
