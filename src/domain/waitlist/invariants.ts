import type { HoldRecord } from '../seatMap/state.ts';
import type { EventState } from './eventState.ts';
import { gatheredCount, gathererIdOf, isProtected, rowIndexOf, seatInScope, type WaitlistEntry } from './state.ts';

/**
 * Every way the waitlist can be wrong, alone or against the inventory: one active entry per buyer, the line in join
 * order, each offer a live hold of the entry's buyer that fits the request, each gathering hold a live hold of the
 * waitlist for a protected waiting entry, no waitlist hold the waitlist does not know. O(entries + holds): run where
 * state is written in tests and where it is read back from a snapshot. Empty means sound.
 */
export const waitlistViolations = (state: EventState): string[] => {
  const { inventory, waitlist } = state;
  const { layout } = waitlist;
  const problems: string[] = [];
  const holdOf = (holdId: string): HoldRecord | undefined => {
    const handle = inventory.handleOfHold.get(holdId);
    return handle === undefined ? undefined : inventory.holds.get(handle);
  };
  let previousSeq = 0;
  let waiting = 0;
  const activeUsers = new Set<string>();
  for (const [entryId, entry] of waitlist.line) {
    if (entry.entryId !== entryId || waitlist.entries.get(entryId) !== entry)
      problems.push(`line entry ${entryId} not indexed`);
    if (entry.seq <= previousSeq) problems.push(`line out of join order at ${entryId}`);
    previousSeq = entry.seq;
    if (entry.status !== 'waiting' && entry.status !== 'offered')
      problems.push(`entry ${entryId} in the line while ${entry.status}`);
    if (entry.status === 'waiting') waiting += 1;
    if (activeUsers.has(entry.userId)) problems.push(`buyer ${entry.userId} has two active entries`);
    activeUsers.add(entry.userId);
    if (waitlist.activeEntryOfUser.get(entry.userId) !== entryId)
      problems.push(`entry ${entryId} not its buyer's active entry`);
  }
  if (waiting !== waitlist.waiting) problems.push(`waiting count is ${waitlist.waiting}, the line says ${waiting}`);
  if (waitlist.activeEntryOfUser.size !== activeUsers.size) problems.push('active entries of buyers outside the line');
  for (const [userId, entryId] of waitlist.lastEntryOfUser) {
    const entry = waitlist.entries.get(entryId);
    if (entry?.userId !== userId) problems.push(`latest entry of ${userId} is not theirs`);
  }
  let gatherHolds = 0;
  for (const entry of waitlist.entries.values()) {
    const active = waitlist.line.has(entry.entryId);
    if (!active && (entry.status === 'waiting' || entry.status === 'offered'))
      problems.push(`entry ${entry.entryId} ${entry.status} but not in the line`);
    if (active === (entry.endedAt !== undefined))
      problems.push(`entry ${entry.entryId} end time disagrees with its status`);
    if (entry.request.quantity < 1 || entry.request.quantity > inventory.config.maxSeatsPerUser)
      problems.push(`entry ${entry.entryId} asks for ${entry.request.quantity} seats`);
    if (entry.status !== 'left' && (entry.status === 'waiting') !== (entry.offer === undefined))
      problems.push(`entry ${entry.entryId} ${entry.status} with${entry.offer ? '' : 'out'} an offer`);
    if ((entry.status === 'fulfilled') !== (entry.orderId !== undefined))
      problems.push(`entry ${entry.entryId} order disagrees with ${entry.status}`);
    if (entry.status === 'offered') problems.push(...offerViolations(state, entry, holdOf(entry.offer!.holdId)));
    else if (entry.offer !== undefined && waitlist.entryOfHold.has(entry.offer.holdId)) {
      // An offer outlives its entry only while the reaction releases it (the buyer left): never after a command.
      problems.push(`entry ${entry.entryId} (${entry.status}) still has its offer ${entry.offer.holdId}`);
    }
    gatherHolds += entry.gathers.size;
    if (entry.gathers.size > 0 !== (waitlist.gatherers.get(entry.entryId) === entry))
      problems.push(`entry ${entry.entryId} gatherer index disagrees with its gathers`);
    if (entry.gathers.size > 0) {
      if (entry.status !== 'waiting') problems.push(`entry ${entry.entryId} gathers while ${entry.status}`);
      if (!isProtected(waitlist, entry)) problems.push(`entry ${entry.entryId} gathers without being protected`);
      if (gatheredCount(entry) >= entry.request.quantity)
        problems.push(`entry ${entry.entryId} gathered all it asks for`);
    }
    for (const gather of entry.gathers.values()) {
      const hold = holdOf(gather.holdId);
      if (hold === undefined || hold.status !== 'held') {
        problems.push(`gathering hold ${gather.holdId} of ${entry.entryId} is not live`);
        continue;
      }
      if (hold.userId !== gathererIdOf(entry.entryId) || hold.waitlistEntryId !== entry.entryId)
        problems.push(`gathering hold ${gather.holdId} is not the waitlist's for ${entry.entryId}`);
      if (hold.quantity !== gather.quantity || hold.seats.join() !== gather.seats.join())
        problems.push(`gathering hold ${gather.holdId} differs from the inventory's`);
      if (waitlist.entryOfHold.get(gather.holdId) !== entry.entryId)
        problems.push(`gathering hold ${gather.holdId} not indexed`);
      for (const seat of gather.seats) {
        if (!seatInScope(layout, entry.scope, seat))
          problems.push(`entry ${entry.entryId} gathered ${layout.seats.id(seat)} outside its request`);
        if (waitlist.gathererOfSeat.get(seat) !== entry.entryId)
          problems.push(`gathered seat ${layout.seats.id(seat)} not indexed`);
      }
      if (entry.scope.kind === 'general' && hold.sectionId !== entry.scope.sectionId)
        problems.push(`entry ${entry.entryId} gathered places outside its section`);
    }
  }
  if (gatherHolds !== waitlist.gatherHolds)
    problems.push(`gathering hold count is ${waitlist.gatherHolds}, entries say ${gatherHolds}`);
  for (const [holdId, entryId] of waitlist.entryOfHold) {
    const entry = waitlist.entries.get(entryId);
    if (entry === undefined || (entry.offer?.holdId !== holdId && !entry.gathers.has(holdId)))
      problems.push(`waitlist hold ${holdId} names an entry that does not have it`);
  }
  for (const [seat, entryId] of waitlist.gathererOfSeat) {
    const entry = waitlist.entries.get(entryId);
    if (entry === undefined || ![...entry.gathers.values()].some((gather) => gather.seats.includes(seat)))
      problems.push(`seat ${layout.seats.id(seat)} gathered for ${entryId}, which does not hold it`);
  }
  for (const hold of inventory.holds.values()) {
    if (hold.waitlistEntryId === undefined) continue;
    if (hold.status === 'held' && waitlist.entryOfHold.get(hold.holdId) !== hold.waitlistEntryId)
      problems.push(`waitlist hold ${hold.holdId} unknown to the waitlist`);
  }
  return problems;
};

const offerViolations = (state: EventState, entry: WaitlistEntry, hold: HoldRecord | undefined): string[] => {
  const { layout } = state.waitlist;
  const offer = entry.offer!;
  const problems: string[] = [];
  if (hold === undefined || hold.status !== 'held')
    return [`offer ${offer.holdId} of ${entry.entryId} is not a live hold`];
  if (hold.userId !== entry.userId) problems.push(`offer ${offer.holdId} belongs to another buyer`);
  if (hold.waitlistEntryId !== entry.entryId) problems.push(`offer ${offer.holdId} is not marked for ${entry.entryId}`);
  if (hold.quantity !== entry.request.quantity) problems.push(`offer ${offer.holdId} has ${hold.quantity} seats`);
  if (hold.expiresAt !== offer.expiresAt) problems.push(`offer ${offer.holdId} expires at another time`);
  if (state.waitlist.entryOfHold.get(offer.holdId) !== entry.entryId)
    problems.push(`offer ${offer.holdId} not indexed`);
  if (entry.scope.kind === 'general') {
    if (hold.sectionId !== entry.scope.sectionId || hold.seats.length > 0)
      problems.push(`offer ${offer.holdId} is outside its section`);
    return problems;
  }
  for (const seat of hold.seats)
    if (!seatInScope(layout, entry.scope, seat))
      problems.push(`offer ${offer.holdId} has ${layout.seats.id(seat)}, outside the request`);
  if (entry.request.together) {
    const sorted = [...hold.seats].sort((a, b) => a - b);
    const sameRow = sorted.every((seat) => rowIndexOf(layout, seat) === rowIndexOf(layout, sorted[0]!));
    const adjacent = sorted.every((seat, i) => i === 0 || seat === sorted[i - 1]! + 1);
    if (!sameRow || !adjacent) problems.push(`offer ${offer.holdId} is not side by side in one row`);
  }
  return problems;
};

/** Crashes the caller (the actor restarts clean from the store) when the waitlist is unsound. */
export const assertWaitlistSound = (state: EventState): void => {
  const problems = waitlistViolations(state);
  if (problems.length > 0) throw new Error(`waitlist unsound: ${problems.slice(0, 5).join('; ')}`);
};
