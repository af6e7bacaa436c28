import { seatStatusCodes } from '../machines/seatTransitions.ts';
import type { InventoryState } from './state.ts';

/**
 * What the waiting room needs to know about stock, read from the inventory: `available` places on sale at `now`
 * (free seats, free general places, and places of holds that lapsed but are not yet expired in the log), and
 * `lapsing` places of holds that lapse within `lapsingWithinMs`. O(sections + holds lapsing): the expiry queue is
 * in expiry order, so the walk stops at the first hold that lapses later.
 */
export const sellableStock = (
  state: InventoryState,
  now: number,
  lapsingWithinMs: number,
): { available: number; lapsing: number } => {
  let available = state.counts[seatStatusCodes.available]!;
  for (const counter of state.general.values()) {
    available += counter.capacity - counter.held - counter.reserved - counter.sold;
  }
  let lapsing = 0;
  for (const [handle, expiresAt] of state.expiryQueue) {
    if (expiresAt > now + lapsingWithinMs) break;
    const { quantity } = state.holds.get(handle)!;
    if (expiresAt <= now) available += quantity;
    else lapsing += quantity;
  }
  return { available, lapsing };
};
