import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { generalAvailable, seatStatusAt } from '../seatMap/read.ts';
import type { InventoryState } from '../seatMap/state.ts';
import type { WaitlistRequest } from './commands.ts';
import type { EventStreamEvent } from './eventState.ts';
import type { WaitlistOffered } from './events.ts';
import { seatsFitting } from './fit.ts';
import { scopeOf, type WaitlistEntry, type WaitlistState } from './state.ts';

/** An entry as its buyer sees it; instants are ISO 8601. `position` is 1-based among waiting entries, null otherwise. */
export type WaitlistEntryView = Readonly<{
  entryId: string;
  state: WaitlistEntry['status'];
  position: number | null;
  quantity: number;
  sectionId?: string;
  priceTier?: string;
  together: boolean;
  offer?: WaitlistOfferView;
  orderId?: string;
}>;

/** The hold an entry is offered, as `waitlist:offer` carries it. */
export type WaitlistOfferView = Readonly<{
  holdId: string;
  seatIds: readonly string[];
  sectionId?: string;
  quantity: number;
  expiresAt: string;
}>;

/** A waiting entry whose place in line changed. */
export type PositionChange = Readonly<{ entryId: string; userId: string; position: number }>;

/** Whether the waitlist takes new entries: its line (waiting and offered entries) is below the policy's most. */
export const waitlistOpen = (waitlist: WaitlistState): boolean => waitlist.line.size < waitlist.policy.entriesMax;

/** 1-based place among waiting entries, in join order; undefined when the entry is not waiting. O(line). */
export const positionOf = (waitlist: WaitlistState, entryId: string): number | undefined => {
  let position = 0;
  for (const entry of waitlist.line.values()) {
    if (entry.status !== 'waiting') continue;
    position += 1;
    if (entry.entryId === entryId) return position;
  }
  return undefined;
};

export const entryView = (waitlist: WaitlistState, entry: WaitlistEntry): WaitlistEntryView => ({
  entryId: entry.entryId,
  state: entry.status,
  position: positionOf(waitlist, entry.entryId) ?? null,
  quantity: entry.request.quantity,
  ...(entry.request.sectionId === undefined ? {} : { sectionId: entry.request.sectionId }),
  ...(entry.request.priceTier === undefined ? {} : { priceTier: entry.request.priceTier }),
  together: entry.request.together,
  ...(entry.offer === undefined || entry.status === 'left' ? {} : { offer: offerView(entry.offer) }),
  ...(entry.orderId === undefined ? {} : { orderId: entry.orderId }),
});

export const offerView = (
  offer: Readonly<{
    holdId: string;
    seatIds: readonly string[];
    sectionId?: string | undefined;
    quantity: number;
    expiresAt: number;
  }>,
): WaitlistOfferView => ({
  holdId: offer.holdId,
  seatIds: offer.seatIds,
  ...(offer.sectionId === undefined ? {} : { sectionId: offer.sectionId }),
  quantity: offer.quantity,
  expiresAt: new Date(offer.expiresAt).toISOString(),
});

/** The offers a batch made, for `waitlist:offer` pushes and the outbox. */
export const offersIn = (events: readonly EventStreamEvent[]): WaitlistOffered[] =>
  events.filter((event): event is WaitlistOffered => event.type === 'WaitlistOffered');

/**
 * The positions to tell: every waiting entry whose place in line differs from the one it was last told (`told`, by
 * entry id: a push, or its join's answer), in line order, and what each waiting entry knows once they are told.
 * Entries no longer waiting are left out of both. Positions are pushed coalesced (many batches' moves in one telling),
 * so this compares with what each buyer was told rather than with what one batch changed. O(line).
 */
export const positionsToTell = (
  waitlist: WaitlistState,
  told: ReadonlyMap<string, number>,
): { changes: PositionChange[]; told: Map<string, number> } => {
  const changes: PositionChange[] = [];
  const next = new Map<string, number>();
  let position = 0;
  for (const entry of waitlist.line.values()) {
    if (entry.status !== 'waiting') continue;
    position += 1;
    next.set(entry.entryId, position);
    if (told.get(entry.entryId) !== position) changes.push({ entryId: entry.entryId, userId: entry.userId, position });
  }
  return { changes, told: next };
};

/**
 * Could this request be held right now, as buyers see the map (lazily lapsed holds count as free)? False means
 * sold out for it: the shell offers to join the waitlist. Unknown sections or tiers fit nothing.
 */
export const requestFitsNow = (inventory: InventoryState, request: WaitlistRequest, now: number): boolean => {
  const scope = scopeOf(inventory.layout, request);
  if (scope.kind === 'general') return generalAvailable(inventory, scope.sectionId, now) >= request.quantity;
  if (request.priceTier !== undefined && scope.tier === undefined) return false;
  if (request.sectionId !== undefined && !inventory.layout.sections.has(request.sectionId)) return false;
  const free = (seat: number) => seatStatusAt(inventory, seat, now) === seatStatusCodes.available;
  return seatsFitting(inventory.layout, scope, request.quantity, request.together, free) !== undefined;
};

/** Nothing left at all, as buyers see the map: no seat, no general-admission place. O(1) unless holds have lapsed. */
export const isSoldOut = (inventory: InventoryState, now: number): boolean => {
  if (inventory.counts[seatStatusCodes.available] !== 0) return false;
  for (const sectionId of inventory.general.keys()) if (generalAvailable(inventory, sectionId, now) > 0) return false;
  // Lapsed holds of the event's own lane read as free (the waitlist's lane does not: its seats are owed to the line).
  const head = inventory.expiryQueue.firstExpiresAt();
  return head === undefined || head > now;
};
