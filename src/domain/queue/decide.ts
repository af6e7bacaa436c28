import { BookingError } from '../bookingError.ts';
import { admissionsAllowed, paceCreditAt } from './admission.ts';
import type { AdmitNext, FinishAdmission, JoinQueue, QueueCommand, SetUpRoom, Stock } from './commands.ts';
import { userIdLengthMax } from './entryUsers.ts';
import type { Admission, AdmissionsExpired, QueueEvent } from './events.ts';
import { backAdmittedFrom, roomConfigProblems, sameRoomConfig } from './room.ts';
import { commitmentOf, isSeedHex, queueIdOf, shuffleInPlace } from './shuffle.ts';
import {
  entryCount,
  entryStatus,
  isLiveCode,
  type QueueState,
  type RoomSettings,
  waitingCount,
  waitingFront,
} from './state.ts';

/**
 * Decides what a command does to an event's waiting room: the events to append, or a BookingError. Pure: it reads
 * the state and the command (which carries `now`) and changes nothing.
 *
 * Time is lazy here as in the inventory: once a room exists, every command at or after `saleStartsAt` starts with the
 * pre-queue's shuffle if it has not happened yet, so a join after the opening always lands behind the pre-queue.
 */
export const decideQueue = (command: QueueCommand, state: QueueState): QueueEvent[] => {
  switch (command.type) {
    case 'SetUpRoom':
      return setUpRoom(command, state);
    case 'JoinQueue':
      return joinQueue(command, state);
    case 'LeaveQueue': {
      const { userId, now } = command.data;
      roomOf(state);
      const entry = state.users.latestOf(checkedUserId(userId));
      if (entry < 0) throw new BookingError('NOT_FOUND', 'you are not in the waiting room');
      const due = shuffleDue(state, now);
      const code = state.status[entry]!;
      const queueId = queueIdOf(entry);
      if (code === entryStatus.prequeue || code === entryStatus.queued) {
        return [...due, { type: 'QueueLeft', data: { queueId, userId, at: now } }];
      }
      if (code === entryStatus.admitted) {
        return [...due, { type: 'AdmissionFinished', data: { queueId, userId, outcome: 'left', at: now } }];
      }
      // Already ended: leaving again changes nothing, so a retried leave gets the same answer.
      return due;
    }
    case 'ShufflePreQueue': {
      const room = roomOf(state);
      if (command.data.now < room.config.saleStartsAt) {
        throw new BookingError('SALE_NOT_OPEN', `the pre-queue is shuffled at ${iso(room.config.saleStartsAt)}`);
      }
      return shuffleDue(state, command.data.now);
    }
    case 'AdmitNext':
      return admitNext(command, state);
    case 'ExpireAdmissions': {
      roomOf(state);
      const { now } = command.data;
      return [...shuffleDue(state, now), ...expiryOf(state, now)];
    }
    case 'FinishAdmission':
      return finishAdmission(command, state);
    case 'DeclareSoldOut': {
      roomOf(state);
      const { now } = command.data;
      const due = shuffleDue(state, now);
      if (state.soldOut) return due;
      return [...due, { type: 'QueueSoldOut', data: { waiting: waitingCount(state), at: now } }];
    }
    case 'EngageRoom': {
      roomOf(state);
      const { now } = command.data;
      const due = shuffleDue(state, now);
      if (state.engaged || state.soldOut) return due;
      return [...due, { type: 'RoomEngaged', data: { at: now } }];
    }
    case 'ReleaseRoom': {
      roomOf(state);
      const { now } = command.data;
      const due = shuffleDue(state, now);
      if (!state.engaged) return due;
      return [...due, { type: 'RoomReleased', data: { waiting: waitingCount(state), at: now } }];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error(`unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
};

const setUpRoom = (command: SetUpRoom, state: QueueState): QueueEvent[] => {
  const { config, seed, now } = command.data;
  const problems = roomConfigProblems(config);
  if (problems.length > 0) throw new BookingError('INVALID_INPUT', problems.join('; '));
  const room = state.room;
  if (room === undefined) {
    if (seed === undefined || !isSeedHex(seed)) {
      throw new BookingError('INVALID_INPUT', 'a new waiting room needs a seed: 64 lowercase hex characters');
    }
    return [{ type: 'RoomSetUp', data: { config, seed, commitment: commitmentOf(seed), at: now } }];
  }
  if (seed !== undefined && seed !== room.seed) {
    throw new BookingError('INVALID_INPUT', 'the seed of a waiting room is committed: it never changes');
  }
  if (sameRoomConfig(config, room.config)) return [];
  if (state.shuffled)
    throw new BookingError('INVALID_INPUT', 'the waiting room settings are fixed once the sale opened');
  if (config.enabled !== room.config.enabled && entryCount(state) > 0) {
    throw new BookingError('INVALID_INPUT', 'buyers are in the room: engage or release it instead of re-enabling it');
  }
  return [{ type: 'RoomSetUp', data: { config, seed: room.seed, commitment: room.commitment, at: now } }];
};

const joinQueue = (command: JoinQueue, state: QueueState): QueueEvent[] => {
  const { userId, now, atBack } = command.data;
  const room = roomOf(state);
  const latest = state.users.latestOf(checkedUserId(userId));
  const due = shuffleDue(state, now);
  if (latest >= 0 && isLiveCode(state.status[latest]!)) return due;
  if (state.soldOut) {
    if (latest >= 0 && state.status[latest] === entryStatus.soldout) return due;
    throw new BookingError('SOLD_OUT', 'this event is sold out');
  }
  if (!state.engaged) throw new BookingError('QUEUE_CLOSED', 'no waiting room now: go straight to the seats');
  if (now < room.config.preQueueOpensAt) {
    throw new BookingError('SALE_NOT_OPEN', `the waiting room opens at ${iso(room.config.preQueueOpensAt)}`);
  }
  if (entryCount(state) >= room.config.entriesMax) {
    throw new BookingError('QUEUE_FULL', `the waiting room holds at most ${room.config.entriesMax} entries`);
  }
  const inLine = state.shuffled || due.length > 0;
  const joined: QueueEvent = {
    type: 'QueueJoined',
    data: {
      queueId: queueIdOf(entryCount(state)),
      userId,
      state: inLine ? 'queued' : 'prequeue',
      at: now,
      ...(atBack === true ? { atBack: true as const } : {}),
    },
  };
  return [...due, joined];
};

const admitNext = (command: AdmitNext, state: QueueState): QueueEvent[] => {
  const { stock, now } = command.data;
  const room = roomOf(state);
  checkStock(stock);
  const due = shuffleDue(state, now);
  const expiry = expiryOf(state, now);
  const events: QueueEvent[] = [...due, ...expiry];
  if (!state.engaged || state.soldOut || now < room.config.saleStartsAt) return events;
  const expired = expiry.length === 0 ? 0 : expiry[0]!.data.admissions.length;
  const choosing = state.admitted.size - expired;
  // Entries at the back wait until nobody else does, and until their hold-back after the opening has passed.
  const backOpen = now >= backAdmittedFrom(room.config);
  // When this command shuffles, the line does not exist yet: it will be the pre-queue in the shuffled order, whose
  // front lane is admitted first.
  const shuffled = due.length > 0 ? preQueueOrder(state) : undefined;
  const order =
    shuffled === undefined
      ? undefined
      : [
          ...shuffled.filter((entry) => state.atBack[entry] === 0),
          ...(backOpen ? shuffled.filter((entry) => state.atBack[entry] === 1) : []),
        ];
  const front = order === undefined ? waitingFront(state) : 0;
  const waiting = order === undefined ? front + (backOpen ? state.waitingBack.total : 0) : order.length;
  const count = admissionsAllowed(room.config, choosing, stock, paceCreditAt(state, now), waiting);
  if (count === 0) return events;
  const expiresAt = now + room.config.admissionSeconds * 1000;
  const admissions: Admission[] = [];
  for (let k = 1; k <= count; k++) {
    const entry =
      order !== undefined
        ? order[k - 1]!
        : state.line[
            k <= front ? state.waiting.selectExcluding(state.waitingBack, k) : state.waitingBack.select(k - front)
          ]!;
    admissions.push({ queueId: queueIdOf(entry), userId: state.users.userIdOf(entry), expiresAt });
  }
  events.push({ type: 'AdmissionsGranted', data: { admissions, stock, at: now } });
  return events;
};

const finishAdmission = (command: FinishAdmission, state: QueueState): QueueEvent[] => {
  const { userId, outcome, now } = command.data;
  if (outcome !== 'ordered' && outcome !== 'gaveUp') throw new Error(`unknown admission outcome ${outcome}`);
  if (state.room === undefined) return [];
  const entry = state.users.latestOf(checkedUserId(userId));
  const due = shuffleDue(state, now);
  if (entry < 0 || state.status[entry] !== entryStatus.admitted) return due;
  return [...due, { type: 'AdmissionFinished', data: { queueId: queueIdOf(entry), userId, outcome, at: now } }];
};

const roomOf = (state: QueueState): RoomSettings => {
  if (state.room === undefined) throw new BookingError('QUEUE_CLOSED', 'this event has no waiting room');
  return state.room;
};

/** The shuffle, when the sale has opened and the pre-queue was not shuffled yet. */
const shuffleDue = (state: QueueState, now: number): QueueEvent[] => {
  const room = state.room;
  if (room === undefined || state.shuffled || now < room.config.saleStartsAt) return [];
  return [{ type: 'PreQueueShuffled', data: { seed: room.seed, count: state.counts[entryStatus.prequeue]!, at: now } }];
};

/**
 * Admissions whose time ran out. Admissions are granted with one `admissionSeconds` as time moves forward, so the
 * map is in expiry order and the scan stops at the first one still running.
 */
const expiryOf = (state: QueueState, now: number): AdmissionsExpired[] => {
  const admissions: { queueId: string; userId: string }[] = [];
  for (const [entry, expiresAt] of state.admitted) {
    if (expiresAt > now) break;
    admissions.push({ queueId: queueIdOf(entry), userId: state.users.userIdOf(entry) });
  }
  return admissions.length === 0 ? [] : [{ type: 'AdmissionsExpired', data: { admissions, at: now } }];
};

/** The entries still in the pre-queue, in join order, shuffled with the room's seed: the line's first slots. */
export const preQueueOrder = (state: QueueState): Int32Array => {
  const order = new Int32Array(state.counts[entryStatus.prequeue]!);
  let next = 0;
  const count = entryCount(state);
  for (let entry = 0; entry < count; entry++) if (state.status[entry] === entryStatus.prequeue) order[next++] = entry;
  shuffleInPlace(order, state.room!.seed);
  return order;
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** User ids come from sessions; one that could not be stored (or joined into a snapshot) is refused here. */
const checkedUserId = (userId: string): string => {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > userIdLengthMax) {
    throw new BookingError('INVALID_INPUT', `a user id is 1 to ${userIdLengthMax} characters`);
  }
  if (controlCharacters.test(userId)) throw new BookingError('INVALID_INPUT', 'a user id has no control characters');
  return userId;
};

/** Stock comes from the inventory, not from a buyer: a bad number is the shell's bug. */
const checkStock = (stock: Stock): void => {
  if (!Number.isSafeInteger(stock.available) || stock.available < 0) throw new Error('stock.available must be ≥ 0');
  if (!Number.isSafeInteger(stock.lapsing) || stock.lapsing < 0) throw new Error('stock.lapsing must be ≥ 0');
};

const iso = (ms: number): string => new Date(ms).toISOString();
