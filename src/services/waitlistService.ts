import type { Activations } from '../actors/activations.ts';
import type { CommittedBatch } from '../actors/eventActor.ts';
import type { QueueSoldOutWaitlist, WaitlistEntryView, WaitlistOffer, WaitlistPosition } from '../contract/protocol.ts';
import { BookingError } from '../domain/bookingError.ts';
import {
  entryView,
  latestEntryOf,
  offerView,
  positionChanges,
  recallJoin,
  type WaitlistRequest,
  waitlistOpen,
} from '../domain/waitlist/index.ts';
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
  start(pushes: WaitlistPushes): void;
  stop(): void;
}>;

export type WaitlistServiceOptions = Readonly<{
  activations: Activations;
  onError?: (error: unknown, context: string) => void;
  /** Every offer pushed, with the batch's event time (for the offer-latency figures). */
  onOfferPushed?: (eventId: string, entryId: string) => void;
}>;

/**
 * The waitlist's application service: joins, reads and leaves through the event's actor (which runs the waitlist's
 * decider beside the inventory: an offer is decided, held and logged in the batch that freed the seats), and the
 * pushes. An offer is pushed the moment its batch is durable, from the batch's own events, with no read; the
 * positions behind it need the line, read from the actor once that batch has committed.
 */
export const createWaitlistService = (options: WaitlistServiceOptions): WaitlistService => {
  const { activations } = options;
  let pushes: WaitlistPushes | undefined;

  const entryIdOf = (eventId: string): string => `${eventId}.${newId('wl')}`;

  const pushPositions = async (eventId: string, batch: CommittedBatch): Promise<void> => {
    const actor = await activations.peek(eventId);
    if (actor === undefined) return;
    const changes = await actor.readEvent((state) => positionChanges(state.waitlist, batch.events));
    const to = pushes;
    if (to === undefined) return;
    for (const { entryId, userId, position } of changes) to.position(userId, { eventId, entryId, position });
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
      if (moved)
        pushPositions(eventId, batch).catch((error: unknown) =>
          options.onError?.(error, 'pushing waitlist positions failed'),
        );
    },

    async availability(eventId) {
      const actor = await activations.get(eventId);
      return { open: await actor.readEvent((state) => waitlistOpen(state.waitlist)) };
    },

    start(to) {
      pushes = to;
    },

    stop() {
      pushes = undefined;
    },
  };
};
