import { accruePace } from './admission.ts';
import { preQueueOrder } from './decide.ts';
import type { QueueEvent } from './events.ts';
import { observeRate, restartRate } from './rateWindow.ts';
import { entryOfQueueId } from './shuffle.ts';
import {
  appendEntry,
  appendToLine,
  entryCount,
  entryStatus,
  isWaitingCode,
  leaveLine,
  type QueueState,
  setStatus,
} from './state.ts';

/**
 * Applies one event to the room, in place, and returns it. Deterministic: replaying the stream rebuilds the same
 * room, the shuffle included (recomputed from the seed). An event that does not fit the state is a programmer error
 * (decide let it through, or the log is corrupt), so it throws and the actor restarts from the store.
 */
export const evolveQueue = (state: QueueState, event: QueueEvent): QueueState => {
  switch (event.type) {
    case 'RoomSetUp': {
      const { config, seed, commitment, at } = event.data;
      if (state.room === undefined) {
        state.engaged = config.enabled;
        restartRate(state.admissionRate, at);
        restartRate(state.finishRate, at);
      } else if (state.room.config.enabled !== config.enabled) {
        state.engaged = config.enabled;
      }
      state.room = { config, seed, commitment };
      // Nobody is admitted before the sale opens, so the bucket starts full: the opening admits the first at once.
      state.paceCredit = config.admittedMax;
      state.paceAt = at;
      break;
    }
    case 'QueueJoined': {
      const { queueId, userId, state: joinedAs, atBack } = event.data;
      const entry = appendEntry(state, userId, entryStatus[joinedAs], atBack === true);
      if (entryOfQueueId(queueId) !== entry) throw new Error(`join ${queueId} is out of order: expected q${entry}`);
      if (joinedAs === 'queued') appendToLine(state, entry);
      break;
    }
    case 'QueueLeft': {
      const entry = entryOf(state, event.data.queueId, event.data.userId);
      const code = state.status[entry]!;
      if (!isWaitingCode(code)) throw new Error(`${event.data.queueId} left the line while not in it`);
      if (code === entryStatus.queued) leaveLine(state, entry);
      setStatus(state, entry, entryStatus.left);
      break;
    }
    case 'PreQueueShuffled': {
      const { seed, count } = event.data;
      if (state.shuffled) throw new Error('the pre-queue was shuffled twice');
      if (seed !== state.room?.seed) throw new Error('the shuffle names another seed than the room committed to');
      const order = preQueueOrder(state);
      if (order.length !== count)
        throw new Error(`the shuffle counted ${count} entries, the pre-queue has ${order.length}`);
      if (state.lineLength !== 0) throw new Error('buyers stood in line before the shuffle');
      let capacity = 1024;
      while (capacity < order.length) capacity *= 2;
      state.line = new Int32Array(capacity);
      state.line.set(order);
      state.lineLength = order.length;
      for (let slot = 0; slot < order.length; slot++) {
        state.slotOf[order[slot]!] = slot;
        state.status[order[slot]!] = entryStatus.queued;
      }
      state.counts[entryStatus.prequeue]! -= order.length;
      state.counts[entryStatus.queued]! += order.length;
      state.waiting.reset(new Uint8Array(order.length).fill(1));
      state.waitingBack.reset(order.map((entry) => state.atBack[entry]!));
      state.shuffled = true;
      state.shuffledCount = order.length;
      // Admission can start now: the rates measure from here.
      restartRate(state.admissionRate, event.data.at);
      restartRate(state.finishRate, event.data.at);
      break;
    }
    case 'AdmissionsGranted': {
      const { admissions, at } = event.data;
      accruePace(state, at);
      state.paceCredit -= admissions.length;
      if (state.paceCredit < 0) throw new Error('admitted beyond the pacing');
      for (const { queueId, userId, expiresAt } of admissions) {
        const entry = entryOf(state, queueId, userId);
        if (state.status[entry] !== entryStatus.queued) throw new Error(`${queueId} admitted while not in line`);
        leaveLine(state, entry);
        setStatus(state, entry, entryStatus.admitted);
        state.admitted.set(entry, expiresAt);
      }
      if (state.admitted.size > state.room!.config.admittedMax) throw new Error('admitted beyond admittedMax');
      state.admittedTotal += admissions.length;
      const replacing = Math.min(admissions.length, state.replacementsOwed);
      state.replacementsOwed -= replacing;
      observeRate(state.admissionRate, at, replacing);
      break;
    }
    case 'AdmissionsExpired': {
      accruePace(state, event.data.at);
      for (const { queueId, userId } of event.data.admissions)
        endAdmission(state, entryOf(state, queueId, userId), entryStatus.expired);
      observeRate(state.finishRate, event.data.at, event.data.admissions.length);
      state.replacementsOwed += event.data.admissions.length;
      break;
    }
    case 'AdmissionFinished': {
      accruePace(state, event.data.at);
      endAdmission(state, entryOf(state, event.data.queueId, event.data.userId), entryStatus.finished);
      observeRate(state.finishRate, event.data.at, 1);
      state.replacementsOwed += 1;
      break;
    }
    case 'QueueSoldOut':
      endEveryoneWaiting(state, entryStatus.soldout, event.data.waiting);
      state.soldOut = true;
      break;
    case 'RoomEngaged':
      state.engaged = true;
      restartRate(state.admissionRate, event.data.at);
      restartRate(state.finishRate, event.data.at);
      break;
    case 'RoomReleased':
      endEveryoneWaiting(state, entryStatus.released, event.data.waiting);
      state.engaged = false;
      break;
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
    }
  }
  return state;
};

export const evolveQueueAll = (state: QueueState, events: readonly QueueEvent[]): QueueState => {
  for (const event of events) evolveQueue(state, event);
  return state;
};

/** The entry a queue id names, checked against the user id the event gives for it. */
const entryOf = (state: QueueState, queueId: string, userId: string): number => {
  const entry = entryOfQueueId(queueId);
  if (entry === undefined || entry >= entryCount(state)) throw new Error(`event names unknown queue entry ${queueId}`);
  if (state.users.userIdOf(entry) !== userId) throw new Error(`${queueId} belongs to another buyer than ${userId}`);
  return entry;
};

const endAdmission = (state: QueueState, entry: number, code: number): void => {
  if (state.status[entry] !== entryStatus.admitted) throw new Error(`q${entry} ended an admission it did not have`);
  setStatus(state, entry, code);
  state.admitted.delete(entry);
};

/**
 * Sell-out and release end every waiting entry in one event: one pass over the status column (a few milliseconds for
 * a million entries, once in a room's life), and the line's tree emptied.
 */
const endEveryoneWaiting = (state: QueueState, code: number, waiting: number): void => {
  const ended = state.counts[entryStatus.prequeue]! + state.counts[entryStatus.queued]!;
  if (ended !== waiting) throw new Error(`the event counted ${waiting} waiting, the room has ${ended}`);
  const count = entryCount(state);
  for (let entry = 0; entry < count; entry++) if (isWaitingCode(state.status[entry]!)) state.status[entry] = code;
  state.counts[code]! += ended;
  state.counts[entryStatus.prequeue] = 0;
  state.counts[entryStatus.queued] = 0;
  state.waiting.reset(new Uint8Array(state.lineLength));
  state.waitingBack.reset(new Uint8Array(state.lineLength));
};
