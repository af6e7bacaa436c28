/**
 * A small venue, its event and builders for commands and events, shared by the inventory specs. Test support
 * only: nothing outside *.spec.ts files imports it.
 */
import { expect } from 'vitest';
import { type BookingErrorCode, isBookingError } from '../bookingError.ts';
import type { EventConfig, Venue } from '../venue.ts';
import type { InventoryCommand, PlaceHold } from './commands.ts';
import { decide } from './decide.ts';
import type {
  HoldExpired,
  HoldPlaced,
  HoldReleased,
  HoldReserved,
  InventoryEvent,
  ReservationReleased,
  ReservationSold,
} from './events.ts';
import { evolveAll } from './evolve.ts';
import { inventoryViolations } from './invariants.ts';
import { seatMapView } from './read.ts';
import { holdRequestHash } from './requests.ts';
import { type InventoryState, initialState } from './state.ts';
import type { HoldRequest } from './views.ts';

/** The sale opens at T0; every spec's clock starts there. */
export const T0 = Date.UTC(2030, 0, 1, 10, 0, 0);
export const holdTtlMs = 60_000;
export const paymentTimeoutMs = 600_000;
export const maxSeatsPerUser = 4;
/** Longer than the hold TTL on purpose, so the two expiry lanes interleave. */
export const waitlistOfferMs = 120_000;
export const floorCapacity = 10;

const row = (section: string, rowId: string, seats: number, priceTier: string) => ({
  id: rowId,
  seats: Array.from({ length: seats }, (_, i) => ({ id: `${section}-${rowId}-${i + 1}`, priceTier })),
});

/**
 * ORCH: rows A (premium), B and C (standard) of 6 seats, A at the front. BALC: one row of 4 standard seats, so
 * a section filter has something to exclude. FLOOR: general admission for 10.
 */
export const venue: Venue = {
  id: 'venue-1',
  name: 'Test Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated',
      rows: [row('ORCH', 'A', 6, 'premium'), row('ORCH', 'B', 6, 'standard'), row('ORCH', 'C', 6, 'standard')],
    },
    { id: 'BALC', name: 'Balcony', kind: 'seated', rows: [row('BALC', 'A', 4, 'standard')] },
    { id: 'FLOOR', name: 'Floor', kind: 'general', capacity: floorCapacity, priceTier: 'ga' },
  ],
};

export const seatIdsOf = (venue_: Venue = venue): string[] =>
  venue_.sections.flatMap((section) =>
    section.kind === 'seated' ? section.rows.flatMap((r) => r.seats.map((s) => s.id)) : [],
  );

export const config: EventConfig = {
  id: 'event-1',
  venueId: venue.id,
  name: 'Test Night',
  startsAt: '2030-02-01T19:00:00.000Z',
  priceTiers: {
    premium: { amount: 9000, currency: 'EUR' },
    standard: { amount: 5000, currency: 'EUR' },
    ga: { amount: 3000, currency: 'EUR' },
  },
  holdTtlSeconds: holdTtlMs / 1000,
  paymentTimeoutSeconds: paymentTimeoutMs / 1000,
  maxSeatsPerUser,
  saleStartsAtMs: T0,
  waitlistOfferSeconds: waitlistOfferMs / 1000,
};

export const freshState = (eventConfig: EventConfig = config): InventoryState => initialState(venue, eventConfig);
export const stateFrom = (events: readonly InventoryEvent[], eventConfig: EventConfig = config): InventoryState =>
  evolveAll(freshState(eventConfig), events);

// Commands.
export const placeHold = (
  holdId: string,
  userId: string,
  request: HoldRequest,
  now: number,
  requestId = `r-${holdId}`,
): PlaceHold => ({
  type: 'PlaceHold',
  data: { holdId, userId, requestId, request, now },
});
export const holdSeats = (
  holdId: string,
  userId: string,
  seatIds: readonly string[],
  now: number,
  expectedVersions?: Record<string, number>,
): PlaceHold =>
  placeHold(
    holdId,
    userId,
    expectedVersions === undefined ? { kind: 'seats', seatIds } : { kind: 'seats', seatIds, expectedVersions },
    now,
  );
export const holdGeneral = (holdId: string, userId: string, quantity: number, now: number): PlaceHold =>
  placeHold(holdId, userId, { kind: 'general', sectionId: 'FLOOR', quantity }, now);
export const holdBest = (
  holdId: string,
  userId: string,
  quantity: number,
  now: number,
  filter: { sectionId?: string; priceTier?: string } = {},
): PlaceHold => placeHold(holdId, userId, { kind: 'bestAvailable', quantity, ...filter }, now);
/** PlaceHold of `request` instead of the buyer's hold `replacesHoldId`, in one decision. */
export const replaceHold = (
  holdId: string,
  replacesHoldId: string,
  userId: string,
  request: HoldRequest,
  now: number,
  requestId = `r-${holdId}`,
): PlaceHold => ({
  type: 'PlaceHold',
  data: { holdId, userId, requestId, request, now, replacesHoldId },
});
export const releaseHold = (
  holdId: string,
  userId: string,
  now: number,
  requestId = `rel-${holdId}`,
): InventoryCommand => ({
  type: 'ReleaseHold',
  data: { holdId, userId, requestId, now },
});
export const expireHolds = (now: number): InventoryCommand => ({ type: 'ExpireHolds', data: { now } });
export const reserveHold = (
  holdId: string,
  orderId: string,
  userId: string,
  now: number,
  requestId = `res-${holdId}`,
): InventoryCommand => ({
  type: 'ReserveHold',
  data: { holdId, orderId, userId, requestId, now },
});
export const sellReservation = (orderId: string, now: number): InventoryCommand => ({
  type: 'SellReservation',
  data: { orderId, now },
});
export const releaseReservation = (
  orderId: string,
  now: number,
  reason: 'payment_failed' | 'payment_timed_out' | 'cancelled' = 'payment_failed',
): InventoryCommand => ({ type: 'ReleaseReservation', data: { orderId, reason, now } });

// Events, as decide writes them.
export const seatsHeld = (
  holdId: string,
  userId: string,
  seatIds: readonly string[],
  at: number,
  requestId = `r-${holdId}`,
): HoldPlaced => ({
  type: 'HoldPlaced',
  data: { holdId, userId, requestId, seatIds, quantity: seatIds.length, expiresAt: at + holdTtlMs, at },
});
/** A waitlist hold (an offer or gathered seats) for an entry, as decide writes it. */
export const waitlistHeld = (
  holdId: string,
  userId: string,
  seatIds: readonly string[],
  at: number,
  waitlistEntryId: string,
  requestId = `r-${holdId}`,
): HoldPlaced => ({
  type: 'HoldPlaced',
  data: {
    holdId,
    userId,
    requestId,
    seatIds,
    quantity: seatIds.length,
    expiresAt: at + waitlistOfferMs,
    waitlistEntryId,
    at,
  },
});
export const generalHeld = (
  holdId: string,
  userId: string,
  quantity: number,
  at: number,
  requestId = `r-${holdId}`,
): HoldPlaced => ({
  type: 'HoldPlaced',
  data: { holdId, userId, requestId, seatIds: [], sectionId: 'FLOOR', quantity, expiresAt: at + holdTtlMs, at },
});

type Ended = Readonly<{
  holdId: string;
  userId: string;
  seatIds: readonly string[];
  sectionId?: string;
  quantity: number;
}>;
const ended = (placed: HoldPlaced, at: number): Ended & { at: number } => ({
  holdId: placed.data.holdId,
  userId: placed.data.userId,
  seatIds: placed.data.seatIds,
  ...(placed.data.sectionId === undefined ? {} : { sectionId: placed.data.sectionId }),
  quantity: placed.data.quantity,
  at,
});
export const expired = (placed: HoldPlaced, at: number): HoldExpired => ({
  type: 'HoldExpired',
  data: ended(placed, at),
});
export const released = (placed: HoldPlaced, at: number, requestId = `rel-${placed.data.holdId}`): HoldReleased => ({
  type: 'HoldReleased',
  data: { ...ended(placed, at), requestId },
});
/** The old hold's end when `replacedBy` replaced it, under the replacing command's request id. */
export const replaced = (placed: HoldPlaced, replacedBy: string, at: number, requestId = `r-${replacedBy}`) =>
  ({ type: 'HoldReleased', data: { ...ended(placed, at), requestId, replacedBy } }) satisfies HoldReleased;
export const reserved = (
  placed: HoldPlaced,
  orderId: string,
  at: number,
  requestId = `res-${placed.data.holdId}`,
): HoldReserved => ({
  type: 'HoldReserved',
  data: { ...ended(placed, at), orderId, requestId, reservedUntil: at + paymentTimeoutMs },
});
export const sold = (placed: HoldPlaced, orderId: string, at: number): ReservationSold => ({
  type: 'ReservationSold',
  data: { ...ended(placed, at), orderId },
});
export const reservationReleased = (
  placed: HoldPlaced,
  orderId: string,
  at: number,
  reason: ReservationReleased['data']['reason'] = 'payment_failed',
): ReservationReleased => ({ type: 'ReservationReleased', data: { ...ended(placed, at), orderId, reason } });

/**
 * Everything a buyer or a later decision can observe, in plain comparable data: the map at `now`, the holds,
 * the expiry order, counters, remembered requests, counts and the stream version.
 */
export const observable = (state: InventoryState, now: number) => ({
  view: seatMapView(state, now),
  holds: [...state.holds.values()].map((hold) => ({ ...hold, seats: [...hold.seats] })),
  expiryOrder: [...state.expiryQueue],
  waitlistExpiryOrder: [...state.waitlistExpiryQueue],
  general: [...state.general].map(([id, counter]) => [id, { ...counter }]),
  requests: JSON.parse(JSON.stringify(state.requests.generations())),
  holdsOfUser: [...state.holdsOfUser]
    .map(([user, handles]) => [user, [...handles].sort((a, b) => a - b)] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
  handleOfOrder: [...state.handleOfOrder].sort(([a], [b]) => a.localeCompare(b)),
  counts: [...state.counts],
  nextHandle: state.nextHandle,
  version: state.version,
});

/** T0 plus a number of seconds. */
export const t = (seconds: number): number => T0 + seconds * 1000;

/** The code of the BookingError `run` throws, or 'no error'; any other error is rethrown. */
export const errorCodeOf = (run: () => unknown): BookingErrorCode | 'no error' => {
  try {
    run();
  } catch (error) {
    if (isBookingError(error)) return error.code;
    throw error;
  }
  return 'no error';
};

/**
 * A hold's event carries the hash of the request that placed it (requests.ts): the expected events built above leave
 * it out, and it is filled in here from the command, so every spec checks it without repeating it.
 */
const withRequestHash = (event: InventoryEvent, command: InventoryCommand): InventoryEvent =>
  event.type === 'HoldPlaced' &&
  command.type === 'PlaceHold' &&
  event.data.holdId === command.data.holdId &&
  event.data.requestHash === undefined
    ? {
        ...event,
        data: { ...event.data, requestHash: holdRequestHash(command.data.request, command.data.replacesHoldId) },
      }
    : event;

/**
 * given(events).when(command).then(events | errorCode): the state is rebuilt from the events alone, the
 * command is decided, and on success the events are applied too so every spec also checks that evolve accepts
 * what decide wrote and that the result is sound.
 */
export const given = (history: readonly InventoryEvent[], eventConfig: EventConfig = config) => ({
  when: (command: InventoryCommand) => {
    const run = (): InventoryEvent[] => decide(command, stateFrom(history, eventConfig));
    return {
      // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the specification; nothing awaits it.
      then: (expected: readonly InventoryEvent[] | BookingErrorCode): void => {
        if (typeof expected === 'string') {
          expect(errorCodeOf(run)).toBe(expected);
          return;
        }
        const events = run();
        expect(events).toEqual(expected.map((event) => withRequestHash(event, command)));
        expect(inventoryViolations(evolveAll(stateFrom(history, eventConfig), events))).toEqual([]);
      },
    };
  },
});
