import { nextSeatStatus, type SeatEventType } from '../machines/seatTransitions.ts';
import { evolveQueue } from '../queue/evolve.ts';
import type { InventoryEvent } from './events.ts';
import { evolveOrder } from './orders.ts';
import { expiryLaneOf, type HoldRecord, type InventoryState, type RequestOutcome, requestKey } from './state.ts';

/**
 * Applies one event to the state, in place, and returns it. Deterministic and free of I/O: replaying a stream
 * through evolve rebuilds the same state. An event that the seat machine does not allow is a programmer error
 * (decide let it through), so it throws and the actor restarts from the store.
 */
export const evolve = (state: InventoryState, event: InventoryEvent): InventoryState => {
  switch (event.type) {
    case 'HoldPlaced': {
      const { holdId, userId, requestId, seatIds, sectionId, quantity, expiresAt, waitlistEntryId, requestHash } =
        event.data;
      const handle = state.nextHandle++;
      const seats = seatIds.map((seatId) => seatIndex(state, seatId));
      const hold: HoldRecord = {
        handle,
        holdId,
        userId,
        seats,
        sectionId,
        quantity,
        expiresAt,
        waitlistEntryId,
        placedVersion: state.version + 1,
        status: 'held',
        orderId: undefined,
        reservedUntil: undefined,
      };
      state.holds.set(handle, hold);
      state.handleOfHold.set(holdId, handle);
      expiryLaneOf(state, hold).set(handle, expiresAt);
      const userHolds = state.holdsOfUser.get(userId);
      if (userHolds === undefined) state.holdsOfUser.set(userId, [handle]);
      else userHolds.push(handle);
      for (const seat of seats) {
        moveSeat(state, seat, 'HOLD');
        state.holdOfSeat[seat] = handle;
      }
      if (sectionId !== undefined && seats.length === 0) generalCounter(state, sectionId).held += quantity;
      // Two literals rather than a spread of `{ requestHash }`: no empty object and no copy of its keys per hold.
      remember(
        state,
        userId,
        requestId,
        requestHash === undefined
          ? { kind: 'hold', holdId, seatIds, sectionId, quantity, expiresAt }
          : { kind: 'hold', holdId, seatIds, sectionId, quantity, expiresAt, requestHash },
      );
      break;
    }
    case 'HoldReleased':
    case 'HoldExpired': {
      const hold = holdOf(state, event.data.holdId);
      // General-admission holds have no seats for the machine to refuse, so the hold's own status is checked.
      assertStatus(hold, 'held');
      endHold(state, hold, event.type === 'HoldReleased' ? 'RELEASE' : 'EXPIRE');
      const { requestId } = event.data;
      if (requestId !== undefined) remember(state, hold.userId, requestId, { kind: 'release', holdId: hold.holdId });
      break;
    }
    case 'HoldReserved': {
      const { holdId, orderId, requestId, reservedUntil } = event.data;
      const hold = holdOf(state, holdId);
      assertStatus(hold, 'held');
      for (const seat of hold.seats) moveSeat(state, seat, 'RESERVE');
      if (isGeneral(hold)) {
        const counter = generalCounter(state, hold.sectionId!);
        counter.held -= hold.quantity;
        counter.reserved += hold.quantity;
      }
      hold.status = 'reserved';
      hold.orderId = orderId;
      hold.reservedUntil = reservedUntil;
      expiryLaneOf(state, hold).delete(hold.handle);
      state.handleOfOrder.set(orderId, hold.handle);
      remember(state, hold.userId, requestId, { kind: 'reserve', holdId, orderId, reservedUntil });
      break;
    }
    case 'ReservationSold': {
      const hold = holdOf(state, event.data.holdId);
      assertStatus(hold, 'reserved');
      for (const seat of hold.seats) moveSeat(state, seat, 'SELL');
      if (isGeneral(hold)) {
        const counter = generalCounter(state, hold.sectionId!);
        counter.reserved -= hold.quantity;
        counter.sold += hold.quantity;
      }
      hold.status = 'sold';
      break;
    }
    case 'ReservationReleased': {
      const hold = holdOf(state, event.data.holdId);
      assertStatus(hold, 'reserved');
      endHold(state, hold, 'RELEASE_RESERVATION');
      state.handleOfOrder.delete(event.data.orderId);
      break;
    }
    case 'SaleRefunded': {
      const hold = holdOf(state, event.data.holdId);
      assertStatus(hold, 'sold');
      endHold(state, hold, 'REFUND');
      state.handleOfOrder.delete(event.data.orderId);
      break;
    }
    case 'OrderPlaced':
    case 'PaymentCardRecorded':
    case 'PaymentInitiated':
    case 'PaymentSucceeded':
    case 'PaymentFailed':
    case 'PaymentRejected':
    case 'PaymentTimedOut':
    case 'PaymentCancelled':
    case 'RefundRequested':
    case 'PaymentRefunded':
    case 'TicketIssued':
    case 'TicketCheckedIn':
      evolveOrder(state, event);
      break;
    case 'RoomSetUp':
    case 'QueueJoined':
    case 'QueueLeft':
    case 'PreQueueShuffled':
    case 'AdmissionsGranted':
    case 'AdmissionsExpired':
    case 'AdmissionFinished':
    case 'QueueSoldOut':
    case 'RoomEngaged':
    case 'RoomReleased':
      evolveQueue(state.queue, event);
      break;
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
    }
  }
  state.version += 1;
  // Every event that names an order joins its audit trail; OrderPlaced, which names it first, created it above. (Seat
  // specs reserve and sell holds without any OrderPlaced: there is no order to keep a trail for.)
  if ('orderId' in event.data) state.orders.get(event.data.orderId)?.eventVersions.push(state.version);
  return state;
};

export const evolveAll = (state: InventoryState, events: readonly InventoryEvent[]): InventoryState => {
  for (const event of events) evolve(state, event);
  return state;
};

const isGeneral = (hold: HoldRecord): boolean => hold.sectionId !== undefined && hold.seats.length === 0;

/** Returns a hold's seats and places to sale (held, reserved, or sold and refunded) and forgets the hold. */
const endHold = (state: InventoryState, hold: HoldRecord, transition: SeatEventType): void => {
  for (const seat of hold.seats) {
    moveSeat(state, seat, transition);
    state.holdOfSeat[seat] = 0;
  }
  if (isGeneral(hold)) {
    const counter = generalCounter(state, hold.sectionId!);
    counter[hold.status] -= hold.quantity;
  }
  state.holds.delete(hold.handle);
  state.handleOfHold.delete(hold.holdId);
  expiryLaneOf(state, hold).delete(hold.handle);
  const userHolds = state.holdsOfUser.get(hold.userId);
  const at = userHolds === undefined ? -1 : userHolds.indexOf(hold.handle);
  if (at >= 0 && userHolds!.length === 1) state.holdsOfUser.delete(hold.userId);
  else if (at >= 0) userHolds!.splice(at, 1);
};

const moveSeat = (state: InventoryState, seat: number, transition: SeatEventType): void => {
  const from = state.status[seat]!;
  const to = nextSeatStatus(from, transition);
  if (to < 0)
    throw new Error(`illegal seat transition ${transition} from status ${from} for ${state.layout.seats.id(seat)}`);
  state.status[seat] = to;
  state.seatVersion[seat]! += 1;
  state.counts[from]! -= 1;
  state.counts[to]! += 1;
};

const remember = (state: InventoryState, userId: string, requestId: string, outcome: RequestOutcome): void => {
  state.requests.set(requestKey(userId, requestId), outcome);
};

const seatIndex = (state: InventoryState, seatId: string): number => {
  const index = state.layout.seats.indexOf(seatId);
  if (index === undefined) throw new Error(`event names unknown seat ${seatId}`);
  return index;
};

const holdOf = (state: InventoryState, holdId: string): HoldRecord => {
  const handle = state.handleOfHold.get(holdId);
  const hold = handle === undefined ? undefined : state.holds.get(handle);
  if (hold === undefined) throw new Error(`event names unknown hold ${holdId}`);
  return hold;
};

const generalCounter = (state: InventoryState, sectionId: string) => {
  const counter = state.general.get(sectionId);
  if (counter === undefined) throw new Error(`event names unknown general section ${sectionId}`);
  return counter;
};

const assertStatus = (hold: HoldRecord, status: HoldRecord['status']): void => {
  if (hold.status !== status) throw new Error(`hold ${hold.holdId} is ${hold.status}, expected ${status}`);
};
