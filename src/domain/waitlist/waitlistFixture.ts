/**
 * Builders for the waitlist specs, over the inventory fixture's venue and event (ORCH rows A–C of 6 seats, BALC one
 * row of 4, FLOOR 10 places; 4 seats per buyer; holds last 60 s, waitlist offers 120 s). Test support only.
 */
import { expect } from 'vitest';
import type { BookingErrorCode } from '../bookingError.ts';
import type { HoldPlaced } from '../seatMap/events.ts';
import { inventoryViolations } from '../seatMap/invariants.ts';
import { config, observable, venue, waitlistHeld, waitlistOfferMs } from '../seatMap/inventoryFixture.ts';
import { holdRequestHash } from '../seatMap/requests.ts';
import type { HoldRequest } from '../seatMap/views.ts';
import type { EventConfig } from '../venue.ts';
import type { JoinWaitlist, LeaveWaitlist, WaitlistRequest } from './commands.ts';
import { type EventCommand, handle } from './eventDecider.ts';
import { type EventState, type EventStreamEvent, evolveEvents, initialEventState } from './eventState.ts';
import type {
  WaitlistFulfilled,
  WaitlistGatherReleased,
  WaitlistJoined,
  WaitlistLeft,
  WaitlistOfferDeclined,
  WaitlistOffered,
  WaitlistOfferLapsed,
  WaitlistSeatsGathered,
} from './events.ts';
import { waitlistViolations } from './invariants.ts';
import { gathererIdOf, gatherHoldIdOf, offerHoldIdOf, type WaitlistPolicy, waitlistPolicyDefault } from './state.ts';

export type Setup = Readonly<{ config?: EventConfig; policy?: WaitlistPolicy }>;

export const eventStateFrom = (history: readonly EventStreamEvent[], setup: Setup = {}): EventState =>
  evolveEvents(initialEventState(venue, setup.config ?? config, setup.policy ?? waitlistPolicyDefault), history);

/** Both deciders' invariants; every spec checks them wherever it evolves. */
export const violations = (state: EventState): string[] => [
  ...inventoryViolations(state.inventory),
  ...waitlistViolations(state),
];

// Commands.
export const seatsRequest = (
  quantity: number,
  filter: { sectionId?: string; priceTier?: string; together?: boolean } = {},
): WaitlistRequest => ({
  quantity,
  ...(filter.sectionId === undefined ? {} : { sectionId: filter.sectionId }),
  ...(filter.priceTier === undefined ? {} : { priceTier: filter.priceTier }),
  together: filter.together ?? false,
});
export const joinWaitlist = (
  entryId: string,
  userId: string,
  request: WaitlistRequest,
  now: number,
  requestId = `j-${entryId}`,
): JoinWaitlist => ({ type: 'JoinWaitlist', data: { entryId, userId, requestId, request, now } });
export const leaveWaitlist = (
  entryId: string,
  userId: string,
  now: number,
  requestId = `l-${entryId}`,
): LeaveWaitlist => ({
  type: 'LeaveWaitlist',
  data: { entryId, userId, requestId, now },
});

// Events, as the deciders write them.
/** A hold's event carries the hash of the request that placed it (seatMap/requests.ts). */
const withHash = (placed: HoldPlaced, request: HoldRequest, replacesHoldId?: string): HoldPlaced => ({
  ...placed,
  data: { ...placed.data, requestHash: holdRequestHash(request, replacesHoldId) },
});

export const joined = (
  entryId: string,
  userId: string,
  request: WaitlistRequest,
  at: number,
  requestId = `j-${entryId}`,
): WaitlistJoined => ({
  type: 'WaitlistJoined',
  data: {
    entryId,
    userId,
    requestId,
    quantity: request.quantity,
    ...(request.sectionId === undefined ? {} : { sectionId: request.sectionId }),
    ...(request.priceTier === undefined ? {} : { priceTier: request.priceTier }),
    together: request.together,
    at,
  },
});
export const left = (entryId: string, userId: string, at: number, requestId = `l-${entryId}`): WaitlistLeft => ({
  type: 'WaitlistLeft',
  data: { entryId, userId, requestId, at },
});

/** An offer: the inventory's hold for the entry's buyer, then the waitlist's record of it. */
export const offer = (
  entryId: string,
  userId: string,
  seatIds: readonly string[],
  at: number,
): [HoldPlaced, WaitlistOffered] => {
  const holdId = offerHoldIdOf(entryId);
  return [
    withHash(waitlistHeld(holdId, userId, seatIds, at, entryId, `${holdId}:waitlist`), { kind: 'seats', seatIds }),
    {
      type: 'WaitlistOffered',
      data: { entryId, userId, holdId, seatIds, quantity: seatIds.length, expiresAt: at + waitlistOfferMs, at },
    },
  ];
};
export const generalOffer = (
  entryId: string,
  userId: string,
  quantity: number,
  at: number,
): [HoldPlaced, WaitlistOffered] => {
  const holdId = offerHoldIdOf(entryId);
  const expiresAt = at + waitlistOfferMs;
  const common = { holdId, userId, seatIds: [], sectionId: 'FLOOR', quantity, expiresAt };
  return [
    withHash(
      { type: 'HoldPlaced', data: { ...common, requestId: `${holdId}:waitlist`, waitlistEntryId: entryId, at } },
      { kind: 'general', sectionId: 'FLOOR', quantity },
    ),
    { type: 'WaitlistOffered', data: { entryId, ...common, at } },
  ];
};
export const offerLapsed = (entryId: string, userId: string, at: number): WaitlistOfferLapsed => ({
  type: 'WaitlistOfferLapsed',
  data: { entryId, userId, holdId: offerHoldIdOf(entryId), at },
});
export const offerDeclined = (entryId: string, userId: string, at: number): WaitlistOfferDeclined => ({
  type: 'WaitlistOfferDeclined',
  data: { entryId, userId, holdId: offerHoldIdOf(entryId), at },
});
export const fulfilled = (entryId: string, userId: string, orderId: string, at: number): WaitlistFulfilled => ({
  type: 'WaitlistFulfilled',
  data: { entryId, userId, holdId: offerHoldIdOf(entryId), orderId, at },
});
/** Seats gathered for a protected entry: a hold in the waitlist's name, then the waitlist's record of it. */
export const gathered = (
  entryId: string,
  n: number,
  seatIds: readonly string[],
  at: number,
): [HoldPlaced, WaitlistSeatsGathered] => {
  const holdId = gatherHoldIdOf(entryId, n);
  return [
    withHash(waitlistHeld(holdId, gathererIdOf(entryId), seatIds, at, entryId, `${holdId}:waitlist`), {
      kind: 'seats',
      seatIds,
    }),
    { type: 'WaitlistSeatsGathered', data: { entryId, holdId, seatIds, quantity: seatIds.length, at } },
  ];
};
export const gatherReleased = (entryId: string, n: number, at: number): WaitlistGatherReleased => ({
  type: 'WaitlistGatherReleased',
  data: { entryId, holdId: gatherHoldIdOf(entryId, n), at },
});

/**
 * Comparable plain data of both states: the inventory as its own specs compare it, and the waitlist's entries and
 * indexes. Replay and live evolution, and snapshots, must agree on all of it.
 */
export const observableEvent = (state: EventState, now: number) => ({
  inventory: observable(state.inventory, now),
  holds: [...state.inventory.holds.values()].map((hold) => ({ ...hold, seats: [...hold.seats] })),
  waitlistExpiryOrder: [...state.inventory.waitlistExpiryQueue],
  entries: [...state.waitlist.entries.values()].map((entry) => ({
    ...entry,
    gathers: [...entry.gathers.values()],
  })),
  line: [...state.waitlist.line.keys()],
  activeEntryOfUser: [...state.waitlist.activeEntryOfUser].sort(),
  lastEntryOfUser: [...state.waitlist.lastEntryOfUser].sort(),
  entryOfHold: [...state.waitlist.entryOfHold].sort(),
  gathererOfSeat: [...state.waitlist.gathererOfSeat].sort(),
  entryOfRequest: [...state.waitlist.entryOfRequest].sort(),
  nextSeq: state.waitlist.nextSeq,
  waiting: state.waitlist.waiting,
  gatherHolds: state.waitlist.gatherHolds,
  gatherers: [...state.waitlist.gatherers.keys()].sort(),
});

/**
 * given(events).when(command).then(events | errorCode): the state is rebuilt from the events alone, the command is
 * handled (decided, evolved, reacted to), and on success every spec also checks both deciders' invariants and that
 * replaying the whole log from nothing yields the same state as the live evolution.
 * `thenRefused(code, events)` is for refusals that still expired lapsed holds first.
 */
export const given = (history: readonly EventStreamEvent[], setup: Setup = {}) => ({
  when: (command: EventCommand) => {
    const run = () => {
      const state = eventStateFrom(history, setup);
      return { state, handled: handle(state, command) };
    };
    const check = (expected: readonly EventStreamEvent[], code: BookingErrorCode | undefined) => {
      const { state, handled } = run();
      expect(handled.rejection?.code).toBe(code);
      // The command's own hold carries its request's hash; the expected events built from the fixture leave it out.
      const hashed = expected.map((event) =>
        event.type === 'HoldPlaced' &&
        command.type === 'PlaceHold' &&
        event.data.holdId === command.data.holdId &&
        event.data.requestHash === undefined
          ? withHash(event, command.data.request, command.data.replacesHoldId)
          : event,
      );
      expect(handled.events).toEqual(hashed);
      expect(violations(state)).toEqual([]);
      const replayed = eventStateFrom([...history, ...handled.events], setup);
      expect(observableEvent(replayed, command.data.now)).toEqual(observableEvent(state, command.data.now));
      return state;
    };
    return {
      // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the specification; nothing awaits it.
      then: (expected: readonly EventStreamEvent[] | BookingErrorCode): EventState =>
        typeof expected === 'string' ? check([], expected) : check(expected, undefined),
      thenRefused: (code: BookingErrorCode, expected: readonly EventStreamEvent[]): EventState => check(expected, code),
    };
  },
});
