import { entryCount, entryStatus, entryStatusNames, isLiveCode, type QueueState } from './state.ts';

/**
 * Every way the waiting room can be wrong, checked in full: one live entry per buyer, the line and its tree agreeing
 * with the statuses (so every position is a true count), FIFO behind the shuffled pre-queue, no more admitted than
 * the cap, nobody waiting once sold out or released. O(n log n): run where state is written in tests and where it is
 * read back from a snapshot, not on every batch. Returns the violations; empty means sound.
 */
export const queueViolations = (state: QueueState): string[] => {
  const problems: string[] = [];
  const count = entryCount(state);
  const room = state.room;
  if (room === undefined && (count > 0 || state.engaged || state.shuffled || state.soldOut)) {
    problems.push('a room that was never set up has state');
  }
  problems.push(...entryProblems(state, count), ...lineProblems(state, count));

  if (state.admitted.size !== state.counts[entryStatus.admitted]) {
    problems.push(`${state.admitted.size} admissions listed, ${state.counts[entryStatus.admitted]} entries admitted`);
  }
  if (room !== undefined && state.admitted.size > room.config.admittedMax) {
    problems.push(`${state.admitted.size} admitted, more than admittedMax ${room.config.admittedMax}`);
  }
  let previous = Number.NEGATIVE_INFINITY;
  for (const [entry, expiresAt] of state.admitted) {
    if (state.status[entry] !== entryStatus.admitted) problems.push(`q${entry} listed as admitted but is not`);
    if (expiresAt < previous) problems.push(`q${entry} expires before the admission granted ahead of it`);
    previous = expiresAt;
  }
  const waiting = state.counts[entryStatus.prequeue]! + state.counts[entryStatus.queued]!;
  if (state.soldOut && waiting > 0) problems.push(`${waiting} still waiting after the sell-out`);
  if (!state.engaged && waiting > 0) problems.push(`${waiting} waiting in a room that is not engaged`);
  if (state.shuffled && state.counts[entryStatus.prequeue]! > 0) problems.push('a pre-queue entry after the shuffle');
  if (!state.shuffled && state.counts[entryStatus.queued]! + state.counts[entryStatus.admitted]! > 0) {
    problems.push('entries in line before the shuffle');
  }
  if (state.replacementsOwed < 0) problems.push('negative replacements owed');
  if (room !== undefined && !(state.paceCredit >= 0 && state.paceCredit <= room.config.admittedMax)) {
    problems.push(`pacing credit ${state.paceCredit} outside [0, ${room.config.admittedMax}]`);
  }
  return problems;
};

/** Statuses and counts agree; every buyer's entries but the latest have ended. */
const entryProblems = (state: QueueState, count: number): string[] => {
  const problems: string[] = [];
  const counted = new Uint32Array(entryStatusNames.length);
  for (let entry = 0; entry < count; entry++) {
    const code = state.status[entry]!;
    if (code >= entryStatusNames.length) {
      problems.push(`q${entry} has unknown status ${code}`);
      continue;
    }
    counted[code]! += 1;
    const latest = state.users.latestOfEntry(entry);
    if (latest < entry) problems.push(`q${entry} is not indexed for its buyer`);
    else if (latest !== entry && isLiveCode(code)) {
      problems.push(`${state.users.userIdOf(entry)} has two live entries: q${entry} and q${latest}`);
    }
  }
  for (let code = 0; code < entryStatusNames.length; code++) {
    if (counted[code] !== state.counts[code]) {
      problems.push(`${entryStatusNames[code]} count is ${state.counts[code]}, entries say ${counted[code]}`);
    }
  }
  return problems;
};

/** The line and its tree: slots and entries point at each other, FIFO after the shuffle, prefix sums true. */
const lineProblems = (state: QueueState, count: number): string[] => {
  const problems: string[] = [];
  if (state.waiting.length !== state.lineLength) problems.push('the tree and the line differ in length');
  if (state.waitingBack.length !== state.lineLength) problems.push('the back lane and the line differ in length');
  let backSoFar = 0;
  if (state.shuffledCount > state.lineLength) problems.push('more shuffled than in line');
  let waitingSoFar = 0;
  let lastShuffled = -1;
  for (let slot = 0; slot < state.lineLength; slot++) {
    const entry = state.line[slot]!;
    if (entry < 0 || entry >= count || state.slotOf[entry] !== slot) {
      problems.push(`slot ${slot} and q${entry} do not point at each other`);
      continue;
    }
    if (slot < state.shuffledCount) lastShuffled = Math.max(lastShuffled, entry);
    else if (entry <= lastShuffled) problems.push(`q${entry} joined before the shuffle but stands behind it`);
    if (slot > state.shuffledCount && entry <= state.line[slot - 1]!) {
      problems.push(`q${entry} stands behind q${state.line[slot - 1]}, who joined later`);
    }
    if (state.status[entry] === entryStatus.queued) waitingSoFar += 1;
    if (state.status[entry] === entryStatus.queued && state.atBack[entry] === 1) backSoFar += 1;
    if (state.waitingBack.prefix(slot) !== backSoFar) {
      problems.push(`back lane count at slot ${slot} is ${state.waitingBack.prefix(slot)}, the line says ${backSoFar}`);
      break;
    }
    if (state.waiting.prefix(slot) !== waitingSoFar) {
      problems.push(`position count at slot ${slot} is ${state.waiting.prefix(slot)}, the line says ${waitingSoFar}`);
      break;
    }
  }
  let slotted = 0;
  for (let entry = 0; entry < count; entry++) {
    const code = state.status[entry]!;
    if (state.slotOf[entry]! >= 0) slotted += 1;
    else if (code === entryStatus.queued || code === entryStatus.admitted) {
      problems.push(`q${entry} is ${entryStatusNames[code]} but has no place in line`);
    }
    if (code === entryStatus.prequeue && state.slotOf[entry] !== -1)
      problems.push(`q${entry} in line while pre-queued`);
  }
  if (slotted !== state.lineLength) problems.push(`${slotted} entries have a slot, the line has ${state.lineLength}`);
  return problems;
};

/** Crashes the caller (the actor restarts clean from the store) when the room is unsound. */
export const assertQueueSound = (state: QueueState): void => {
  const problems = queueViolations(state);
  if (problems.length > 0) throw new Error(`waiting room unsound: ${problems.slice(0, 5).join('; ')}`);
};
