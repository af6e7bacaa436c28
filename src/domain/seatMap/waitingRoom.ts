import { BookingError } from '../bookingError.ts';
import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { lapsingWithinMsDefault } from '../queue/admission.ts';
import { decideQueue } from '../queue/decide.ts';
import type { QueueEvent } from '../queue/events.ts';
import { isRoomEngaged } from '../queue/read.ts';
import type { PlaceHold, RoomCommand } from './commands.ts';
import type { InventoryState } from './state.ts';
import { sellableStock } from './stock.ts';

/**
 * The inventory's side of the event's waiting room (src/domain/queue/): the room's commands decided over the same
 * state, with the stock the room admits by read from the seats, and the admission a hold needs while the room is
 * engaged. Pure like the rest of decide.
 */
export const decideRoom = (command: RoomCommand, state: InventoryState): QueueEvent[] => {
  if (command.type !== 'TickRoom') return decideQueue(command, state.queue);
  const { now } = command.data;
  const queue = state.queue;
  if (queue.room === undefined) return [];
  if (queue.engaged && !queue.soldOut && now >= queue.room.config.saleStartsAt && nothingLeftToSell(state)) {
    return decideQueue({ type: 'DeclareSoldOut', data: { now } }, queue);
  }
  const stock = sellableStock(state, now, lapsingWithinMsDefault);
  return decideQueue({ type: 'AdmitNext', data: { stock, now } }, queue);
};

/**
 * Every seat and place sold: nothing is on sale, held or in checkout, so nothing can come back but a refund. Holds
 * and reservations still count as stock to come, so the line keeps waiting while they may lapse or fail.
 */
export const nothingLeftToSell = (state: InventoryState): boolean => {
  const { counts } = state;
  if (counts[seatStatusCodes.available]! + counts[seatStatusCodes.held]! + counts[seatStatusCodes.reserved]! > 0) {
    return false;
  }
  for (const counter of state.general.values()) if (counter.sold < counter.capacity) return false;
  return true;
};

/**
 * While the room is engaged a buyer's hold needs an admission that still runs at `now`; the waitlist's own holds
 * (made by the actor for an entry) need none. A refusal is transient: the same request succeeds once admitted.
 */
export const refuseUnadmitted = (command: PlaceHold, state: InventoryState): void => {
  const { admittedUntil, waitlistEntryId, now } = command.data;
  if (waitlistEntryId !== undefined || !isRoomEngaged(state.queue)) return;
  if (admittedUntil !== undefined && admittedUntil > now) return;
  throw new BookingError(
    'NOT_ADMITTED',
    admittedUntil === undefined
      ? 'the waiting room is engaged: join the queue (POST /v1/events/:id/queue) and hold with its admission token'
      : 'your admission has run out: join the queue again',
  );
};

/** A buyer who orders is done choosing: their place among the admitted goes to the next in line. */
export const admissionFinishedBy = (state: InventoryState, userId: string, now: number): QueueEvent[] =>
  state.queue.room === undefined
    ? []
    : decideQueue({ type: 'FinishAdmission', data: { userId, outcome: 'ordered', now } }, state.queue);
