import { isPaymentOpen } from '../machines/paymentTransitions.ts';
import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { queueViolations } from '../queue/invariants.ts';
import type { InventoryState } from './state.ts';

const statusOfHold = {
  held: seatStatusCodes.held,
  reserved: seatStatusCodes.reserved,
  sold: seatStatusCodes.sold,
} as const;

/**
 * Every way the inventory can be wrong, checked in full: a seat in exactly one state, counts that add up, no
 * seat in two holds, counters within capacity. O(seats + holds): run where state is written in tests and where
 * it is read back from a snapshot, not on every batch. Returns the violations; empty means sound.
 */
export const inventoryViolations = (state: InventoryState): string[] => {
  const problems: string[] = [];
  const seatCount = state.layout.seats.count;
  const counted = new Uint32Array(4);
  const owner = new Int32Array(seatCount);
  // The buyers' lists are arrays: each hold listed once, and no list keeps a hold that is gone.
  let listed = 0;
  for (const handles of state.holdsOfUser.values()) listed += handles.length;
  if (listed !== state.holds.size) problems.push(`buyers list ${listed} holds, there are ${state.holds.size}`);
  for (const hold of state.holds.values()) {
    if (state.handleOfHold.get(hold.holdId) !== hold.handle) problems.push(`hold ${hold.holdId} not indexed`);
    if (!state.holdsOfUser.get(hold.userId)?.includes(hold.handle))
      problems.push(`hold ${hold.holdId} not listed for its buyer`);
    const lane = hold.waitlistEntryId === undefined ? state.expiryQueue : state.waitlistExpiryQueue;
    const otherLane = hold.waitlistEntryId === undefined ? state.waitlistExpiryQueue : state.expiryQueue;
    if ((hold.status === 'held') !== lane.has(hold.handle) || otherLane.has(hold.handle))
      problems.push(`hold ${hold.holdId} expiry queue mismatch`);
    if (lane.has(hold.handle) && lane.get(hold.handle) !== hold.expiresAt)
      problems.push(`hold ${hold.holdId} queued with another expiry`);
    if (hold.seats.length > 0 && hold.quantity !== hold.seats.length)
      problems.push(`hold ${hold.holdId} quantity mismatch`);
    for (const seat of hold.seats) {
      if (owner[seat] !== 0) problems.push(`seat ${state.layout.seats.id(seat)} in two holds`);
      owner[seat] = hold.handle;
      if (state.status[seat] !== statusOfHold[hold.status])
        problems.push(`seat ${state.layout.seats.id(seat)} status differs from its hold`);
    }
  }
  for (const lane of [state.expiryQueue, state.waitlistExpiryQueue]) {
    for (const handle of lane.keys())
      if (!state.holds.has(handle)) problems.push(`expiry queue names no hold ${handle}`);
  }
  for (let seat = 0; seat < seatCount; seat++) {
    const status = state.status[seat]!;
    if (status > seatStatusCodes.sold)
      problems.push(`seat ${state.layout.seats.id(seat)} has unknown status ${status}`);
    counted[status]! += 1;
    if (state.holdOfSeat[seat] !== owner[seat])
      problems.push(`seat ${state.layout.seats.id(seat)} points at the wrong hold`);
    if (status === seatStatusCodes.available && owner[seat] !== 0)
      problems.push(`available seat ${state.layout.seats.id(seat)} is in a hold`);
  }
  for (let status = 0; status < 4; status++) {
    if (counted[status] !== state.counts[status])
      problems.push(`count of status ${status} is ${state.counts[status]}, seats say ${counted[status]}`);
  }
  for (const [sectionId, counter] of state.general) {
    const fromHolds = { held: 0, reserved: 0, sold: 0 };
    for (const hold of state.holds.values())
      if (hold.sectionId === sectionId && hold.seats.length === 0) fromHolds[hold.status] += hold.quantity;
    for (const key of ['held', 'reserved', 'sold'] as const) {
      if (counter[key] !== fromHolds[key])
        problems.push(`section ${sectionId} ${key} is ${counter[key]}, holds say ${fromHolds[key]}`);
      if (counter[key] < 0) problems.push(`section ${sectionId} ${key} is negative`);
    }
    if (counter.held + counter.reserved + counter.sold > counter.capacity)
      problems.push(`section ${sectionId} over capacity`);
  }
  problems.push(...orderViolations(state));
  return problems;
};

/** Crashes the caller (the actor restarts clean from the store) when the inventory is unsound. */
export const assertInventorySound = (state: InventoryState): void => {
  const problems = [...inventoryViolations(state), ...queueViolations(state.queue).map((p) => `waiting room: ${p}`)];
  if (problems.length > 0) throw new Error(`inventory of ${state.eventId} unsound: ${problems.slice(0, 5).join('; ')}`);
};

/**
 * Orders agree with their seats: an open payment holds a reserved hold, a succeeded one a sold hold with one
 * ticket per place, every other status no hold at all; a refund is due exactly for refunded orders.
 */
const orderViolations = (state: InventoryState): string[] => {
  const problems: string[] = [];
  for (const order of state.orders.values()) {
    const handle = state.handleOfOrder.get(order.orderId);
    const hold = handle === undefined ? undefined : state.holds.get(handle);
    const open = isPaymentOpen(order.status);
    if (open !== state.paymentDeadlines.has(order.orderId)) problems.push(`order ${order.orderId} deadline mismatch`);
    if (open && hold?.status !== 'reserved') problems.push(`open order ${order.orderId} has no reserved seats`);
    if (order.status === 'succeeded') {
      if (hold?.status !== 'sold') problems.push(`paid order ${order.orderId} has no sold seats`);
      if (order.ticketIds.length !== order.quantity)
        problems.push(`paid order ${order.orderId} has ${order.ticketIds.length} tickets for ${order.quantity} places`);
    } else if (order.ticketIds.length > 0 && order.status !== 'refunded')
      // A refunded order keeps the (now void) tickets it had when an admin refunded it.
      problems.push(`unpaid order ${order.orderId} has tickets`);
    if (!open && order.status !== 'succeeded' && hold !== undefined)
      problems.push(`order ${order.orderId} (${order.status}) still holds seats`);
    if (hold !== undefined && (hold.holdId !== order.holdId || hold.quantity !== order.quantity))
      problems.push(`order ${order.orderId} names another hold`);
    // At least the hold's HoldPlaced and the OrderPlaced, at rising positions the stream has.
    const versions = order.eventVersions;
    if (versions.length < 2 || versions.some((v, i) => v < 1 || v > state.version || (i > 0 && v <= versions[i - 1]!)))
      problems.push(`order ${order.orderId} has audit versions out of order: ${versions.join(',')}`);
    if (hold !== undefined && versions[0] !== hold.placedVersion)
      problems.push(`order ${order.orderId}'s trail does not start at its hold`);
    if (order.refundDue !== (order.status === 'refunded'))
      problems.push(`order ${order.orderId} refund state disagrees with ${order.status}`);
  }
  for (const ticket of state.tickets.values()) {
    if (!state.orders.get(ticket.orderId)?.ticketIds.includes(ticket.ticketId))
      problems.push(`ticket ${ticket.ticketId} not listed by its order`);
  }
  return problems;
};
