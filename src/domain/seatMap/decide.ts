import { BookingError } from '../bookingError.ts';
import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { findBestAvailable } from './bestAvailable.ts';
import type { InventoryCommand, PlaceHold, ReleaseHold, ReserveHold } from './commands.ts';
import type { HoldExpired, HoldPlaced, InventoryEvent } from './events.ts';
import { endedHold, ownHold, reservationOf } from './holds.ts';
import { decideOrder } from './orders.ts';
import { holdRequestHash } from './requests.ts';
import {
  type HoldRecord,
  type InventoryState,
  isLapsed,
  isLazilyFree,
  type RequestOutcome,
  requestKey,
  waitlistOfferSecondsOf,
} from './state.ts';
import { admissionFinishedBy, decideRoom, refuseUnadmitted } from './waitingRoom.ts';

/**
 * Decides what a command does to an event's inventory: the events to append, or a BookingError. Pure: it
 * reads the state and the command (which carries `now`) and changes nothing.
 *
 * Expiry is lazy here: a hold whose time has passed is treated as gone, and the events start with its
 * HoldExpired so the log says what happened in the order it happened.
 */
export const decide = (command: InventoryCommand, state: InventoryState): InventoryEvent[] => {
  switch (command.type) {
    case 'PlaceHold':
      return placeHold(command, state);
    case 'ReleaseHold':
      return releaseHold(command, state);
    case 'ExpireHolds':
      return expiryEvents(state, allLapsedHolds(state, command.data.now), command.data.now);
    case 'ReserveHold':
      return reserveHold(command, state);
    case 'SellReservation': {
      refuseOrderReservation(state, command.data.orderId);
      const hold = reservationOf(state, command.data.orderId);
      return [
        {
          type: 'ReservationSold',
          data: endedHold(state, hold, command.data.now, { orderId: command.data.orderId }),
        },
      ];
    }
    case 'ReleaseReservation': {
      const { orderId, reason, now } = command.data;
      refuseOrderReservation(state, orderId);
      const hold = reservationOf(state, orderId);
      return [{ type: 'ReservationReleased', data: endedHold(state, hold, now, { orderId, reason }) }];
    }
    case 'PlaceOrder': {
      const { userId, now } = command.data;
      return [...decideOrder(command, state), ...admissionFinishedBy(state, userId, now)];
    }
    case 'RecordPaymentCard':
    case 'RecordPaymentInitiated':
    case 'RecordPaymentResult':
    case 'TimeOutPayments':
    case 'RecordPaymentCancelled':
    case 'RecordRefund':
    case 'RefundOrder':
    case 'CheckInTicket':
      return decideOrder(command, state);
    case 'SetUpRoom':
    case 'JoinQueue':
    case 'LeaveQueue':
    case 'ShufflePreQueue':
    case 'TickRoom':
    case 'ExpireAdmissions':
    case 'FinishAdmission':
    case 'DeclareSoldOut':
    case 'EngageRoom':
    case 'ReleaseRoom':
      return decideRoom(command, state);
    default: {
      const _exhaustive: never = command;
      throw new Error(`unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** The first answer to this request id, if the inventory still remembers it. */
export const recall = (state: InventoryState, userId: string, requestId: string): RequestOutcome | undefined =>
  state.requests.get(requestKey(userId, requestId));

const placeHold = (command: PlaceHold, state: InventoryState): InventoryEvent[] => {
  const { holdId, userId, requestId, request, now, waitlistEntryId, replacesHoldId } = command.data;
  const { config, layout } = state;
  if (config.saleStartsAtMs !== null && now < config.saleStartsAtMs) {
    throw new BookingError('SALE_NOT_OPEN', `the sale opens at ${new Date(config.saleStartsAtMs).toISOString()}`);
  }
  refuseUnadmitted(command, state);
  if (state.handleOfHold.has(holdId)) throw new Error(`hold id ${holdId} reused`);
  const replaced = replacesHoldId === undefined ? undefined : replaceableHold(state, replacesHoldId, userId, now);
  const lapsed = new Set(dueHolds(state, now));
  const isFree = (seat: number): boolean => {
    const status = state.status[seat];
    if (status === seatStatusCodes.available) return true;
    if (status !== seatStatusCodes.held) return false;
    if (replaced !== undefined && state.holdOfSeat[seat] === replaced.handle) return true;
    const hold = state.holds.get(state.holdOfSeat[seat]!)!;
    if (!isLazilyFree(hold, now)) return false;
    lapsed.add(hold.handle);
    return true;
  };

  let seats: number[] = [];
  let sectionId: string | undefined;
  let quantity: number;
  if (request.kind === 'seats') {
    seats = seatsByIds(state, request.seatIds, request.expectedVersions);
    const taken: string[] = [];
    for (const seat of seats) if (!isFree(seat)) taken.push(layout.seats.id(seat));
    if (taken.length > 0) {
      throw new BookingError('SEAT_UNAVAILABLE', `not available: ${taken.join(', ')}`, { seatIds: taken });
    }
    quantity = seats.length;
  } else {
    quantity = request.quantity;
    if (!Number.isInteger(quantity) || quantity < 1)
      throw new BookingError('INVALID_INPUT', 'quantity must be a positive integer');
    if (quantity > config.maxSeatsPerUser) {
      throw new BookingError('HOLD_LIMIT', `at most ${config.maxSeatsPerUser} seats per buyer for this event`);
    }
    const section = request.sectionId === undefined ? undefined : layout.sections.get(request.sectionId);
    if (request.sectionId !== undefined && section === undefined) {
      throw new BookingError('NOT_FOUND', `no section ${request.sectionId} in this venue`);
    }
    if (request.kind === 'general' && section?.kind !== 'general') {
      throw new BookingError('INVALID_INPUT', `section ${request.sectionId} is not general admission`);
    }
    if (section?.kind === 'general') {
      const priceTier = request.kind === 'bestAvailable' ? request.priceTier : undefined;
      if (priceTier !== undefined && priceTier !== section.priceTier) {
        throw new BookingError('NOT_FOUND', `section ${section.id} has no price tier ${priceTier}`);
      }
      sectionId = section.id;
      const counter = state.general.get(section.id)!;
      let available = counter.capacity - counter.held - counter.reserved - counter.sold;
      for (const handle of lapsed) {
        const hold = state.holds.get(handle)!;
        if (hold.sectionId === section.id && hold.seats.length === 0) available += hold.quantity;
      }
      if (replaced?.sectionId === section.id && replaced.seats.length === 0) available += replaced.quantity;
      if (available === 0) throw new BookingError('SOLD_OUT', `section ${section.id} is sold out`);
      if (available < quantity)
        throw new BookingError('SEAT_UNAVAILABLE', `only ${available} places left in ${section.id}`);
    } else {
      const priceTier = request.kind === 'bestAvailable' ? request.priceTier : undefined;
      const tier = priceTier === undefined ? undefined : layout.tierNames.indexOf(priceTier);
      if (tier === -1) throw new BookingError('NOT_FOUND', `no price tier ${priceTier} at this event`);
      const found = findBestAvailable(layout, isFree, quantity, section?.id, tier);
      if (found.kind === 'none') throw new BookingError('SOLD_OUT', 'no seats left that match');
      if (found.kind === 'notAdjacent') {
        throw new BookingError('SEAT_UNAVAILABLE', `no ${quantity} adjacent seats left that match`);
      }
      seats = found.seats;
    }
  }

  const userHeld = seatsOfUser(state, userId, now) - (replaced?.quantity ?? 0);
  if (userHeld + quantity > config.maxSeatsPerUser) {
    throw new BookingError(
      'HOLD_LIMIT',
      `at most ${config.maxSeatsPerUser} seats per buyer for this event; you have ${userHeld}`,
    );
  }
  const ttlSeconds = waitlistEntryId === undefined ? config.holdTtlSeconds : waitlistOfferSecondsOf(config);
  const seatIds = seats.map((seat) => layout.seats.id(seat));
  const expiresAt = now + ttlSeconds * 1000;
  const requestHash = holdRequestHash(request, replacesHoldId);
  const placed: HoldPlaced = {
    type: 'HoldPlaced',
    // A seated hold of a buyer (nearly every hold) as one literal, without the two optional fields' spreads.
    data:
      sectionId === undefined && waitlistEntryId === undefined
        ? { holdId, userId, requestId, seatIds, quantity, expiresAt, requestHash, at: now }
        : {
            holdId,
            userId,
            requestId,
            seatIds,
            ...(sectionId === undefined ? {} : { sectionId }),
            quantity,
            expiresAt,
            ...(waitlistEntryId === undefined ? {} : { waitlistEntryId }),
            requestHash,
            at: now,
          },
  };
  const events: InventoryEvent[] = expiryEvents(state, lapsed, now);
  if (replaced !== undefined)
    events.push({ type: 'HoldReleased', data: endedHold(state, replaced, now, { requestId, replacedBy: holdId }) });
  events.push(placed);
  return events;
};

/**
 * The hold a PlaceHold replaces: the buyer's own, still held and running. A waitlist offer is not replaced (it would
 * turn an offer for the line into an ordinary hold): it is ordered or released. A lapsed one is refused HOLD_EXPIRED,
 * as ordering it is: its seats were due back on sale, and the buyer asks for the new selection as a plain hold.
 */
const replaceableHold = (state: InventoryState, holdId: string, userId: string, now: number): HoldRecord => {
  const hold = ownHold(state, holdId, userId);
  if (hold.status !== 'held') throw new BookingError('ORDER_STATE', `hold ${holdId} is in checkout (${hold.status})`);
  if (hold.waitlistEntryId !== undefined) {
    throw new BookingError('INVALID_INPUT', `hold ${holdId} is a waitlist offer: order it or release it`);
  }
  if (isLapsed(hold, now)) throw new BookingError('HOLD_EXPIRED', `hold ${holdId} expired`);
  return hold;
};

const releaseHold = (command: ReleaseHold, state: InventoryState): InventoryEvent[] => {
  const { holdId, userId, requestId, now } = command.data;
  const hold = ownHold(state, holdId, userId);
  if (hold.status !== 'held') throw new BookingError('ORDER_STATE', `hold ${holdId} is in checkout (${hold.status})`);
  if (isLapsed(hold, now)) return [{ type: 'HoldExpired', data: endedHold(state, hold, now, { requestId }) }];
  return [{ type: 'HoldReleased', data: endedHold(state, hold, now, { requestId }) }];
};

const reserveHold = (command: ReserveHold, state: InventoryState): InventoryEvent[] => {
  const { holdId, orderId, userId, requestId, now } = command.data;
  const hold = ownHold(state, holdId, userId);
  if (hold.status !== 'held') throw new BookingError('ORDER_STATE', `hold ${holdId} is already ${hold.status}`);
  if (isLapsed(hold, now)) throw new BookingError('HOLD_EXPIRED', `hold ${holdId} expired`);
  if (state.handleOfOrder.has(orderId)) throw new Error(`order id ${orderId} reused`);
  const reservedUntil = now + state.config.paymentTimeoutSeconds * 1000;
  return [{ type: 'HoldReserved', data: endedHold(state, hold, now, { orderId, requestId, reservedUntil }) }];
};

const seatsByIds = (
  state: InventoryState,
  seatIds: readonly string[],
  expectedVersions: Readonly<Record<string, number>> | undefined,
): number[] => {
  if (seatIds.length === 0) throw new BookingError('INVALID_INPUT', 'seatIds must name at least one seat');
  if (seatIds.length > state.config.maxSeatsPerUser) {
    throw new BookingError('HOLD_LIMIT', `at most ${state.config.maxSeatsPerUser} seats per buyer for this event`);
  }
  if (seatIds.length > 1 && new Set(seatIds).size !== seatIds.length)
    throw new BookingError('INVALID_INPUT', 'seatIds must not repeat');
  const seats = seatIds.map((seatId) => {
    const seat = state.layout.seats.indexOf(seatId);
    if (seat === undefined) throw new BookingError('NOT_FOUND', `no seat ${seatId} at this event`, { seatId });
    return seat;
  });
  if (expectedVersions !== undefined) {
    const stale = Object.entries(expectedVersions).filter(([seatId, version]) => {
      const seat = state.layout.seats.indexOf(seatId);
      return seat === undefined || state.seatVersion[seat] !== version;
    });
    if (stale.length > 0) {
      throw new BookingError(
        'VERSION_CONFLICT',
        `seats changed since you saw them: ${stale.map(([id]) => id).join(', ')}`,
        {
          seatIds: stale.map(([id]) => id),
        },
      );
    }
  }
  return seats;
};

/** Seats a buyer holds, has reserved or bought at this event; lapsed holds no longer count. */
export const seatsOfUser = (state: InventoryState, userId: string, now: number): number => {
  let total = 0;
  for (const handle of state.holdsOfUser.get(userId) ?? []) {
    const hold = state.holds.get(handle)!;
    if (!isLapsed(hold, now)) total += hold.quantity;
  }
  return total;
};

/**
 * Lapsed holds at the head of the expiry queue. Holds join the queue as they are placed with the event's one
 * TTL, so the queue is in expiry order and the scan stops at the first hold still running. Waitlist holds wait in
 * their own lane and are not expired lazily (see isLazilyFree).
 */
const dueHolds = (state: InventoryState, now: number): number[] => {
  const due: number[] = [];
  // The head first: nearly always still running, and then the lane's iterator need not be made.
  const head = state.expiryQueue.firstExpiresAt();
  if (head === undefined || head > now) return due;
  for (const [handle, expiresAt] of state.expiryQueue) {
    if (expiresAt > now) break;
    due.push(handle);
  }
  return due;
};

/**
 * Every lapsed hold, wherever it sits in either lane: the timer's sweep does not rely on the queues' order. The
 * event's own holds come first, then the waitlist's.
 */
const allLapsedHolds = (state: InventoryState, now: number): number[] => {
  const due: number[] = [];
  for (const [handle, expiresAt] of state.expiryQueue) if (expiresAt <= now) due.push(handle);
  for (const [handle, expiresAt] of state.waitlistExpiryQueue) if (expiresAt <= now) due.push(handle);
  return due;
};

const expiryEvents = (state: InventoryState, handles: Iterable<number>, now: number): HoldExpired[] => {
  const events: HoldExpired[] = [];
  for (const handle of handles)
    events.push({ type: 'HoldExpired', data: endedHold(state, state.holds.get(handle)!, now) });
  return events;
};

/** An order's reservation moves only with its payment's outcome, so the order and its seats cannot disagree. */
const refuseOrderReservation = (state: InventoryState, orderId: string): void => {
  if (state.orders.has(orderId)) throw new BookingError('ORDER_STATE', `order ${orderId} settles through its payment`);
};
