import { BookingError } from '../bookingError.ts';
import type { HoldRecord, InventoryState } from './state.ts';

/*
 * Hold lookups and the record of a hold that ends, shared by the hold decisions (decide.ts) and the order decisions
 * (orders.ts): kept apart from both so neither imports the other.
 */

/** The buyer's live hold, or the refusal that says why there is none for them. */
export const ownHold = (state: InventoryState, holdId: string, userId: string): HoldRecord => {
  const handle = state.handleOfHold.get(holdId);
  const hold = handle === undefined ? undefined : state.holds.get(handle);
  if (hold === undefined) throw new BookingError('HOLD_NOT_FOUND', `no live hold ${holdId}`);
  if (hold.userId !== userId) throw new BookingError('FORBIDDEN', `hold ${holdId} belongs to another buyer`);
  return hold;
};

/** The order's reserved hold: payment outcomes move only a hold in this state. */
export const reservationOf = (state: InventoryState, orderId: string): HoldRecord => {
  const handle = state.handleOfOrder.get(orderId);
  const hold = handle === undefined ? undefined : state.holds.get(handle);
  if (hold === undefined) throw new BookingError('ORDER_NOT_FOUND', `no reservation for order ${orderId}`);
  if (hold.status !== 'reserved') throw new BookingError('ORDER_STATE', `order ${orderId} is ${hold.status}`);
  return hold;
};

/** What every event that ends a hold (expiry, release, reservation, sale, refund) says about it. */
export const endedHold = (state: InventoryState, hold: HoldRecord, now: number) => ({
  holdId: hold.holdId,
  userId: hold.userId,
  seatIds: hold.seats.map((seat) => state.layout.seats.id(seat)),
  ...(hold.sectionId === undefined ? {} : { sectionId: hold.sectionId }),
  quantity: hold.quantity,
  at: now,
});
