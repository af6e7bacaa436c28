import { EntryUsers, grow } from './entryUsers.ts';
import { Fenwick } from './fenwick.ts';
import { emptyRateWindow, type RateWindow } from './rateWindow.ts';
import type { RoomConfig } from './room.ts';

/**
 * What became of a queue entry. `prequeue` and `queued` are waiting; `admitted` is choosing seats; the rest are
 * ended: `finished` (ordered, gave up or left while admitted), `expired` (admission ran out unused), `left` (left
 * the line), `released` (the room was released while they waited), `soldout` (the event sold out while they waited).
 */
export const entryStatusNames = [
  'prequeue',
  'queued',
  'admitted',
  'finished',
  'expired',
  'left',
  'released',
  'soldout',
] as const;
export type EntryStatus = (typeof entryStatusNames)[number];

export const entryStatus = {
  prequeue: 0,
  queued: 1,
  admitted: 2,
  finished: 3,
  expired: 4,
  left: 5,
  released: 6,
  soldout: 7,
} as const satisfies Record<EntryStatus, number>;

export const isWaitingCode = (code: number): boolean => code === entryStatus.prequeue || code === entryStatus.queued;
export const isLiveCode = (code: number): boolean => code <= entryStatus.admitted;

export type RoomSettings = Readonly<{ config: RoomConfig; seed: string; commitment: string }>;

/**
 * An event's waiting room. Entries are numbered in the order the actor received their joins (the queue id is
 * derived from the number) and stored as columns of typed arrays, so a million entries fit in tens of megabytes:
 *
 * - `status[e]` is the entry's status code;
 * - the line is the order of admission: `line[s]` is the entry in slot s, `slotOf[e]` its slot (−1 for an entry that
 *   never stood in line: one still in the pre-queue, or one that ended before the shuffle). The shuffled pre-queue
 *   takes the first `shuffledCount` slots, later arrivals are appended;
 * - `waiting` is a Fenwick tree over slots holding 1 for each queued entry, so positions cost O(log n).
 *
 * The actor owns the only copy: evolve changes it in place; a failed append rebuilds it from the store.
 */
export type QueueState = {
  room: RoomSettings | undefined;
  engaged: boolean;
  shuffled: boolean;
  shuffledCount: number;
  soldOut: boolean;
  readonly users: EntryUsers;
  status: Uint8Array;
  slotOf: Int32Array;
  line: Int32Array;
  lineLength: number;
  readonly waiting: Fenwick;
  /**
   * `atBack[e]` is 1 for an entry sent to the back of the room (a risky session: the front door decides): it is
   * admitted only when nobody else waits, and not before `riskyHeldBackSeconds` after the opening. `waitingBack` is
   * a Fenwick tree over the same slots as `waiting`, holding 1 for each queued entry at the back, so the front lane is
   * `waiting − waitingBack` and both lanes' positions cost O(log n).
   */
  atBack: Uint8Array;
  readonly waitingBack: Fenwick;
  /** Entries by status code. */
  readonly counts: Uint32Array;
  /** Admitted entries still choosing: entry → expiresAt, in admission order, which is expiry order. */
  readonly admitted: Map<number, number>;
  admittedTotal: number;
  /** Admissions that replaced a buyer who finished: how fast the line moves (the ETA's rate). */
  readonly admissionRate: RateWindow;
  /** Admitted buyers who finished (ordered, gave up, left) or whose admission ran out: the pacing's rate. */
  readonly finishRate: RateWindow;
  /** The pacing bucket: admissions it allows now, as of `paceAt`. */
  paceCredit: number;
  paceAt: number;
  /** Finishes not yet followed by an admission; the next admissions replace them and feed `admissionRate`. */
  replacementsOwed: number;
};

const initialColumns = 1024;

export const initialQueueState = (): QueueState => ({
  room: undefined,
  engaged: false,
  shuffled: false,
  shuffledCount: 0,
  soldOut: false,
  users: new EntryUsers(),
  status: new Uint8Array(initialColumns),
  slotOf: new Int32Array(initialColumns),
  line: new Int32Array(initialColumns),
  lineLength: 0,
  waiting: new Fenwick(),
  atBack: new Uint8Array(initialColumns),
  waitingBack: new Fenwick(),
  counts: new Uint32Array(entryStatusNames.length),
  admitted: new Map(),
  admittedTotal: 0,
  admissionRate: emptyRateWindow(0),
  finishRate: emptyRateWindow(0),
  paceCredit: 0,
  paceAt: 0,
  replacementsOwed: 0,
});

export const entryCount = (state: QueueState): number => state.users.count;

/** Buyers waiting in line or in the pre-queue. */
export const waitingCount = (state: QueueState): number =>
  state.counts[entryStatus.prequeue]! + state.counts[entryStatus.queued]!;

/** Appends an entry's columns; the user id goes to `users`, which numbers the entry. */
export const appendEntry = (state: QueueState, userId: string, code: number, atBack = false): number => {
  const entry = state.users.append(userId);
  if (entry === state.status.length) {
    state.status = grow(state.status, state.status.length * 2);
    state.slotOf = grow(state.slotOf, state.slotOf.length * 2);
  }
  if (entry >= state.atBack.length) state.atBack = grow(state.atBack, state.status.length);
  state.atBack[entry] = atBack ? 1 : 0;
  state.status[entry] = code;
  state.slotOf[entry] = -1;
  state.counts[code]! += 1;
  return entry;
};

/** Puts a queued entry at the back of the line. */
export const appendToLine = (state: QueueState, entry: number): void => {
  if (state.lineLength === state.line.length) state.line = grow(state.line, state.line.length * 2);
  const slot = state.lineLength++;
  state.line[slot] = entry;
  state.slotOf[entry] = slot;
  state.waiting.push(1);
  state.waitingBack.push(state.atBack[entry]!);
};

/** Buyers waiting in line in the front lane (everyone not sent to the back). */
export const waitingFront = (state: QueueState): number => state.waiting.total - state.waitingBack.total;

/** Takes a queued entry out of both lanes' trees (it was admitted, left, or the line ended). */
export const leaveLine = (state: QueueState, entry: number): void => {
  const slot = state.slotOf[entry]!;
  state.waiting.add(slot, -1);
  if (state.atBack[entry] === 1) state.waitingBack.add(slot, -1);
};

export const setStatus = (state: QueueState, entry: number, code: number): void => {
  state.counts[state.status[entry]!]! -= 1;
  state.status[entry] = code;
  state.counts[code]! += 1;
};

/** 1-based position among the buyers waiting in line; undefined for an entry not queued. */
export const positionOf = (state: QueueState, entry: number): number | undefined => {
  if (state.status[entry] !== entryStatus.queued) return undefined;
  const slot = state.slotOf[entry]!;
  const back = state.waitingBack.prefix(slot);
  if (state.atBack[entry] === 1) return waitingFront(state) + back;
  return state.waiting.prefix(slot) - back;
};

/** Bytes held by the state's columns (the entries' share of the heap), for the benchmark's breakdown. */
export const columnBytes = (state: QueueState): Readonly<Record<string, number>> => ({
  users: state.users.footprintBytes,
  status: state.status.byteLength,
  slotOf: state.slotOf.byteLength,
  line: state.line.byteLength,
  waiting: state.waiting.footprintBytes,
  atBack: state.atBack.byteLength,
  waitingBack: state.waitingBack.footprintBytes,
});
