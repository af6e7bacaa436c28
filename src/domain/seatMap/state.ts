import type { PaymentStatus } from '../machines/paymentMachine.ts';
import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { initialQueueState, type QueueState } from '../queue/state.ts';
import { RecentMap } from '../recentMap.ts';
import { defaultWaitlistOfferSeconds, type EventConfig, type Venue } from '../venue.ts';
import type { OrderLine, RefundReason } from './events.ts';
import { ExpiryLane } from './expiryLane.ts';
import { SeatIndex } from './seatIndex.ts';

/** Where a row's seats sit in the flat seat arrays: seats of one row are contiguous, in venue order. */
export type RowSpan = Readonly<{ sectionId: string; rowId: string; start: number; end: number }>;

export type SectionLayout =
  | Readonly<{ kind: 'seated'; id: string; firstRow: number; endRow: number }>
  | Readonly<{ kind: 'general'; id: string; capacity: number; priceTier: string }>;

/** The venue flattened once per activation; never changes while the actor lives. */
export type SeatLayout = Readonly<{
  /** Seat ids by position and positions by id. */
  seats: SeatIndex;
  tierNames: readonly string[];
  tierOf: Uint16Array;
  rows: readonly RowSpan[];
  sections: ReadonlyMap<string, SectionLayout>;
}>;

export type HoldStatus = 'held' | 'reserved' | 'sold';

export type HoldRecord = {
  readonly handle: number;
  readonly holdId: string;
  readonly userId: string;
  readonly seats: readonly number[];
  readonly sectionId: string | undefined;
  readonly quantity: number;
  readonly expiresAt: number;
  /** A waitlist hold (an offer, or seats gathered for an entry): it lives in the waitlist's expiry lane. */
  readonly waitlistEntryId: string | undefined;
  /** The stream version of its HoldPlaced, where the audit trail of an order of this hold begins. */
  readonly placedVersion: number;
  status: HoldStatus;
  orderId: string | undefined;
  reservedUntil: number | undefined;
};

export type GeneralCounter = { readonly capacity: number; held: number; reserved: number; sold: number };

/** An order: a reserved hold on its way to sold tickets, or back to sale. Lives in the event's state for good. */
export type OrderRecord = {
  readonly orderId: string;
  readonly holdId: string;
  readonly userId: string;
  readonly seatIds: readonly string[];
  readonly sectionId: string | undefined;
  readonly quantity: number;
  readonly lines: readonly OrderLine[];
  readonly amount: number;
  readonly currency: string;
  readonly createdAt: number;
  readonly reservedUntil: number;
  status: PaymentStatus;
  provider: string | undefined;
  paymentId: string | undefined;
  /** The card the order pays with, once recorded (PaymentCardRecorded, or a success that named it). */
  cardFingerprint: string | undefined;
  /** The household the seats go to, when the buyer gave an address (OrderPlaced). */
  readonly householdKey: string | undefined;
  /** The provider confirmed the payment of a timed-out order can no longer complete. */
  cancelled: boolean;
  /** Provider event ids already applied, so a redelivered webhook changes nothing. */
  readonly providerEventIds: Set<string>;
  /** Set once a refund was asked for (a late success, or an admin's): it is due until `refundId` is set. */
  refundDue: boolean;
  refundReason: RefundReason | undefined;
  /** What the refund gives back: the order's amount, or what a rejected payment took. Undefined until one is due. */
  refundAmount: number | undefined;
  refundId: string | undefined;
  readonly ticketIds: string[];
  updatedAt: number;
  /**
   * The stream versions of this booking's events, rising: its hold's HoldPlaced, then every event naming the order.
   * Its audit trail is read at these positions, so it costs its own few events however long the stream grows.
   */
  readonly eventVersions: number[];
};

export type TicketRecord = {
  readonly ticketId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly seatId: string | undefined;
  readonly sectionId: string | undefined;
  checkedInAt: number | undefined;
  gate: string | undefined;
};

/** What a request id answered the first time, so a retry gets the same answer. */
export type RequestOutcome =
  | Readonly<{
      kind: 'hold';
      holdId: string;
      seatIds: readonly string[];
      sectionId?: string;
      quantity: number;
      expiresAt: number;
      /** The hash of the hold's payload (see requests.ts); absent for holds logged before hashes. */
      requestHash?: string;
    }>
  | Readonly<{ kind: 'release'; holdId: string }>
  | Readonly<{ kind: 'reserve'; holdId: string; orderId: string; reservedUntil: number }>;

export const requestsRememberedMax = 50_000;

/**
 * An event's inventory. Seats live in typed arrays (one byte of status, a version, a hold handle), because a
 * flash sale keeps 100,000-seat maps in memory and walks them on every best-available request. The actor owns
 * the only copy: evolve updates it in place, and a failed append rebuilds it from the store.
 */
export type InventoryState = {
  readonly eventId: string;
  readonly config: EventConfig;
  readonly layout: SeatLayout;
  /**
   * Stream version: the number of events applied to the event's stream, whichever decider they belong to (the
   * waitlist's events share the stream and count here too).
   */
  version: number;
  readonly status: Uint8Array;
  readonly seatVersion: Uint32Array;
  /** 0 when the seat belongs to no hold. */
  readonly holdOfSeat: Int32Array;
  readonly holds: Map<number, HoldRecord>;
  readonly handleOfHold: Map<string, number>;
  readonly handleOfOrder: Map<string, number>;
  nextHandle: number;
  /**
   * Held (not reserved) holds by handle → expiresAt, in insertion order, which is expiry order. Holds are placed
   * with the event's one TTL, except waitlist holds, which have their own TTL and so their own queue (lane): each
   * lane stays in expiry order.
   */
  readonly expiryQueue: ExpiryLane;
  readonly waitlistExpiryQueue: ExpiryLane;
  readonly general: Map<string, GeneralCounter>;
  /**
   * Holds (held, reserved, sold) of each user, in the order placed, for the per-user seat limit. An array, not a Set: a
   * buyer has a few, and a Set made for every hold (a buyer who holds one seat at a time), with the table it allocates
   * and another when its last handle leaves, was ~270 bytes a hold of the actor's garbage.
   */
  readonly holdsOfUser: Map<string, number[]>;
  readonly requests: RecentMap<string, RequestOutcome>;
  /** Seated seats by status code. */
  readonly counts: Uint32Array;
  readonly orders: Map<string, OrderRecord>;
  /** Open payments (pending, processing) by order id → reservedUntil, in deadline order (one timeout per event). */
  readonly paymentDeadlines: Map<string, number>;
  readonly tickets: Map<string, TicketRecord>;
  /** Order ids by card fingerprint and by household key, for the purchase limits (purchaseLimits.ts). */
  readonly ordersOfCard: Map<string, Set<string>>;
  readonly ordersOfHousehold: Map<string, Set<string>>;
  /** The event's waiting room (src/domain/queue/), evolved from the same stream; a room is set up by its first event. */
  queue: QueueState;
};

/**
 * The separator is U+001F, not NUL: snapshots are stored as Postgres jsonb, which refuses `\u0000`, so a NUL here made
 * every snapshot with a remembered request fail (and the actor retried it after every batch).
 */
export const requestKey = (userId: string, requestId: string): string => `${userId}\u001f${requestId}`;

export const buildLayout = (venue: Venue, config: EventConfig): SeatLayout => {
  const seatIds: string[] = [];
  const tierIndex = new Map<string, number>(Object.keys(config.priceTiers).map((tier, i) => [tier, i]));
  const tierOfSeat: number[] = [];
  const rows: RowSpan[] = [];
  const sections = new Map<string, SectionLayout>();
  const tierOf = (tier: string): number => {
    let index = tierIndex.get(tier);
    if (index === undefined) {
      index = tierIndex.size;
      tierIndex.set(tier, index);
    }
    return index;
  };
  for (const section of venue.sections) {
    if (section.kind === 'general') {
      tierOf(section.priceTier);
      sections.set(section.id, {
        kind: 'general',
        id: section.id,
        capacity: section.capacity,
        priceTier: section.priceTier,
      });
      continue;
    }
    const firstRow = rows.length;
    for (const row of section.rows) {
      const start = seatIds.length;
      for (const seat of row.seats) {
        seatIds.push(seat.id);
        tierOfSeat.push(tierOf(seat.priceTier));
      }
      rows.push({ sectionId: section.id, rowId: row.id, start, end: seatIds.length });
    }
    sections.set(section.id, { kind: 'seated', id: section.id, firstRow, endRow: rows.length });
  }
  return {
    seats: new SeatIndex(seatIds),
    tierNames: [...tierIndex.keys()],
    tierOf: Uint16Array.from(tierOfSeat),
    rows,
    sections,
  };
};

export const initialState = (venue: Venue, config: EventConfig): InventoryState => {
  const layout = buildLayout(venue, config);
  const seatCount = layout.seats.count;
  const general = new Map<string, GeneralCounter>();
  for (const section of layout.sections.values()) {
    if (section.kind === 'general')
      general.set(section.id, { capacity: section.capacity, held: 0, reserved: 0, sold: 0 });
  }
  const counts = new Uint32Array(4);
  counts[seatStatusCodes.available] = seatCount;
  return {
    eventId: config.id,
    config,
    layout,
    version: 0,
    status: new Uint8Array(seatCount),
    seatVersion: new Uint32Array(seatCount),
    holdOfSeat: new Int32Array(seatCount),
    holds: new Map(),
    handleOfHold: new Map(),
    handleOfOrder: new Map(),
    nextHandle: 1,
    expiryQueue: new ExpiryLane(),
    waitlistExpiryQueue: new ExpiryLane(),
    general,
    holdsOfUser: new Map(),
    requests: new RecentMap(requestsRememberedMax),
    counts,
    orders: new Map(),
    paymentDeadlines: new Map(),
    tickets: new Map(),
    ordersOfCard: new Map(),
    ordersOfHousehold: new Map(),
    queue: initialQueueState(),
  };
};

/** Hold lapsed but not yet expired in the log: every read and decision treats it as gone. */
export const isLapsed = (hold: HoldRecord, now: number): boolean => hold.status === 'held' && hold.expiresAt <= now;

/**
 * A lapsed hold whose seats any buyer may take at once. A lapsed waitlist hold is not: its seats are owed to the
 * next entry of the waitlist, so they stay held until the timer's ExpireHolds (whose events the waitlist reacts
 * to) or its holder ends it; otherwise whoever clicked first in that instant would beat the line.
 */
export const isLazilyFree = (hold: HoldRecord, now: number): boolean =>
  hold.waitlistEntryId === undefined && isLapsed(hold, now);

/** The expiry lane a held hold waits in. */
export const expiryLaneOf = (state: InventoryState, hold: HoldRecord): ExpiryLane =>
  hold.waitlistEntryId === undefined ? state.expiryQueue : state.waitlistExpiryQueue;

/** The seconds a waitlist hold lasts at this event. */
export const waitlistOfferSecondsOf = (config: EventConfig): number =>
  config.waitlistOfferSeconds ?? defaultWaitlistOfferSeconds;

/** Ticket ids are derived from the order, so they name the event (routes find the actor) and need no random input. */
export const ticketIdOf = (orderId: string, index: number): string => `${orderId}-${index + 1}`;
