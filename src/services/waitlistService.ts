import type { Activations } from '../actors/activations.ts';
import type { CommittedBatch } from '../actors/eventActor.ts';
import type { QueueSoldOutWaitlist, WaitlistEntryView, WaitlistOffer, WaitlistPosition } from '../contract/protocol.ts';
import { BookingError } from '../domain/bookingError.ts';
import {
  entryView,
  latestEntryOf,
  offerView,
  positionsToTell,
  recallJoin,
  type WaitlistRequest,
  waitlistOpen,
} from '../domain/waitlist/index.ts';
import type { Clock } from '../platform/clock.ts';
import { eventIdOfHold, newId } from '../platform/ids.ts';

/** Where the waitlist's pushes go: the buyer's own sockets. */
export type WaitlistPushes = Readonly<{
  offer(userId: string, push: WaitlistOffer): void;
  position(userId: string, push: WaitlistPosition): void;
}>;

export type WaitlistService = Readonly<{
  /** Joins the event's waitlist; the same request again (or the same requestId) answers with the same entry. */
  join(eventId: string, userId: string, requestId: string, request: WaitlistRequest): Promise<WaitlistEntryView>;
  /** The buyer's latest entry at the event (waiting, offered or ended), or NOT_FOUND. */
  me(eventId: string, userId: string): Promise<WaitlistEntryView>;
  /** Leaves the line; an offer the entry holds is given up. Leaving an ended entry changes nothing. */
  leave(entryId: string, userId: string, requestId: string): Promise<void>;
  /** The committed-batch listener: offers and position changes are pushed from the events that record them. */
  onCommitted(batch: CommittedBatch): void;
  /** Whether the event's waitlist takes new entries now, as `queue:soldout {waitlist}` announces it. */
  availability(eventId: string): Promise<QueueSoldOutWaitlist>;
  /** The position bookkeeping held now: events with a record, and entries whose last told place is kept. */
  tracked(): { events: number; entries: number };
  start(pushes: WaitlistPushes): void;
  stop(): void;
}>;

export type WaitlistServiceOptions = Readonly<{
  activations: Activations;
  clock: Clock;
  /**
   * Positions are told at most once per this many ms per event (default 250): the first move at once, the moves
   * after it gathered into one telling when the interval is up. Every offer moves everyone behind it, so telling each
   * batch's moves at once pushed to the whole line per offer, in the turn that answers the commands of the batch.
   */
  positionPushIntervalMs?: number;
  onError?: (error: unknown, context: string) => void;
  /** Every offer pushed, with the batch's event time (for the offer-latency figures). */
  onOfferPushed?: (eventId: string, entryId: string) => void;
}>;

/** Position pushes written per turn of the event loop: a long line is told in slices, with I/O in between. */
const positionPushesPerTurn = 256;

/**
 * Per event: what each waiting entry was last told, and the telling under way or due. Bounded: each telling keeps the
 * places of the entries still waiting only; an event's record goes once a telling finds its line empty or its actor
 * stopped, and a new record sweeps out those of events whose actor has stopped since (passivated, evicted).
 */
type Telling = {
  told: Map<string, number>;
  /** The line moved since the last telling began. */
  dirty: boolean;
  running: boolean;
  lastAt: number | undefined;
  cancelTimer: (() => void) | undefined;
};

/**
 * The waitlist's application service: joins, reads and leaves through the event's actor (which runs the waitlist's
 * decider beside the inventory: an offer is decided, held and logged in the batch that freed the seats), and the
 * pushes. An offer is pushed the moment its batch is durable, from the batch's own events, with no read. Positions are
 * coalesced: a move marks the event's line, and a telling (one read of the line from the actor, then a push to each
 * waiting entry whose place differs from what it was last told) runs at once if none ran in the last
 * `positionPushIntervalMs`, else when that interval is up; never two at once for one event.
 */
export const createWaitlistService = (options: WaitlistServiceOptions): WaitlistService => {
  const { activations, clock } = options;
  const intervalMs = options.positionPushIntervalMs ?? 250;
  let pushes: WaitlistPushes | undefined;
  const tellings = new Map<string, Telling>();

  const entryIdOf = (eventId: string): string => `${eventId}.${newId('wl')}`;

  /** No telling under way or due: the record can go without losing a move. */
  const idle = (telling: Telling) => !telling.running && !telling.dirty && telling.cancelTimer === undefined;

  const tellingOf = (eventId: string): Telling => {
    let telling = tellings.get(eventId);
    if (telling === undefined) {
      // Records are made once per event and line, rarely: each new one drops those of actors stopped since.
      for (const [otherId, other] of tellings)
        if (idle(other) && activations.peek(otherId) === undefined) tellings.delete(otherId);
      telling = { told: new Map(), dirty: false, running: false, lastAt: undefined, cancelTimer: undefined };
      tellings.set(eventId, telling);
    }
    return telling;
  };

  /** Forgets the event's record when nothing is waiting to be told (an empty line, or an actor no longer here). */
  const dropIfDone = (eventId: string, telling: Telling, lineEmpty: boolean) => {
    if (lineEmpty && idle(telling) && tellings.get(eventId) === telling) tellings.delete(eventId);
  };

  const tell = async (eventId: string, telling: Telling): Promise<void> => {
    telling.running = true;
    telling.dirty = false;
    telling.lastAt = clock.now();
    // The actor stopped (its line is told afresh if it comes back), or the line emptied: the record goes after this.
    let lineEmpty = true;
    try {
      const actor = await activations.peek(eventId);
      if (actor === undefined) return;
      const { changes, told } = await actor.readEvent((state) => positionsToTell(state.waitlist, telling.told));
      telling.told = told;
      lineEmpty = told.size === 0;
      for (let index = 0; index < changes.length; index += positionPushesPerTurn) {
        if (index > 0) await new Promise((resolve) => setImmediate(resolve));
        const to = pushes;
        if (to === undefined) return;
        for (const { entryId, userId, position } of changes.slice(index, index + positionPushesPerTurn))
          to.position(userId, { eventId, entryId, position });
      }
    } finally {
      telling.running = false;
      if (telling.dirty) schedule(eventId, telling);
      else dropIfDone(eventId, telling, lineEmpty);
    }
  };

  const schedule = (eventId: string, telling: Telling): void => {
    telling.dirty = true;
    if (telling.running || telling.cancelTimer !== undefined) return;
    const waitMs = telling.lastAt === undefined ? 0 : telling.lastAt + intervalMs - clock.now();
    const run = () => {
      telling.cancelTimer = undefined;
      tell(eventId, telling).catch((error: unknown) => options.onError?.(error, 'pushing waitlist positions failed'));
    };
    if (waitMs <= 0) run();
    else telling.cancelTimer = clock.setTimer(waitMs, run);
  };

  return {
    async join(eventId, userId, requestId, request) {
      const actor = await activations.get(eventId);
      const entryId = entryIdOf(eventId);
      await actor.send((now) => ({ type: 'JoinWaitlist', data: { entryId, userId, requestId, request, now } }));
      const view = await actor.readEvent((state) => {
        const entry = recallJoin(state.waitlist, userId, requestId) ?? latestEntryOf(state.waitlist, userId);
        return entry === undefined ? undefined : entryView(state.waitlist, entry);
      });
      if (view === undefined) throw new Error(`the waitlist join ${requestId} left no entry`);
      // Its place is in the answer: a telling tells it again only once it moves.
      if (typeof view.position === 'number') tellingOf(eventId).told.set(view.entryId, view.position);
      return view;
    },

    async me(eventId, userId) {
      const actor = await activations.get(eventId);
      const view = await actor.readEvent((state) => {
        const entry = latestEntryOf(state.waitlist, userId);
        return entry === undefined ? undefined : entryView(state.waitlist, entry);
      });
      if (view === undefined) throw new BookingError('NOT_FOUND', 'you are not on the waitlist of this event');
      return view;
    },

    async leave(entryId, userId, requestId) {
      const eventId = eventIdOfHold(entryId);
      if (eventId === undefined) throw new BookingError('WAITLIST_ENTRY_NOT_FOUND', `no waitlist entry ${entryId}`);
      const actor = await activations.get(eventId).catch((error: unknown) => {
        throw error instanceof BookingError && error.code === 'NOT_FOUND'
          ? new BookingError('WAITLIST_ENTRY_NOT_FOUND', `no waitlist entry ${entryId}`)
          : error;
      });
      await actor.send((now) => ({ type: 'LeaveWaitlist', data: { entryId, userId, requestId, now } }));
    },

    onCommitted(batch) {
      const to = pushes;
      if (to === undefined) return;
      const { eventId } = batch.diff;
      let moved = false;
      for (const event of batch.events) {
        if (event.type === 'WaitlistLeft') moved = true;
        if (event.type !== 'WaitlistOffered') continue;
        moved = true;
        const { entryId, userId } = event.data;
        to.offer(userId, { eventId, entryId, hold: offerView(event.data) });
        options.onOfferPushed?.(eventId, entryId);
      }
      if (moved) schedule(eventId, tellingOf(eventId));
    },

    async availability(eventId) {
      const actor = await activations.get(eventId);
      return { open: await actor.readEvent((state) => waitlistOpen(state.waitlist)) };
    },

    tracked() {
      let entries = 0;
      for (const telling of tellings.values()) entries += telling.told.size;
      return { events: tellings.size, entries };
    },

    start(to) {
      pushes = to;
    },

    stop() {
      pushes = undefined;
      for (const telling of tellings.values()) telling.cancelTimer?.();
      tellings.clear();
    },
  };
};
