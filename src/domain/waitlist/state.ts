import type { SeatLayout } from '../seatMap/state.ts';
import type { WaitlistRequest } from './commands.ts';

/**
 * The starvation rule's bound and the line's size (see react.ts). Limits are named with their unit, last.
 * `overtakesMax`: how many times later entries may be offered seats an entry could use while it waits, before
 * seats are gathered for it. `entriesMax`: active entries (waiting or offered) per event.
 */
export type WaitlistPolicy = Readonly<{ overtakesMax: number; entriesMax: number }>;

export const waitlistPolicyDefault: WaitlistPolicy = { overtakesMax: 3, entriesMax: 10_000 };

/** waiting → offered → fulfilled | lapsed | declined; waiting or offered → left. */
export type EntryStatus = 'waiting' | 'offered' | 'fulfilled' | 'lapsed' | 'declined' | 'left';

/** Which seats can serve an entry: places of one general-admission section, or seats filtered by section and tier. */
export type Scope =
  | Readonly<{ kind: 'general'; sectionId: string }>
  | Readonly<{ kind: 'seated'; sectionId: string | undefined; tier: number | undefined }>;

export type OfferRecord = Readonly<{
  holdId: string;
  seatIds: readonly string[];
  sectionId: string | undefined;
  quantity: number;
  expiresAt: number;
  at: number;
}>;

/** Seats (by index) or general-admission places held back for a protected entry, in one inventory hold. */
export type GatherRecord = Readonly<{ holdId: string; seats: readonly number[]; quantity: number }>;

export type WaitlistEntry = {
  readonly entryId: string;
  readonly userId: string;
  readonly requestId: string;
  readonly request: WaitlistRequest;
  readonly scope: Scope;
  /** Join order: strictly increasing. */
  readonly seq: number;
  readonly joinedAt: number;
  status: EntryStatus;
  /** Offers of seats in this entry's scope made to later entries while this one waited. */
  overtaken: number;
  offer: OfferRecord | undefined;
  orderId: string | undefined;
  endedAt: number | undefined;
  /** Live gathering holds by hold id. */
  readonly gathers: Map<string, GatherRecord>;
  /** Gathering holds ever made, so each gets a new hold id. */
  gathersMade: number;
};

/**
 * An event's waitlist. Like the inventory it is owned by the event's actor and changed in place by evolve; it reads
 * the inventory's layout (which never changes while the actor lives) to know which seats an entry can use.
 */
export type WaitlistState = {
  readonly layout: SeatLayout;
  readonly policy: WaitlistPolicy;
  /** Every entry ever joined, ended ones too (a buyer can read how theirs ended). */
  readonly entries: Map<string, WaitlistEntry>;
  /** Active entries (waiting or offered) in join order. */
  readonly line: Map<string, WaitlistEntry>;
  readonly activeEntryOfUser: Map<string, string>;
  /** Each buyer's latest entry, active or ended, for `GET …/waitlist/me`. */
  readonly lastEntryOfUser: Map<string, string>;
  /** Live offer and gathering holds → their entry. */
  readonly entryOfHold: Map<string, string>;
  /** Seat index → the entry a gathering hold keeps it for. */
  readonly gathererOfSeat: Map<number, string>;
  /** requestKey(userId, requestId) of each join → its entry, so a retried join finds what it made. */
  readonly entryOfRequest: Map<string, string>;
  nextSeq: number;
  /** Entries in status waiting. */
  waiting: number;
  /** Live gathering holds, all entries together. */
  gatherHolds: number;
  /** Entries with at least one live gathering hold (few: only protected entries gather). */
  readonly gatherers: Map<string, WaitlistEntry>;
};

export const initialWaitlistState = (
  layout: SeatLayout,
  policy: WaitlistPolicy = waitlistPolicyDefault,
): WaitlistState => ({
  layout,
  policy,
  entries: new Map(),
  line: new Map(),
  activeEntryOfUser: new Map(),
  lastEntryOfUser: new Map(),
  entryOfHold: new Map(),
  gathererOfSeat: new Map(),
  entryOfRequest: new Map(),
  nextSeq: 1,
  waiting: 0,
  gatherHolds: 0,
  gatherers: new Map(),
});

/** The hold an entry is offered: one per entry, since an entry is offered once. Named after the entry (so its event). */
export const offerHoldIdOf = (entryId: string): string => `${entryId}-offer`;
export const gatherHoldIdOf = (entryId: string, n: number): string => `${entryId}-gather-${n}`;
/**
 * Gathering holds belong to no buyer: to this id, which no session can have (buyer ids are `u_…`), so no buyer can
 * order or release them, and the per-buyer limit counts them apart from the buyer's own seats.
 */
export const gathererIdOf = (entryId: string): string => `waitlist:${entryId}`;

/** Protected entries have been overtaken enough: seats they can use are gathered for them (react.ts). */
export const isProtected = (state: WaitlistState, entry: WaitlistEntry): boolean =>
  entry.overtaken >= state.policy.overtakesMax;

export const scopeOf = (layout: SeatLayout, request: WaitlistRequest): Scope => {
  const section = request.sectionId === undefined ? undefined : layout.sections.get(request.sectionId);
  if (section?.kind === 'general') return { kind: 'general', sectionId: section.id };
  const tier = request.priceTier === undefined ? -1 : layout.tierNames.indexOf(request.priceTier);
  return { kind: 'seated', sectionId: request.sectionId, tier: tier < 0 ? undefined : tier };
};

/** The row a seat sits in (rows are contiguous and in seat order). */
export const rowIndexOf = (layout: SeatLayout, seat: number): number => {
  let low = 0;
  let high = layout.rows.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (layout.rows[middle]!.start <= seat) low = middle;
    else high = middle - 1;
  }
  return low;
};

export const seatInScope = (layout: SeatLayout, scope: Scope, seat: number): boolean => {
  if (scope.kind === 'general') return false;
  if (scope.tier !== undefined && layout.tierOf[seat] !== scope.tier) return false;
  return scope.sectionId === undefined || layout.rows[rowIndexOf(layout, seat)]!.sectionId === scope.sectionId;
};

/** Rows an entry's seats can come from, in venue order (front rows of each section first). */
export const rowsInScope = (layout: SeatLayout, scope: Scope): number[] => {
  if (scope.kind === 'general') return [];
  const rows: number[] = [];
  for (const section of layout.sections.values()) {
    if (section.kind !== 'seated' || (scope.sectionId !== undefined && section.id !== scope.sectionId)) continue;
    for (let row = section.firstRow; row < section.endRow; row++) rows.push(row);
  }
  return rows;
};

/** Does an offer (or any hold) of these seats or places give this scope something it could use? */
export const offerTouchesScope = (
  layout: SeatLayout,
  scope: Scope,
  seatIds: readonly string[],
  sectionId: string | undefined,
): boolean => {
  if (scope.kind === 'general') return seatIds.length === 0 && sectionId === scope.sectionId;
  return seatIds.some((seatId) => {
    const seat = layout.seats.indexOf(seatId);
    return seat !== undefined && seatInScope(layout, scope, seat);
  });
};

export const sameRequest = (a: WaitlistRequest, b: WaitlistRequest): boolean =>
  a.quantity === b.quantity && a.sectionId === b.sectionId && a.priceTier === b.priceTier && a.together === b.together;

export const gatheredCount = (entry: WaitlistEntry): number => {
  let total = 0;
  for (const gather of entry.gathers.values()) total += gather.quantity;
  return total;
};
