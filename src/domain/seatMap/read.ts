import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { isSeatEvent } from './events.ts';
import { type InventoryState, isLapsed, isLazilyFree, type OrderRecord, type RequestOutcome } from './state.ts';
import {
  type GeneralChange,
  type GeneralView,
  type HoldView,
  type OrderView,
  type SeatChange,
  type SeatMapView,
  type SeatView,
  seatStatusNames,
  type TicketView,
} from './views.ts';

/**
 * The seat map as buyers see it at `now`. Lazy expiry: a held seat whose hold has lapsed reads as available
 * even before the timer's HoldExpired is in the log.
 */
export const seatMapView = (state: InventoryState, now: number): SeatMapView => {
  const { layout } = state;
  // Without a prototype, a seat id such as `__proto__` is an own key like any other (on `{}` it would set the
  // prototype and vanish from the JSON).
  const seats: Record<string, SeatView> = Object.create(null);
  for (let seat = 0; seat < layout.seats.count; seat++) {
    seats[layout.seats.id(seat)] = {
      status: seatStatusNames[seatStatusAt(state, seat, now)]!,
      priceTier: layout.tierNames[layout.tierOf[seat]!]!,
      version: state.seatVersion[seat]!,
    };
  }
  const general: Record<string, GeneralView> = Object.create(null);
  for (const [sectionId, counter] of state.general) {
    const section = layout.sections.get(sectionId);
    general[sectionId] = {
      capacity: counter.capacity,
      available: generalAvailable(state, sectionId, now),
      priceTier: section?.kind === 'general' ? section.priceTier : '',
    };
  }
  return { eventId: state.eventId, version: state.version, seats, general };
};

export const seatStatusAt = (state: InventoryState, seat: number, now: number): number => {
  const status = state.status[seat]!;
  if (status !== seatStatusCodes.held) return status;
  return isLazilyFree(state.holds.get(state.holdOfSeat[seat]!)!, now) ? seatStatusCodes.available : status;
};

/**
 * When the next held hold lapses, in either expiry lane (the event's holds, the waitlist's): the actor's timer
 * sweeps once it has passed. Each lane is in expiry order, so only the heads are read.
 */
export const nextHoldExpiryAt = (state: InventoryState): number | undefined => {
  const own = state.expiryQueue.firstExpiresAt();
  const waitlist = state.waitlistExpiryQueue.firstExpiresAt();
  if (own === undefined) return waitlist;
  return waitlist === undefined ? own : Math.min(own, waitlist);
};

export const generalAvailable = (state: InventoryState, sectionId: string, now: number): number => {
  const counter = state.general.get(sectionId)!;
  let available = counter.capacity - counter.held - counter.reserved - counter.sold;
  for (const [handle, expiresAt] of state.expiryQueue) {
    if (expiresAt > now) break;
    const hold = state.holds.get(handle)!;
    if (hold.sectionId === sectionId && hold.seats.length === 0) available += hold.quantity;
  }
  return available;
};

/**
 * What a committed batch changed, for subscribers: every seat and section its events touched, with their
 * committed status and version. Applied to the map before the batch, they yield the map after it.
 */
export const seatMapDiff = (
  state: InventoryState,
  /** The batch's events; those that are not the inventory's seat events (the waitlist's among them) move no seat. */
  events: readonly Readonly<{ type: string }>[],
  now: number,
): { changes: SeatChange[]; general: GeneralChange[] } => {
  const seats = new Set<string>();
  const sections = new Set<string>();
  for (const event of events) {
    // Order, payment and ticket events move no seat on their own; the seat events beside them do.
    if (!isSeatEvent(event)) continue;
    for (const seatId of event.data.seatIds) seats.add(seatId);
    if (event.data.sectionId !== undefined && event.data.seatIds.length === 0) sections.add(event.data.sectionId);
  }
  const changes: SeatChange[] = [];
  for (const seatId of seats) {
    const seat = state.layout.seats.indexOf(seatId)!;
    changes.push({ seatId, status: seatStatusNames[state.status[seat]!]!, version: state.seatVersion[seat]! });
  }
  const general: GeneralChange[] = [];
  // Counted as the map counts them (lapsed holds give their places back), so a diff never disagrees with a read.
  for (const sectionId of sections) general.push({ sectionId, available: generalAvailable(state, sectionId, now) });
  return { changes, general };
};

/** The map changing with no event in the log: holds whose time ran out, read as available before the timer sweeps them. */
export type SeatMapLapse = Readonly<{ at: number; changes: SeatChange[]; general: GeneralChange[] }>;

/**
 * Every instant in (`afterMs`, `untilMs`] at which the map a reader sees changes while the state stands still: a held
 * hold lapses (lazy expiry, as `seatMapView` reads it), so its seats read as available and its general-admission places
 * come back. Applied in order between two committed batches' diffs, they give the map as a reader saw it at any instant
 * between them (a replay's frames). Waitlist holds do not lapse lazily, so they make none.
 */
export const lapsesBetween = (state: InventoryState, afterMs: number, untilMs: number): SeatMapLapse[] => {
  const lapses: SeatMapLapse[] = [];
  let current: { at: number; seats: Set<number>; sections: Set<string> } | undefined;
  const flush = () => {
    if (current === undefined) return;
    const { at, seats, sections } = current;
    lapses.push({
      at,
      changes: [...seats].map((seat) => ({
        seatId: state.layout.seats.id(seat),
        status: seatStatusNames[seatStatusAt(state, seat, at)]!,
        version: state.seatVersion[seat]!,
      })),
      general: [...sections].map((sectionId) => ({ sectionId, available: generalAvailable(state, sectionId, at) })),
    });
  };
  // The lane is in expiry order, so the walk stops at the first hold that lapses after `untilMs`.
  for (const [handle, expiresAt] of state.expiryQueue) {
    if (expiresAt > untilMs) break;
    if (expiresAt <= afterMs) continue;
    const hold = state.holds.get(handle)!;
    if (!isLazilyFree(hold, expiresAt)) continue;
    if (current?.at !== expiresAt) {
      flush();
      current = { at: expiresAt, seats: new Set(), sections: new Set() };
    }
    for (const seat of hold.seats) current.seats.add(seat);
    if (hold.seats.length === 0 && hold.sectionId !== undefined) current.sections.add(hold.sectionId);
  }
  flush();
  return lapses;
};

export const holdView = (outcome: Extract<RequestOutcome, { kind: 'hold' }>): HoldView => ({
  holdId: outcome.holdId,
  seatIds: outcome.seatIds,
  ...(outcome.sectionId === undefined ? {} : { sectionId: outcome.sectionId }),
  quantity: outcome.quantity,
  expiresAt: new Date(outcome.expiresAt).toISOString(),
});

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A buyer's live holds at this event (held, not lapsed; waitlist offers included), in the order they were placed:
 * what `GET /v1/me/holds` shows, so a reload or another device finds them.
 */
export const liveHoldsOf = (state: InventoryState, userId: string, now: number): HoldView[] => {
  const holds: HoldView[] = [];
  for (const handle of state.holdsOfUser.get(userId) ?? []) {
    const hold = state.holds.get(handle)!;
    if (hold.status !== 'held' || isLapsed(hold, now)) continue;
    holds.push({
      holdId: hold.holdId,
      seatIds: hold.seats.map((seat) => state.layout.seats.id(seat)),
      ...(hold.sectionId === undefined ? {} : { sectionId: hold.sectionId }),
      quantity: hold.quantity,
      expiresAt: iso(hold.expiresAt),
    });
  }
  return holds;
};

/** How many held holds (lapsed or not) each buyer has at this event: both expiry lanes hold exactly these. */
export const heldHoldsByUser = (state: InventoryState): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const lane of [state.expiryQueue, state.waitlistExpiryQueue]) {
    for (const handle of lane.keys()) {
      const { userId } = state.holds.get(handle)!;
      counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
  }
  return counts;
};

export const orderView = (state: InventoryState, order: OrderRecord): OrderView => ({
  orderId: order.orderId,
  eventId: state.eventId,
  status: order.status,
  amount: order.amount,
  currency: order.currency,
  seatIds: order.seatIds,
  ...(order.sectionId === undefined ? {} : { sectionId: order.sectionId }),
  quantity: order.quantity,
  lines: order.lines,
  expiresAt: iso(order.reservedUntil),
  payment: { provider: order.provider ?? null, paymentId: order.paymentId ?? null },
  ...(order.refundDue
    ? {
        refund: {
          status: order.refundId === undefined ? 'pending' : 'completed',
          reason: order.refundReason ?? 'late_payment',
          refundId: order.refundId ?? null,
        },
      }
    : {}),
  ...(order.status === 'succeeded'
    ? {
        tickets: order.ticketIds.map((ticketId): TicketView => {
          const ticket = state.tickets.get(ticketId)!;
          return {
            ticketId,
            ...(ticket.seatId === undefined ? {} : { seatId: ticket.seatId }),
            ...(ticket.sectionId === undefined ? {} : { sectionId: ticket.sectionId }),
            checkedInAt: ticket.checkedInAt === undefined ? null : iso(ticket.checkedInAt),
          };
        }),
      }
    : {}),
  createdAt: iso(order.createdAt),
  updatedAt: iso(order.updatedAt),
});
