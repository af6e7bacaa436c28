import { BookingError } from '../bookingError.ts';
import { seatsOfUser } from '../seatMap/decide.ts';
import { type InventoryState, requestKey, type SeatLayout } from '../seatMap/state.ts';
import type { JoinWaitlist, LeaveWaitlist, WaitlistCommand, WaitlistRequest } from './commands.ts';
import type { WaitlistEvent } from './events.ts';
import { fitsAvailable, isAvailable } from './fit.ts';
import { rowsInScope, type Scope, sameRequest, scopeOf, type WaitlistEntry, type WaitlistState } from './state.ts';

/**
 * Decides a waitlist command: the events to append, or a BookingError. Pure: it reads the states and the command
 * (which carries `now`). What follows from the events (an offer, seats gathered) is the reaction's (react.ts).
 */
export const decideWaitlist = (
  command: WaitlistCommand,
  waitlist: WaitlistState,
  inventory: InventoryState,
): WaitlistEvent[] => {
  switch (command.type) {
    case 'JoinWaitlist':
      return join(command, waitlist, inventory);
    case 'LeaveWaitlist':
      return leave(command, waitlist);
    default: {
      const _exhaustive: never = command;
      throw new Error(`unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** The entry a join made, if the waitlist still has it: a retried join is answered with it. */
export const recallJoin = (waitlist: WaitlistState, userId: string, requestId: string): WaitlistEntry | undefined => {
  const entryId = waitlist.entryOfRequest.get(requestKey(userId, requestId));
  return entryId === undefined ? undefined : waitlist.entries.get(entryId);
};

/** The buyer's entry that is waiting or offered, if any. */
export const activeEntryOf = (waitlist: WaitlistState, userId: string): WaitlistEntry | undefined => {
  const entryId = waitlist.activeEntryOfUser.get(userId);
  return entryId === undefined ? undefined : waitlist.entries.get(entryId);
};

/** The buyer's latest entry, waiting, offered or ended: what `GET …/waitlist/me` shows. */
export const latestEntryOf = (waitlist: WaitlistState, userId: string): WaitlistEntry | undefined => {
  const entryId = waitlist.lastEntryOfUser.get(userId);
  return entryId === undefined ? undefined : waitlist.entries.get(entryId);
};

const join = (command: JoinWaitlist, waitlist: WaitlistState, inventory: InventoryState): WaitlistEvent[] => {
  const { entryId, userId, requestId, request, now } = command.data;
  const { config } = inventory;
  // The same join again (a retry, or the same request from another tab) is answered with the entry it made.
  const first = recallJoin(waitlist, userId, requestId);
  if (first !== undefined) {
    if (sameRequest(first.request, request)) return [];
    throw new BookingError(
      'IDEMPOTENCY_KEY_REUSED',
      `request id ${requestId} joined the waitlist with another request (entry ${first.entryId})`,
    );
  }
  const active = activeEntryOf(waitlist, userId);
  if (active !== undefined) {
    if (sameRequest(active.request, request)) return [];
    throw new BookingError(
      'WAITLIST_ALREADY_JOINED',
      `you already wait for ${active.request.quantity} seats at this event (entry ${active.entryId}); leave it first`,
      { entryId: active.entryId },
    );
  }
  const scope = validScope(inventory.layout, request, config.maxSeatsPerUser);
  if (config.saleStartsAtMs !== null && now < config.saleStartsAtMs) {
    throw new BookingError('SALE_NOT_OPEN', `the sale opens at ${new Date(config.saleStartsAtMs).toISOString()}`);
  }
  const held = seatsOfUser(inventory, userId, now);
  if (held + request.quantity > config.maxSeatsPerUser) {
    throw new BookingError(
      'HOLD_LIMIT',
      `at most ${config.maxSeatsPerUser} seats per buyer for this event; you have ${held}`,
    );
  }
  if (waitlist.line.size >= waitlist.policy.entriesMax) {
    throw new BookingError(
      'WAITLIST_FULL',
      `the waitlist of this event is full (${waitlist.policy.entriesMax} entries)`,
    );
  }
  // Nobody waiting fits what is available (the reaction offered it otherwise), so a request that fits now would be
  // offered at once: that is a hold, and holds go through the front door (the waiting room, the limits), not here.
  if (fitsAvailable(inventory, scope, request.quantity, request.together, (seat) => isAvailable(inventory, seat))) {
    throw new BookingError('SEATS_AVAILABLE', 'seats that fit this request are on sale: hold them instead');
  }
  if (waitlist.entries.has(entryId)) throw new Error(`waitlist entry id ${entryId} reused`);
  return [
    {
      type: 'WaitlistJoined',
      data: {
        entryId,
        userId,
        requestId,
        quantity: request.quantity,
        ...(request.sectionId === undefined ? {} : { sectionId: request.sectionId }),
        ...(request.priceTier === undefined ? {} : { priceTier: request.priceTier }),
        together: request.together,
        at: now,
      },
    },
  ];
};

/** A request that this venue can serve some day: a known section and tier, and a row or section large enough. */
const validScope = (layout: SeatLayout, request: WaitlistRequest, maxSeatsPerUser: number): Scope => {
  const { quantity, sectionId, priceTier, together } = request;
  if (!Number.isInteger(quantity) || quantity < 1)
    throw new BookingError('INVALID_INPUT', 'quantity must be a positive integer');
  if (quantity > maxSeatsPerUser)
    throw new BookingError('HOLD_LIMIT', `at most ${maxSeatsPerUser} seats per buyer for this event`);
  const section = sectionId === undefined ? undefined : layout.sections.get(sectionId);
  if (sectionId !== undefined && section === undefined)
    throw new BookingError('NOT_FOUND', `no section ${sectionId} in this venue`);
  if (priceTier !== undefined && !layout.tierNames.includes(priceTier))
    throw new BookingError('NOT_FOUND', `no price tier ${priceTier} at this event`);
  if (section?.kind === 'general') {
    if (priceTier !== undefined && priceTier !== section.priceTier)
      throw new BookingError('NOT_FOUND', `section ${section.id} has no price tier ${priceTier}`);
    if (quantity > section.capacity)
      throw new BookingError('INVALID_INPUT', `section ${section.id} has only ${section.capacity} places`);
    return scopeOf(layout, request);
  }
  const scope = scopeOf(layout, request);
  // The most seats of the scope that could ever be offered: side by side in one row, or at all.
  let longest = 0;
  let total = 0;
  for (const row of rowsInScope(layout, scope)) {
    const { start, end } = layout.rows[row]!;
    let run = 0;
    for (let seat = start; seat < end; seat++) {
      if (scope.kind === 'seated' && scope.tier !== undefined && layout.tierOf[seat] !== scope.tier) run = 0;
      else {
        run += 1;
        total += 1;
        longest = Math.max(longest, run);
      }
    }
  }
  const most = together ? longest : total;
  if (most < quantity)
    throw new BookingError(
      'INVALID_INPUT',
      together
        ? `no row of this section and tier has ${quantity} seats side by side`
        : `this section and tier have only ${most} seats`,
    );
  return scope;
};

const leave = (command: LeaveWaitlist, waitlist: WaitlistState): WaitlistEvent[] => {
  const { entryId, userId, requestId, now } = command.data;
  const entry = waitlist.entries.get(entryId);
  if (entry === undefined) throw new BookingError('WAITLIST_ENTRY_NOT_FOUND', `no waitlist entry ${entryId}`);
  if (entry.userId !== userId) throw new BookingError('FORBIDDEN', `entry ${entryId} belongs to another buyer`);
  // Leaving twice, or after the entry ended, changes nothing: the buyer is out of the line either way.
  if (entry.status !== 'waiting' && entry.status !== 'offered') return [];
  return [{ type: 'WaitlistLeft', data: { entryId, userId, requestId, at: now } }];
};
