import { BookingError } from '../bookingError.ts';
import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { isRoomEngaged } from '../queue/read.ts';
import type { InventoryState, SeatLayout } from './state.ts';
import type { HoldRequest } from './views.ts';

/**
 * Free places of an event by section and price tier, as of its last committed batch: the inventory counter the actor
 * publishes so that a hold for something sold out is refused before it enters the mailbox. Kept by the batch (only the
 * seats a batch changed are recounted), never by a scan per request.
 */
export type StockCounter = {
  readonly layout: SeatLayout;
  /** Section index (into `sectionIds`) of every seat, in layout order. */
  readonly sectionOfSeat: Uint16Array;
  readonly sectionIds: readonly string[];
  /** The status of every seat as last counted. */
  readonly status: Uint8Array;
  /** Free seats by section × tier: `freeSeats[section * tierCount + tier]`. */
  readonly freeSeats: Int32Array;
  /** Free places of each general-admission section (no lapse counted). */
  readonly generalFree: Map<string, number>;
  /** The stream version counted. */
  version: number;
  /**
   * The first instant at which a hold lapses: from then on, until the sweep's batch is counted, seats the counter
   * says are held may be free (lazy expiry), so it answers nothing.
   */
  validUntil: number;
  /** Whether holds need an admission (the waiting room is engaged): then the actor answers, NOT_ADMITTED first. */
  roomEngaged: boolean;
};

const firstLapse = (state: InventoryState): number => {
  return state.expiryQueue.firstExpiresAt() ?? Number.POSITIVE_INFINITY;
};

const countGeneral = (counter: StockCounter, state: InventoryState): void => {
  for (const [sectionId, general] of state.general) {
    counter.generalFree.set(sectionId, general.capacity - general.held - general.reserved - general.sold);
  }
  counter.version = state.version;
  counter.validUntil = firstLapse(state);
  counter.roomEngaged = isRoomEngaged(state.queue);
};

/** Counts every seat: at activation and after a reload. O(seats). */
export const countStock = (state: InventoryState): StockCounter => {
  const { layout } = state;
  const sectionIds = [...layout.sections.keys()];
  const sectionIndex = new Map(sectionIds.map((id, i) => [id, i]));
  const sectionOfSeat = new Uint16Array(layout.seats.count);
  for (const row of layout.rows) sectionOfSeat.fill(sectionIndex.get(row.sectionId)!, row.start, row.end);
  const tierCount = layout.tierNames.length;
  const freeSeats = new Int32Array(sectionIds.length * tierCount);
  const status = state.status.slice();
  for (let seat = 0; seat < status.length; seat++) {
    if (status[seat] === seatStatusCodes.available)
      freeSeats[sectionOfSeat[seat]! * tierCount + layout.tierOf[seat]!]! += 1;
  }
  const counter: StockCounter = {
    layout,
    sectionOfSeat,
    sectionIds,
    status,
    freeSeats,
    generalFree: new Map(),
    version: state.version,
    validUntil: Number.POSITIVE_INFINITY,
    roomEngaged: false,
  };
  countGeneral(counter, state);
  return counter;
};

/**
 * What a batch changed in the stock, read from the state right after the batch was evolved: the status of each seat it
 * changed, the general sections' free places, and the rest of what the counter records. Applied once the batch is
 * durable, so the counter shows committed batches only, even when later batches were evolved on top in the meantime.
 */
export type StockChange = Readonly<{
  seats: readonly number[];
  /** The status of `seats[i]` after the batch. */
  statusAfter: Uint8Array;
  generalFree: readonly (readonly [string, number])[];
  version: number;
  validUntil: number;
  roomEngaged: boolean;
}>;

/** The stock change of the batch just evolved into `state`, for the seats it changed (by position). */
export const stockChangeOf = (state: InventoryState, changedSeats: Iterable<number>): StockChange => {
  const seats = [...changedSeats];
  const statusAfter = new Uint8Array(seats.length);
  for (let i = 0; i < seats.length; i++) statusAfter[i] = state.status[seats[i]!]!;
  const generalFree = [...state.general].map(
    ([sectionId, general]) => [sectionId, general.capacity - general.held - general.reserved - general.sold] as const,
  );
  return {
    seats,
    statusAfter,
    generalFree,
    version: state.version,
    validUntil: firstLapse(state),
    roomEngaged: isRoomEngaged(state.queue),
  };
};

/** Applies a committed batch's stock change. O(changed seats + sections). */
export const applyStockChange = (counter: StockCounter, change: StockChange): void => {
  const tierCount = counter.layout.tierNames.length;
  const available = seatStatusCodes.available;
  for (let i = 0; i < change.seats.length; i++) {
    const seat = change.seats[i]!;
    const before = counter.status[seat]!;
    const after = change.statusAfter[i]!;
    if (before === after) continue;
    const cell = counter.sectionOfSeat[seat]! * tierCount + counter.layout.tierOf[seat]!;
    if (before === available) counter.freeSeats[cell]! -= 1;
    if (after === available) counter.freeSeats[cell]! += 1;
    counter.status[seat] = after;
  }
  for (const [sectionId, free] of change.generalFree) counter.generalFree.set(sectionId, free);
  counter.version = change.version;
  counter.validUntil = change.validUntil;
  counter.roomEngaged = change.roomEngaged;
};

/** Recounts the seats a committed batch changed (by position), and the general sections. O(changed seats + sections). */
export const recountStock = (counter: StockCounter, state: InventoryState, changedSeats: Iterable<number>): void =>
  applyStockChange(counter, stockChangeOf(state, changedSeats));

const freeSeatsMatching = (counter: StockCounter, section: number | undefined, tier: number | undefined): number => {
  const tierCount = counter.layout.tierNames.length;
  let free = 0;
  for (let s = 0; s < counter.sectionIds.length; s++) {
    if (section !== undefined && s !== section) continue;
    for (let t = 0; t < tierCount; t++) {
      if (tier === undefined || t === tier) free += counter.freeSeats[s * tierCount + t]!;
    }
  }
  return free;
};

/**
 * The answer the actor would give a hold when it is SOLD_OUT, from the counter alone; undefined whenever the actor
 * must decide (a remembered requestId is the caller's to check). It mirrors `placeHold`'s order: a sale not open yet,
 * an engaged room, a counter a lapse may have made stale, specific seats (never SOLD_OUT), a malformed or too large
 * quantity, and an unknown section or tier all go to the actor; only "nothing left that matches" is answered here.
 */
export const soldOutRefusal = (
  counter: StockCounter,
  saleStartsAtMs: number | null,
  maxSeatsPerUser: number,
  request: HoldRequest,
  now: number,
): BookingError | undefined => {
  if (saleStartsAtMs !== null && now < saleStartsAtMs) return undefined;
  if (counter.roomEngaged || now >= counter.validUntil || request.kind === 'seats') return undefined;
  const { quantity } = request;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > maxSeatsPerUser) return undefined;
  const { layout } = counter;
  const section = request.sectionId === undefined ? undefined : layout.sections.get(request.sectionId);
  if (request.sectionId !== undefined && section === undefined) return undefined;
  if (request.kind === 'general' && section?.kind !== 'general') return undefined;
  const priceTier = request.kind === 'bestAvailable' ? request.priceTier : undefined;
  if (section?.kind === 'general') {
    if (priceTier !== undefined && priceTier !== section.priceTier) return undefined;
    return counter.generalFree.get(section.id) === 0
      ? new BookingError('SOLD_OUT', `section ${section.id} is sold out`)
      : undefined;
  }
  const tier = priceTier === undefined ? undefined : layout.tierNames.indexOf(priceTier);
  if (tier === -1) return undefined;
  const sectionIndex = section === undefined ? undefined : counter.sectionIds.indexOf(section.id);
  return freeSeatsMatching(counter, sectionIndex, tier) === 0
    ? new BookingError('SOLD_OUT', 'no seats left that match')
    : undefined;
};
