import { requestKey } from '../seatMap/state.ts';
import type { WaitlistEvent } from './events.ts';
import { type EntryStatus, offerTouchesScope, scopeOf, type WaitlistEntry, type WaitlistState } from './state.ts';

/**
 * Applies one waitlist event to the state, in place, and returns it. It reads only its own events (and the venue's
 * layout), so replaying the stream rebuilds it; an event the state cannot take is a programmer error and throws.
 */
export const evolveWaitlist = (state: WaitlistState, event: WaitlistEvent): WaitlistState => {
  switch (event.type) {
    case 'WaitlistJoined': {
      const { entryId, userId, requestId, quantity, sectionId, priceTier, together, at } = event.data;
      if (state.entries.has(entryId)) throw new Error(`waitlist entry ${entryId} joined twice`);
      if (state.activeEntryOfUser.has(userId)) throw new Error(`buyer ${userId} already has an active entry`);
      const request = {
        quantity,
        ...(sectionId === undefined ? {} : { sectionId }),
        ...(priceTier === undefined ? {} : { priceTier }),
        together,
      };
      const entry: WaitlistEntry = {
        entryId,
        userId,
        requestId,
        request,
        scope: scopeOf(state.layout, request),
        seq: state.nextSeq++,
        joinedAt: at,
        status: 'waiting',
        overtaken: 0,
        offer: undefined,
        orderId: undefined,
        endedAt: undefined,
        gathers: new Map(),
        gathersMade: 0,
      };
      state.entries.set(entryId, entry);
      state.line.set(entryId, entry);
      state.activeEntryOfUser.set(userId, entryId);
      state.lastEntryOfUser.set(userId, entryId);
      state.entryOfRequest.set(requestKey(userId, requestId), entryId);
      state.waiting += 1;
      break;
    }
    case 'WaitlistLeft': {
      const entry = entryOf(state, event.data.entryId);
      if (entry.status !== 'waiting' && entry.status !== 'offered')
        throw new Error(`entry ${entry.entryId} left while ${entry.status}`);
      end(state, entry, 'left', event.data.at);
      break;
    }
    case 'WaitlistOffered': {
      const { entryId, holdId, seatIds, sectionId, quantity, expiresAt, at } = event.data;
      const entry = entryOf(state, entryId);
      assertStatus(entry, 'waiting');
      if (entry.offer !== undefined) throw new Error(`entry ${entryId} offered twice`);
      if (entry.gathers.size > 0) throw new Error(`entry ${entryId} offered while it still gathers`);
      // Everyone still waiting ahead of this entry whom these seats could have served was overtaken once more.
      for (const ahead of state.line.values()) {
        if (ahead === entry) break;
        if (ahead.status === 'waiting' && offerTouchesScope(state.layout, ahead.scope, seatIds, sectionId))
          ahead.overtaken += 1;
      }
      entry.status = 'offered';
      entry.offer = { holdId, seatIds, sectionId, quantity, expiresAt, at };
      state.waiting -= 1;
      state.entryOfHold.set(holdId, entryId);
      break;
    }
    case 'WaitlistOfferLapsed':
    case 'WaitlistOfferDeclined': {
      const entry = entryOf(state, event.data.entryId);
      offerEnded(state, entry, event.data.holdId);
      // A buyer who left while offered keeps the status "left"; the release of the hold only closes the books.
      if (entry.status === 'offered')
        end(state, entry, event.type === 'WaitlistOfferLapsed' ? 'lapsed' : 'declined', event.data.at);
      break;
    }
    case 'WaitlistFulfilled': {
      const entry = entryOf(state, event.data.entryId);
      assertStatus(entry, 'offered');
      offerEnded(state, entry, event.data.holdId);
      entry.orderId = event.data.orderId;
      end(state, entry, 'fulfilled', event.data.at);
      break;
    }
    case 'WaitlistSeatsGathered': {
      const { entryId, holdId, seatIds, quantity } = event.data;
      const entry = entryOf(state, entryId);
      assertStatus(entry, 'waiting');
      if (state.entryOfHold.has(holdId)) throw new Error(`waitlist hold ${holdId} gathered twice`);
      const seats = seatIds.map((seatId) => {
        const seat = state.layout.seats.indexOf(seatId);
        if (seat === undefined) throw new Error(`event names unknown seat ${seatId}`);
        return seat;
      });
      entry.gathers.set(holdId, { holdId, seats, quantity });
      entry.gathersMade += 1;
      state.entryOfHold.set(holdId, entryId);
      for (const seat of seats) state.gathererOfSeat.set(seat, entryId);
      state.gatherHolds += 1;
      state.gatherers.set(entryId, entry);
      break;
    }
    case 'WaitlistGatherReleased': {
      const { entryId, holdId } = event.data;
      const entry = entryOf(state, entryId);
      const gather = entry.gathers.get(holdId);
      if (gather === undefined) throw new Error(`entry ${entryId} has no gathering hold ${holdId}`);
      entry.gathers.delete(holdId);
      state.entryOfHold.delete(holdId);
      for (const seat of gather.seats) state.gathererOfSeat.delete(seat);
      state.gatherHolds -= 1;
      if (entry.gathers.size === 0) state.gatherers.delete(entryId);
      break;
    }
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
    }
  }
  return state;
};

const entryOf = (state: WaitlistState, entryId: string): WaitlistEntry => {
  const entry = state.entries.get(entryId);
  if (entry === undefined) throw new Error(`event names unknown waitlist entry ${entryId}`);
  return entry;
};

const assertStatus = (entry: WaitlistEntry, status: EntryStatus): void => {
  if (entry.status !== status) throw new Error(`entry ${entry.entryId} is ${entry.status}, expected ${status}`);
};

const offerEnded = (state: WaitlistState, entry: WaitlistEntry, holdId: string): void => {
  if (entry.offer?.holdId !== holdId || state.entryOfHold.get(holdId) !== entry.entryId)
    throw new Error(`entry ${entry.entryId} has no live offer ${holdId}`);
  state.entryOfHold.delete(holdId);
};

/** Out of the line for good. Its holds (an offer not ordered, gathered seats) are closed by their own events. */
const end = (state: WaitlistState, entry: WaitlistEntry, status: EntryStatus, at: number): void => {
  if (entry.status === 'waiting') state.waiting -= 1;
  entry.status = status;
  entry.endedAt = at;
  state.line.delete(entry.entryId);
  if (state.activeEntryOfUser.get(entry.userId) === entry.entryId) state.activeEntryOfUser.delete(entry.userId);
};
