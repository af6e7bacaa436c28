import type { Activations } from '../actors/activations.ts';
import type { CommittedBatch, EventActor } from '../actors/eventActor.ts';
import type {
  QueueAdmitted,
  QueueEntryView as QueueEntryWire,
  QueuePosition,
  QueueReleased,
  QueueSoldOut,
  QueueSoldOutWaitlist,
} from '../contract/protocol.ts';
import { BookingError } from '../domain/bookingError.ts';
import { PositionPushCursor, type PositionPushPolicy, positionPushes } from '../domain/queue/positionPushes.ts';
import {
  type FairnessRecord,
  fairnessRecord,
  type QueueEntryView,
  type QueueStats,
  queueEntryOf,
  queueStats,
} from '../domain/queue/read.ts';
import { type Clock, repeatTimer } from '../platform/clock.ts';
import type { AdmissionTokens } from './admissionTokens.ts';
import type { QueueMetrics } from './queueMetrics.ts';

/** Where the waiting room's pushes go: the buyer's own sockets, or every socket waiting in an event's room. */
export type QueuePushes = Readonly<{
  position(userId: string, push: QueuePosition): void;
  admitted(userId: string, push: QueueAdmitted): void;
  soldOut(push: QueueSoldOut): void;
  released(push: QueueReleased): void;
}>;

export type QueueService = Readonly<{
  /** Joins the buyer to the event's waiting room (joining again answers with the same entry). */
  join(eventId: string, userId: string, options?: Readonly<{ atBack?: boolean }>): Promise<QueueEntryWire>;
  /** The buyer's entry, or NOT_FOUND when they never joined. */
  me(eventId: string, userId: string): Promise<QueueEntryWire>;
  /** The commitment, and after the shuffle the seed and the pre-queue's order; NOT_FOUND without a room. */
  fairness(eventId: string): Promise<FairnessRecord>;
  /** Admin figures; NOT_FOUND without a room. */
  stats(eventId: string): Promise<QueueStats>;
  /** The committed-batch listener: admissions, the sell-out and a release are pushed from the events that record them. */
  onCommitted(batch: CommittedBatch): void;
  /** Starts the position pushes, one round per `tickMs` on the clock. */
  start(pushes: QueuePushes): void;
  stop(): void;
}>;

export type QueueServiceOptions = Readonly<{
  activations: Activations;
  clock: Clock;
  tokens: AdmissionTokens;
  /** How often positions are pushed (each round is bounded by `pushPolicy`). Default 1,000 ms. */
  tickMs?: number;
  pushPolicy?: PositionPushPolicy;
  metrics?: QueueMetrics;
  /**
   * The event's waitlist as the sell-out push announces it (`queue:soldout {waitlist}`); absent, or answering
   * undefined: the push carries no `waitlist`. startServer.ts wires the waitlist service here.
   */
  waitlistOf?: (eventId: string) => Promise<QueueSoldOutWaitlist | undefined>;
  /** Every join, for the hybrid switch's request rate (autoEngage.ts). */
  onJoin?: (eventId: string) => void;
  onError?: (error: unknown, context: string) => void;
}>;

export const queueTickMsDefault = 1_000;

/**
 * The waiting room's application service: joins and reads through the event's actor, admission tokens signed for
 * admitted buyers, and the pushes. Positions are pushed in rounds: each round reads, from every active event whose
 * room has a line, the buyers whose position changed meaningfully (positionPushes: bounded work per round however
 * long the line), as a read of committed state through the actor's mailbox.
 */
export const createQueueService = (options: QueueServiceOptions): QueueService => {
  const { activations, clock, tokens } = options;
  const cursors = new WeakMap<EventActor, PositionPushCursor>();
  const fairnessCache = new WeakMap<EventActor, FairnessRecord>();
  let pushes: QueuePushes | undefined;
  let stopTicks: (() => void) | undefined;
  let round: Promise<void> | undefined;

  const wire = async (eventId: string, userId: string, view: QueueEntryView): Promise<QueueEntryWire> => {
    const { admission, ...rest } = view;
    if (admission === undefined) return rest;
    const token = await tokens.sign({ userId, eventId, queueId: view.queueId, expiresAt: admission.expiresAt });
    return { ...rest, admission: { token, expiresAt: iso(admission.expiresAt) } };
  };

  const entryOf = async (actor: EventActor, eventId: string, userId: string): Promise<QueueEntryWire> => {
    const view = await actor.read((state, now) => queueEntryOf(state.queue, userId, now));
    if (view === undefined) throw new BookingError('NOT_FOUND', 'you are not in the waiting room of this event');
    return wire(eventId, userId, view);
  };

  const withRoom = async <T>(eventId: string, read: (actor: EventActor) => Promise<T | undefined>): Promise<T> => {
    const found = await read(await activations.get(eventId));
    if (found === undefined) throw new BookingError('NOT_FOUND', `event ${eventId} has no waiting room`);
    return found;
  };

  /** Everyone waiting hears it once; with the waitlist's state when there is one (a read after the sell-out's batch). */
  const pushSoldOut = (to: QueuePushes, eventId: string): void => {
    const waitlistOf = options.waitlistOf;
    if (waitlistOf === undefined) {
      to.soldOut({ eventId });
      return;
    }
    waitlistOf(eventId).then(
      (waitlist) => to.soldOut(waitlist === undefined ? { eventId } : { eventId, waitlist }),
      (error: unknown) => {
        // The sell-out still reaches everyone; without a waitlist offer the page shows a plain sold-out view.
        options.onError?.(error, 'reading the waitlist for the sell-out push failed');
        to.soldOut({ eventId });
      },
    );
  };

  const pushRound = async (): Promise<void> => {
    if (pushes === undefined) return;
    for (const actor of await activations.running()) {
      let cursor = cursors.get(actor);
      if (cursor === undefined) {
        cursor = new PositionPushCursor();
        cursors.set(actor, cursor);
      }
      const counted = cursor;
      const sampled = await actor
        .read((state, now) => ({
          due:
            state.queue.engaged && state.queue.shuffled
              ? positionPushes(state.queue, counted, now, options.pushPolicy)
              : [],
          stats: state.queue.room === undefined ? undefined : queueStats(state.queue, now),
        }))
        // An actor recovering from a store failure refuses reads: its buyers hear at the next round.
        .catch(() => ({ due: [], stats: undefined }));
      if (sampled.stats !== undefined) options.metrics?.sample(actor.eventId, sampled.stats);
      for (const { userId, queueId, position, etaSeconds } of sampled.due) {
        pushes.position(userId, { eventId: actor.eventId, queueId, state: 'queued', position, etaSeconds });
      }
    }
  };

  return {
    async join(eventId, userId, joinOptions) {
      options.onJoin?.(eventId);
      const actor = await activations.get(eventId);
      // A risky session (the front door's risk stage) waits at the back of the room.
      const atBack = joinOptions?.atBack === true;
      await actor.send((now) => ({ type: 'JoinQueue', data: atBack ? { userId, now, atBack } : { userId, now } }));
      return entryOf(actor, eventId, userId);
    },

    async me(eventId, userId) {
      return entryOf(await activations.get(eventId), eventId, userId);
    },

    fairness: (eventId) =>
      withRoom(eventId, async (actor) => {
        const cached = fairnessCache.get(actor);
        if (cached !== undefined) return cached;
        const record = await actor.read((state) => fairnessRecord(state.queue));
        // Built once: after the shuffle the record never changes (an O(n) list of a million queue ids).
        if (record?.seed !== undefined) fairnessCache.set(actor, record);
        return record;
      }),

    stats: (eventId) =>
      withRoom(eventId, (actor) =>
        actor.read((state, now) => (state.queue.room === undefined ? undefined : queueStats(state.queue, now))),
      ),

    onCommitted(batch) {
      options.metrics?.observe(batch);
      const { diff, events } = batch;
      if (pushes === undefined) return;
      const { eventId } = diff;
      for (const event of events) {
        if (event.type === 'QueueSoldOut') pushSoldOut(pushes, eventId);
        if (event.type === 'RoomReleased') pushes.released({ eventId });
        if (event.type !== 'AdmissionsGranted') continue;
        for (const { userId, queueId, expiresAt } of event.data.admissions) {
          const to = pushes;
          tokens.sign({ userId, eventId, queueId, expiresAt }).then(
            (token) => to.admitted(userId, { eventId, queueId, token, expiresAt: iso(expiresAt) }),
            (error: unknown) => options.onError?.(error, 'signing an admission token failed'),
          );
        }
      }
    },

    start(to) {
      pushes = to;
      stopTicks ??= repeatTimer(clock, options.tickMs ?? queueTickMsDefault, () => {
        // One round at a time: a slow round (a store outage) is not stacked behind by the next.
        if (round !== undefined) return;
        round = pushRound()
          .catch((error: unknown) => options.onError?.(error, 'a round of queue position pushes failed'))
          .finally(() => {
            round = undefined;
          });
      });
    },

    stop() {
      stopTicks?.();
      stopTicks = undefined;
      pushes = undefined;
    },
  };
};

const iso = (ms: number): string => new Date(ms).toISOString();
