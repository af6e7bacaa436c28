import { etaSecondsOf, turnoverPerSecond } from './admission.ts';
import { ratePerSecond } from './rateWindow.ts';
import { queueIdOf, shuffleAlgorithm } from './shuffle.ts';
import {
  type EntryStatus,
  entryCount,
  entryStatus,
  entryStatusNames,
  positionOf,
  type QueueState,
  waitingCount,
} from './state.ts';

/**
 * Reads of the waiting room for answers, polls and admin pages. All pure; none walks the line, so each costs
 * O(log n) at most, except the fairness record (built once after the shuffle: cache it).
 */

export type QueueEntryView = Readonly<{
  queueId: string;
  state: EntryStatus;
  /** 1-based among the buyers waiting in line; absent in the pre-queue (until the shuffle) and once out of line. */
  position?: number;
  etaSeconds?: number;
  /** When the admission ends; the shell signs the admission token with it. */
  admission?: Readonly<{ expiresAt: number }>;
}>;

/**
 * The buyer's latest entry as the join answer and `GET …/queue/me` show it, or undefined when they never joined.
 * The wire's states are `prequeue | queued | admitted | soldout`; an ended entry shows what ended it.
 */
export const queueEntryOf = (state: QueueState, userId: string, now: number): QueueEntryView | undefined => {
  if (state.room === undefined) return undefined;
  const entry = state.users.latestOf(userId);
  if (entry < 0) return undefined;
  return entryView(state, entry, now);
};

export const entryView = (state: QueueState, entry: number, now: number): QueueEntryView => {
  const code = state.status[entry]!;
  const view = { queueId: queueIdOf(entry), state: entryStatusNames[code]! };
  const position = positionOf(state, entry);
  if (position !== undefined) return { ...view, position, etaSeconds: etaSecondsOf(state, position, now) };
  if (code === entryStatus.admitted) return { ...view, admission: { expiresAt: state.admitted.get(entry)! } };
  return view;
};

/**
 * The buyer's admission when it is valid at `now`: what a hold needs while the room is engaged. The shell's signed
 * token says the same without asking the actor; this is the actor's own answer.
 */
export const admissionOf = (
  state: QueueState,
  userId: string,
  now: number,
): Readonly<{ queueId: string; expiresAt: number }> | undefined => {
  if (state.room === undefined) return undefined;
  const entry = state.users.latestOf(userId);
  const expiresAt = entry < 0 ? undefined : state.admitted.get(entry);
  return expiresAt === undefined || expiresAt <= now ? undefined : { queueId: queueIdOf(entry), expiresAt };
};

/** Whether holds must carry an admission now. */
export const isRoomEngaged = (state: QueueState): boolean => state.room !== undefined && state.engaged;

export type FairnessRecord = Readonly<{
  commitment: string;
  algorithm: string;
  /** Revealed by the shuffle, with the order it produced (queue ids, position 1 first). */
  seed?: string;
  order?: readonly string[];
}>;

/** `GET /v1/events/:id/queue/fairness`; undefined without a room. Never changes after the shuffle, so cache it. */
export const fairnessRecord = (state: QueueState): FairnessRecord | undefined => {
  if (state.room === undefined) return undefined;
  const { commitment, seed } = state.room;
  if (!state.shuffled) return { commitment, algorithm: shuffleAlgorithm };
  const order = new Array<string>(state.shuffledCount);
  for (let slot = 0; slot < state.shuffledCount; slot++) order[slot] = queueIdOf(state.line[slot]!);
  return { commitment, algorithm: shuffleAlgorithm, seed, order };
};

export type QueuePhase = 'closed' | 'prequeue' | 'open' | 'released' | 'soldout';

export type QueueStats = Readonly<{
  phase: QueuePhase;
  engaged: boolean;
  /** In the pre-queue or in line. */
  waiting: number;
  prequeue: number;
  /** Admitted and still choosing. */
  admitted: number;
  admittedTotal: number;
  entries: number;
  byState: Readonly<Record<EntryStatus, number>>;
  /** Admissions that replaced a finished buyer, per second over the last minute: the ETA's rate. */
  admissionRatePerSecond: number;
  finishRatePerSecond: number;
  /** Admissions per second if every admitted buyer used all their time. */
  turnoverPerSecond: number;
}>;

/** `GET /v1/events/:id/queue/stats` (admin) and the metrics. */
export const queueStats = (state: QueueState, now: number): QueueStats => {
  const room = state.room;
  const byState = Object.fromEntries(entryStatusNames.map((name, code) => [name, state.counts[code]!])) as Record<
    EntryStatus,
    number
  >;
  return {
    phase: phaseOf(state, now),
    engaged: state.engaged,
    waiting: waitingCount(state),
    prequeue: state.counts[entryStatus.prequeue]!,
    admitted: state.admitted.size,
    admittedTotal: state.admittedTotal,
    entries: entryCount(state),
    byState,
    admissionRatePerSecond: ratePerSecond(state.admissionRate, now),
    finishRatePerSecond: ratePerSecond(state.finishRate, now),
    turnoverPerSecond: room === undefined ? 0 : turnoverPerSecond(room.config),
  };
};

const phaseOf = (state: QueueState, now: number): QueuePhase => {
  if (state.room === undefined) return 'closed';
  if (state.soldOut) return 'soldout';
  if (!state.engaged) return state.counts[entryStatus.released]! > 0 ? 'released' : 'closed';
  return !state.shuffled && now < state.room.config.saleStartsAt ? 'prequeue' : 'open';
};

/**
 * When the actor's timer should next send a command to the room: the shuffle at `saleStartsAt` (ShufflePreQueue),
 * or the first admission to run out (AdmitNext, which expires it and admits the next). Undefined: nothing is due.
 */
export const nextQueueTimerAt = (state: QueueState): number | undefined => {
  if (state.room === undefined) return undefined;
  const shuffleAt = state.shuffled ? undefined : state.room.config.saleStartsAt;
  const first = state.admitted.values().next();
  const expiryAt = first.done ? undefined : first.value;
  if (shuffleAt === undefined) return expiryAt;
  return expiryAt === undefined ? shuffleAt : Math.min(shuffleAt, expiryAt);
};

/**
 * Whether the actor's timer should send the room a tick now (TickRoom, which shuffles, expires, admits and declares
 * the sell-out): from the opening on, while the room is engaged, someone is admitted, or the shuffle is still due.
 * A tick that finds nothing to do writes nothing.
 */
export const isRoomTickDue = (state: QueueState, now: number): boolean =>
  state.room !== undefined &&
  !state.soldOut &&
  now >= state.room.config.saleStartsAt &&
  (state.engaged || state.admitted.size > 0 || !state.shuffled);

/**
 * A room with something ahead of it (a shuffle to come, buyers waiting or admitted) keeps its actor active: its
 * timer must run, and the sale's first second must not pay an activation.
 */
export const isRoomLive = (state: QueueState): boolean =>
  state.room !== undefined && !state.soldOut && (!state.shuffled || waitingCount(state) > 0 || state.admitted.size > 0);
