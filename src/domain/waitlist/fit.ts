import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { findBestAvailable } from '../seatMap/bestAvailable.ts';
import type { InventoryState, SeatLayout } from '../seatMap/state.ts';
import { gatheredCount, rowsInScope, type Scope, type WaitlistEntry, type WaitlistState } from './state.ts';

/**
 * Which seats fit an entry, and which ones to gather for it. Pure reads of the inventory and the waitlist; the
 * seats named here are then held through the inventory's own PlaceHold, which checks them again.
 *
 * "Available" means the seat's committed status: the reaction runs right after the events that free seats, and the
 * event's decider expires lapsed holds before any command that takes seats (eventDecider.ts), so the waitlist never
 * races a buyer for seats that are free only lazily.
 */
export type SeatTest = (seat: number) => boolean;

/** What an offer would take: seats, or general-admission places, plus the gathering holds it must end first. */
export type OfferPlan = Readonly<{ seats: readonly number[]; places: number; releases: readonly string[] }>;

/** N seats of the scope the test accepts: adjacent in one row when `together`, else the best block or the front-most seats. */
export const seatsFitting = (
  layout: SeatLayout,
  scope: Scope,
  quantity: number,
  together: boolean,
  usable: SeatTest,
): number[] | undefined => {
  if (scope.kind === 'general') return undefined;
  const block = findBestAvailable(layout, usable, quantity, scope.sectionId, scope.tier);
  if (block.kind === 'found') return block.seats;
  if (together || block.kind === 'none') return undefined;
  const seats: number[] = [];
  for (const row of rowsInScope(layout, scope)) {
    const { start, end } = layout.rows[row]!;
    for (let seat = start; seat < end && seats.length < quantity; seat++)
      if ((scope.tier === undefined || layout.tierOf[seat] === scope.tier) && usable(seat)) seats.push(seat);
    if (seats.length === quantity) return seats;
  }
  return undefined;
};

export const freePlaces = (inventory: InventoryState, sectionId: string): number => {
  const counter = inventory.general.get(sectionId)!;
  return counter.capacity - counter.held - counter.reserved - counter.sold;
};

export const isAvailable = (inventory: InventoryState, seat: number): boolean =>
  inventory.status[seat] === seatStatusCodes.available;

/** The entry gathering this seat, if any. */
const gathererOf = (waitlist: WaitlistState, seat: number): WaitlistEntry | undefined => {
  const entryId = waitlist.gathererOfSeat.get(seat);
  return entryId === undefined ? undefined : waitlist.entries.get(entryId);
};

/**
 * The offer an entry gets now, or undefined when nothing fits. It may use available seats and its own gathered
 * ones first; failing that, also seats gathered for entries behind it: gathering holds seats back from later
 * entries and from the public, never from an entry ahead.
 */
export const planOffer = (
  inventory: InventoryState,
  waitlist: WaitlistState,
  entry: WaitlistEntry,
): OfferPlan | undefined => {
  const { layout } = waitlist;
  const { quantity, together } = entry.request;
  const own = [...entry.gathers.keys()];
  if (entry.scope.kind === 'general') {
    const sectionId = entry.scope.sectionId;
    const available = freePlaces(inventory, sectionId) + gatheredCount(entry);
    if (available >= quantity) return { seats: [], places: quantity, releases: own };
    // Take places back from the last entries first: they are the furthest from being served.
    const releases = [...own];
    let places = available;
    const later = [...waitlist.gatherers.values()]
      .filter((other) => other.seq > entry.seq && other.scope.kind === 'general' && other.scope.sectionId === sectionId)
      .sort((a, b) => b.seq - a.seq);
    for (const gatherer of later) {
      for (const gather of gatherer.gathers.values()) {
        if (places >= quantity) break;
        releases.push(gather.holdId);
        places += gather.quantity;
      }
    }
    return places >= quantity ? { seats: [], places: quantity, releases } : undefined;
  }
  const mine = (seat: number) => isAvailable(inventory, seat) || waitlist.gathererOfSeat.get(seat) === entry.entryId;
  const first = seatsFitting(layout, entry.scope, quantity, together, mine);
  if (first !== undefined) return { seats: first, places: 0, releases: own };
  const orLater = (seat: number) => {
    if (mine(seat)) return true;
    const gatherer = gathererOf(waitlist, seat);
    return gatherer !== undefined && gatherer.seq > entry.seq;
  };
  const second = seatsFitting(layout, entry.scope, quantity, together, orLater);
  if (second === undefined) return undefined;
  const releases = new Set(own);
  for (const seat of second) {
    const gatherer = gathererOf(waitlist, seat);
    if (gatherer === undefined || gatherer === entry) continue;
    for (const gather of gatherer.gathers.values()) if (gather.seats.includes(seat)) releases.add(gather.holdId);
  }
  return { seats: second, places: 0, releases: [...releases] };
};

/** Could a new request be met from what is available now (nobody's gathered seats)? */
export const fitsAvailable = (
  inventory: InventoryState,
  scope: Scope,
  quantity: number,
  together: boolean,
  usable: SeatTest,
): boolean =>
  scope.kind === 'general'
    ? freePlaces(inventory, scope.sectionId) >= quantity
    : seatsFitting(inventory.layout, scope, quantity, together, usable) !== undefined;

/** Every available seat of the scope, front rows first. */
export const availableInScope = (inventory: InventoryState, scope: Scope): number[] => {
  const { layout } = inventory;
  const seats: number[] = [];
  for (const row of rowsInScope(layout, scope)) {
    const { start, end } = layout.rows[row]!;
    for (let seat = start; seat < end; seat++)
      if (
        (scope.kind !== 'seated' || scope.tier === undefined || layout.tierOf[seat] === scope.tier) &&
        isAvailable(inventory, seat)
      )
        seats.push(seat);
  }
  return seats;
};

/**
 * The block a protected "together" entry gathers towards: q adjacent seats of one row in its scope, none kept for
 * an entry ahead of it. It prefers the block that needs the fewest seats still to come back (the most seats
 * available or already gathered), then the one holding more of its gathered seats, then fewer sold seats and fewer
 * reserved ones (those come back rarely: a refund, a failed payment), then the front-most row and the seats nearest
 * the row's centre, as best available does. Only blocks that contain every seat it has gathered compete while there
 * is one, so gathering only grows; otherwise the gathered seats outside the new block are given back.
 * Undefined when no block is possible.
 */
export const chooseTarget = (
  inventory: InventoryState,
  waitlist: WaitlistState,
  entry: WaitlistEntry,
): number[] | undefined => {
  const { layout } = waitlist;
  const quantity = entry.request.quantity;
  const gathered = new Set<number>();
  for (const gather of entry.gathers.values()) for (const seat of gather.seats) gathered.add(seat);
  const possible = (seat: number): boolean => {
    // Rows come from the scope already; only the tier is left to check.
    if (entry.scope.kind === 'seated' && entry.scope.tier !== undefined && layout.tierOf[seat] !== entry.scope.tier)
      return false;
    const gatherer = gathererOf(waitlist, seat);
    return gatherer === undefined || gatherer.seq >= entry.seq;
  };
  type Candidate = Readonly<{
    start: number;
    score: number;
    own: number;
    sold: number;
    reserved: number;
    rank: number;
    distance: number;
  }>;
  const better = (a: Candidate, b: Candidate | undefined): boolean => {
    if (b === undefined) return true;
    if (a.score !== b.score) return a.score > b.score;
    if (a.own !== b.own) return a.own > b.own;
    if (a.sold !== b.sold) return a.sold < b.sold;
    if (a.reserved !== b.reserved) return a.reserved < b.reserved;
    if (a.rank !== b.rank) return a.rank < b.rank;
    if (a.distance !== b.distance) return a.distance < b.distance;
    return a.start < b.start;
  };
  let best: Candidate | undefined;
  let bestContaining: Candidate | undefined;
  rowsInScope(layout, entry.scope).forEach((row, rank) => {
    const { start, end } = layout.rows[row]!;
    const centre = (start + end - 1) / 2;
    for (let first = start; first + quantity <= end; first++) {
      let score = 0;
      let own = 0;
      let sold = 0;
      let reserved = 0;
      let ok = true;
      for (let seat = first; seat < first + quantity && ok; seat++) {
        ok = possible(seat);
        const status = inventory.status[seat];
        if (gathered.has(seat)) own += 1;
        else if (status === seatStatusCodes.available) score += 1;
        else if (status === seatStatusCodes.sold) sold += 1;
        else if (status === seatStatusCodes.reserved) reserved += 1;
      }
      if (!ok) continue;
      score += own;
      const distance = Math.abs(first + (quantity - 1) / 2 - centre);
      const candidate: Candidate = { start: first, score, own, sold, reserved, rank, distance };
      if (better(candidate, best)) best = candidate;
      if (own === gathered.size && better(candidate, bestContaining)) bestContaining = candidate;
    }
  });
  const chosen = bestContaining ?? best;
  return chosen === undefined ? undefined : Array.from({ length: quantity }, (_, i) => chosen.start + i);
};
