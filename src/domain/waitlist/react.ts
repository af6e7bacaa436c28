import { isBookingError } from '../bookingError.ts';
import type { InventoryCommand } from '../seatMap/commands.ts';
import { decide, seatsOfUser } from '../seatMap/decide.ts';
import type { InventoryEvent } from '../seatMap/events.ts';
import { nextHoldExpiryAt } from '../seatMap/read.ts';
import type { HoldRequest } from '../seatMap/views.ts';
import { type EventState, type EventStreamEvent, evolveEvent } from './eventState.ts';
import { isWaitlistEvent, type WaitlistEvent } from './events.ts';
import { availableInScope, chooseTarget, freePlaces, isAvailable, type OfferPlan, planOffer } from './fit.ts';
import {
  gatheredCount,
  gathererIdOf,
  gatherHoldIdOf,
  isProtected,
  offerHoldIdOf,
  seatInScope,
  type WaitlistEntry,
} from './state.ts';

/**
 * The waitlist's reaction to what a command did, in the same batch: it reads the events the command produced (already
 * applied), and decides and applies the follow-ups, in place, returning them for the log. Every hold it makes or
 * ends goes through the inventory's own decide (PlaceHold, ReleaseHold, ExpireHolds), so every inventory rule and the
 * seat machine still apply; only the choice of seats is the waitlist's.
 *
 * What it does:
 * - An offer's hold expires or is released → WaitlistOfferLapsed / WaitlistOfferDeclined (the entry ends); an order is
 *   placed on it → WaitlistFulfilled. An entry that leaves gives up its offer and its gathered seats.
 * - Seats came back (a hold released or expired, a payment failed or timed out, a refund), an entry joined, or an
 *   offer or gathering hold ended → lapsed holds are expired (as the timer would) and the line is served again.
 *
 * The rule (strict FIFO among entries that fit, bounded overtaking, then gathering):
 * 1. Entries are looked at in join order. The first one that the available seats fit (its quantity, section or tier,
 *    adjacency in one row when `together`, and its buyer's seat limit counting what they hold and own) is offered
 *    them at once: a hold that lasts `waitlistOfferSeconds`. Then the next, and so on, until nothing more fits.
 * 2. An entry that does not fit is passed over. Each offer of seats in its scope to an entry behind it counts as one
 *    overtake. Once overtaken `overtakesMax` times (3 by default) the entry is protected: from then on the seats it can
 *    use are gathered for it as they come back (held by the waitlist, in no buyer's name, so neither later entries
 *    nor the public can take them) until it fits. A "together" entry gathers towards one block (see chooseTarget), so
 *    at most quantity − 1 seats are ever held back for it; others gather every available seat of their scope, which
 *    is fewer than their quantity (or they would fit). A gathering hold lasts `waitlistOfferSeconds` like an offer;
 *    when it lapses and the entry still waits, the same seats are gathered again in the same batch.
 * 3. Gathered seats are kept from entries behind, never from entries ahead: an earlier entry that fits with them
 *    takes them (the later gatherer's hold is released and it gathers again from what is left).
 * So an entry for 4 together is overtaken by entries for 1 at most `overtakesMax` times; after that it is served as
 * soon as the block it gathers towards has come back, and gathering never holds back more than it needs.
 */
export const react = (state: EventState, events: readonly EventStreamEvent[], now: number): EventStreamEvent[] => {
  if (isQuiet(state, events)) return [];
  const changed: Changed = { seats: [], sections: new Set(), users: new Set(), entries: new Set(), touches: new Map() };
  const reaction: Reaction = { state, now, out: [], dirty: false, freed: false, changed };
  for (const event of events) observe(reaction, event);
  settle(reaction);
  return reaction.out;
};

/**
 * Nobody waits, no hold is the waitlist's, and the events are the inventory's only: then no event names an entry and
 * seats that come back wake nobody, so the reaction would change nothing and add no event. Most commands of most events
 * are such; this answers them without building the reaction's sets (a visible share of the actor's allocations).
 */
const isQuiet = (state: EventState, events: readonly EventStreamEvent[]): boolean => {
  const { waitlist } = state;
  if (waitlist.waiting > 0 || waitlist.entryOfHold.size > 0) return false;
  for (const event of events) if (isWaitlistEvent(event)) return false;
  return true;
};

type Reaction = {
  readonly state: EventState;
  readonly now: number;
  readonly out: EventStreamEvent[];
  /** The line must be looked at again. */
  dirty: boolean;
  /**
   * Seats came back during the current pass, or an entry ahead became protected: the pass restarts from the head,
   * so no one behind jumps the queue.
   */
  freed: boolean;
  readonly changed: Changed;
};

/**
 * What changed since the line was last settled, so a pass looks only at entries it can concern. After every command
 * the line is settled (nobody waiting fits, every protected entry has gathered all it can: the simulation checks
 * both), and between commands seats are only taken, never freed, except through the events that land here. So an
 * entry needs a look only when seats or places of its scope came back, its buyer's holdings shrank (room under the
 * limit), it just joined, lost gathered seats or became protected. A thousand entries for other sections cost nothing.
 */
type Changed = {
  readonly seats: number[];
  readonly sections: Set<string>;
  readonly users: Set<string>;
  readonly entries: Set<string>;
  /** Scope → whether a changed seat lies in it; cleared whenever a seat is added. */
  readonly touches: Map<string, boolean>;
};

const seatsReturned = (
  reaction: Reaction,
  data: Readonly<{ userId: string; seatIds: readonly string[]; sectionId?: string }>,
): void => {
  const { changed } = reaction;
  const { layout } = reaction.state.waitlist;
  for (const seatId of data.seatIds) changed.seats.push(layout.seats.indexOf(seatId)!);
  if (data.seatIds.length === 0 && data.sectionId !== undefined) changed.sections.add(data.sectionId);
  changed.users.add(data.userId);
  changed.touches.clear();
  seatsCameBack(reaction);
};

const mustLook = (reaction: Reaction, entry: WaitlistEntry): boolean => {
  const { changed } = reaction;
  if (changed.entries.has(entry.entryId) || changed.users.has(entry.userId)) return true;
  const { scope } = entry;
  if (scope.kind === 'general') return changed.sections.has(scope.sectionId);
  const key = `${scope.sectionId ?? ''}|${scope.tier ?? ''}`;
  let touches = changed.touches.get(key);
  if (touches === undefined) {
    const { layout } = reaction.state.waitlist;
    touches = changed.seats.some((seat) => seatInScope(layout, scope, seat));
    changed.touches.set(key, touches);
  }
  return touches;
};

const observe = (reaction: Reaction, event: EventStreamEvent): void => {
  const { waitlist } = reaction.state;
  switch (event.type) {
    case 'HoldReleased':
    case 'HoldExpired': {
      const entry = entryOfHold(reaction, event.data.holdId);
      if (entry !== undefined) {
        const { entryId, userId } = entry;
        const { holdId, at } = event.data;
        if (entry.offer?.holdId === holdId)
          apply(reaction, [
            event.type === 'HoldExpired'
              ? { type: 'WaitlistOfferLapsed', data: { entryId, userId, holdId, at } }
              : { type: 'WaitlistOfferDeclined', data: { entryId, userId, holdId, at } },
          ]);
        else {
          reaction.changed.entries.add(entryId);
          apply(reaction, [{ type: 'WaitlistGatherReleased', data: { entryId, holdId, at } }]);
        }
      }
      seatsReturned(reaction, event.data);
      return;
    }
    case 'ReservationReleased':
    case 'SaleRefunded':
      seatsReturned(reaction, event.data);
      return;
    case 'HoldReserved': {
      const entry = entryOfHold(reaction, event.data.holdId);
      if (entry?.offer?.holdId === event.data.holdId) {
        const { holdId, orderId, at } = event.data;
        apply(reaction, [
          { type: 'WaitlistFulfilled', data: { entryId: entry.entryId, userId: entry.userId, holdId, orderId, at } },
        ]);
      }
      return;
    }
    case 'WaitlistJoined':
      reaction.changed.entries.add(event.data.entryId);
      reaction.dirty = true;
      return;
    case 'WaitlistLeft': {
      const entry = waitlist.entries.get(event.data.entryId)!;
      if (entry.offer !== undefined && waitlist.entryOfHold.has(entry.offer.holdId))
        releaseHold(reaction, entry.offer.holdId, entry.userId, `${entry.entryId}:left`);
      releaseGathers(reaction, entry);
      return;
    }
    case 'WaitlistOffered': {
      // Entries ahead that this offer overtook for the last allowed time are protected now: the pass must start
      // again from the head so they gather before anyone behind them takes more.
      const offered = waitlist.entries.get(event.data.entryId)!;
      for (const ahead of waitlist.line.values()) {
        if (ahead === offered) break;
        if (
          ahead.status === 'waiting' &&
          ahead.overtaken === waitlist.policy.overtakesMax &&
          ahead.gathers.size === 0
        ) {
          reaction.changed.entries.add(ahead.entryId);
          reaction.freed = true;
        }
      }
      return;
    }
    case 'HoldPlaced':
    case 'ReservationSold':
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
    case 'WaitlistOfferLapsed':
    case 'WaitlistOfferDeclined':
    case 'WaitlistFulfilled':
    case 'WaitlistSeatsGathered':
    case 'WaitlistGatherReleased':
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
      // Nothing to do: these take seats (the line cannot fit better), move money, are the waitlist's own record, or
      // the waiting room's, which moves no seats.
      return;
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
    }
  }
};

const seatsCameBack = (reaction: Reaction): void => {
  reaction.freed = true;
  if (reaction.state.waitlist.waiting > 0) reaction.dirty = true;
};

const entryOfHold = (reaction: Reaction, holdId: string): WaitlistEntry | undefined => {
  const { waitlist } = reaction.state;
  const entryId = waitlist.entryOfHold.get(holdId);
  return entryId === undefined ? undefined : waitlist.entries.get(entryId);
};

/** Applies events in place, records them, and reacts to each in turn. */
const apply = (reaction: Reaction, events: readonly EventStreamEvent[]): void => {
  for (const event of events) {
    evolveEvent(reaction.state, event);
    reaction.out.push(event);
    observe(reaction, event);
  }
};

/** The inventory's own decision. A refusal means the waitlist chose seats the inventory disagrees with: a bug. */
const decideInventory = (reaction: Reaction, command: InventoryCommand): InventoryEvent[] => {
  try {
    return decide(command, reaction.state.inventory);
  } catch (error) {
    if (!isBookingError(error)) throw error;
    throw new Error(`the waitlist's ${command.type} was refused: ${error.code} ${error.message}`);
  }
};

const releaseHold = (reaction: Reaction, holdId: string, userId: string, requestId: string): void => {
  apply(
    reaction,
    decideInventory(reaction, { type: 'ReleaseHold', data: { holdId, userId, requestId, now: reaction.now } }),
  );
};

const releaseGathers = (reaction: Reaction, entry: WaitlistEntry, keep: (holdId: string) => boolean = () => false) => {
  for (const holdId of [...entry.gathers.keys()])
    if (!keep(holdId)) releaseHold(reaction, holdId, gathererIdOf(entry.entryId), `${holdId}:release`);
};

/** Passes over the line until nothing more fits and nothing more can be gathered. */
const settle = (reaction: Reaction): void => {
  const { waitlist } = reaction.state;
  // Each pass after the first follows an offer or seats given back, so passes are bounded; this guards the loop.
  const passesMax = 4 * (waitlist.line.size + waitlist.gatherHolds) + 16;
  for (let passes = 0; reaction.dirty; passes++) {
    if (passes > passesMax) throw new Error('the waitlist did not settle');
    reaction.dirty = false;
    expireLapsed(reaction);
    pass(reaction);
  }
};

/**
 * Holds that lapsed are expired before the line is looked at, as the timer would: the pass then sees every seat that
 * is free, and no offer or gathering hold expires someone else's hold on the way (their seats go through the line).
 */
const expireLapsed = (reaction: Reaction): void => {
  const next = nextHoldExpiryAt(reaction.state.inventory);
  if (next !== undefined && next <= reaction.now)
    apply(reaction, decideInventory(reaction, { type: 'ExpireHolds', data: { now: reaction.now } }));
};

const pass = (reaction: Reaction): void => {
  const { waitlist } = reaction.state;
  // Requests found not to fit in this pass (see memoKey): a thousand entries for "1 seat" cost one search.
  const noFit = new Set<string>();
  for (const entry of [...waitlist.line.values()]) {
    if (entry.status !== 'waiting' || !mustLook(reaction, entry)) continue;
    reaction.freed = false;
    serve(reaction, entry, noFit);
    if (reaction.freed) {
      // Seats came back mid-pass, or someone ahead became protected: start again from the head.
      reaction.dirty = true;
      return;
    }
  }
};

const serve = (reaction: Reaction, entry: WaitlistEntry, noFit: Set<string>): void => {
  const { inventory, waitlist } = reaction.state;
  const { quantity } = entry.request;
  if (seatsOfUser(inventory, entry.userId, reaction.now) + quantity > inventory.config.maxSeatsPerUser) {
    // The buyer holds or owns too much for this entry now: skip it, and give back what was gathered for it.
    releaseGathers(reaction, entry);
    return;
  }
  const shape = memoKey(reaction, entry);
  if (shape === undefined || !noFit.has(shape)) {
    const plan = planOffer(inventory, waitlist, entry);
    if (plan !== undefined) {
      offer(reaction, entry, plan);
      return;
    }
    if (shape !== undefined) noFit.add(shape);
  }
  if (isProtected(waitlist, entry)) gather(reaction, entry);
};

/**
 * Entries whose answer must be the same: the same request, no seats of their own gathered, and the same entries
 * behind them gathering (whose seats they may take; counted, since those are a suffix of the line). Within a pass
 * seats are only taken (offers, gathering), never freed (that restarts the pass), so a request that did not fit
 * still does not; gathering moves seats from available to gathered-by-someone-ahead, which only the entries behind
 * that gatherer lose. Undefined when the entry gathers itself: it is searched every time.
 */
const memoKey = (reaction: Reaction, entry: WaitlistEntry): string | undefined => {
  const { waitlist } = reaction.state;
  if (entry.gathers.size > 0) return undefined;
  let gatherersBehind = 0;
  for (const gatherer of waitlist.gatherers.values()) if (gatherer.seq > entry.seq) gatherersBehind += 1;
  const { quantity, sectionId, priceTier, together } = entry.request;
  return `${quantity}|${sectionId ?? ''}|${priceTier ?? ''}|${together}|${gatherersBehind}`;
};

const offer = (reaction: Reaction, entry: WaitlistEntry, plan: OfferPlan): void => {
  const { waitlist } = reaction.state;
  for (const holdId of plan.releases) {
    const owner = waitlist.entries.get(waitlist.entryOfHold.get(holdId)!)!;
    releaseHold(reaction, holdId, gathererIdOf(owner.entryId), `${holdId}:release`);
  }
  const { layout } = waitlist;
  const request: HoldRequest =
    entry.scope.kind === 'general'
      ? { kind: 'general', sectionId: entry.scope.sectionId, quantity: plan.places }
      : { kind: 'seats', seatIds: plan.seats.map((seat) => layout.seats.id(seat)) };
  const holdId = offerHoldIdOf(entry.entryId);
  const events = placeHold(reaction, holdId, entry.userId, request, entry.entryId);
  const placed = events.find((event) => event.type === 'HoldPlaced' && event.data.holdId === holdId);
  if (placed?.type !== 'HoldPlaced') throw new Error(`no hold placed for the offer to ${entry.entryId}`);
  const { seatIds, sectionId, quantity, expiresAt } = placed.data;
  const offered: WaitlistEvent = {
    type: 'WaitlistOffered',
    data: {
      entryId: entry.entryId,
      userId: entry.userId,
      holdId,
      seatIds,
      ...(sectionId === undefined ? {} : { sectionId }),
      quantity,
      expiresAt,
      at: reaction.now,
    },
  };
  apply(reaction, [offered]);
};

/**
 * The request id a waitlist hold is remembered under, in its buyer's name. Not the hold id: clients release a hold with
 * its id as the request id when they have none of their own (`DELETE /v1/holds/:holdId`, the SDK's `release`), and a
 * release under the id of the request that placed the hold would be refused as a reused key.
 */
export const waitlistHoldRequestIdOf = (holdId: string): string => `${holdId}:waitlist`;

const placeHold = (
  reaction: Reaction,
  holdId: string,
  userId: string,
  request: HoldRequest,
  waitlistEntryId: string,
): InventoryEvent[] => {
  const events = decideInventory(reaction, {
    type: 'PlaceHold',
    data: { holdId, userId, requestId: waitlistHoldRequestIdOf(holdId), request, now: reaction.now, waitlistEntryId },
  });
  apply(reaction, events);
  return events;
};

/** Holds back, for a protected entry, the available seats it can use (see the rule above). */
const gather = (reaction: Reaction, entry: WaitlistEntry): void => {
  const { inventory, waitlist } = reaction.state;
  const { scope } = entry;
  let request: HoldRequest | undefined;
  if (scope.kind === 'general') {
    const places = freePlaces(inventory, scope.sectionId);
    if (places > 0) request = { kind: 'general', sectionId: scope.sectionId, quantity: places };
  } else {
    let seats: number[];
    if (entry.request.together) {
      const target = chooseTarget(inventory, waitlist, entry);
      if (target === undefined) {
        releaseGathers(reaction, entry);
        return;
      }
      const inTarget = new Set(target);
      releaseGathers(reaction, entry, (holdId) => entry.gathers.get(holdId)!.seats.every((seat) => inTarget.has(seat)));
      seats = target.filter((seat) => isAvailable(inventory, seat));
    } else seats = availableInScope(inventory, scope);
    if (seats.length > 0) request = { kind: 'seats', seatIds: seats.map((seat) => waitlist.layout.seats.id(seat)) };
  }
  if (request === undefined) return;
  if (
    gatheredCount(entry) + (request.kind === 'seats' ? request.seatIds.length : request.quantity) >=
    entry.request.quantity
  )
    throw new Error(`entry ${entry.entryId} would gather all it needs without fitting`);
  const holdId = gatherHoldIdOf(entry.entryId, entry.gathersMade + 1);
  const events = placeHold(reaction, holdId, gathererIdOf(entry.entryId), request, entry.entryId);
  const placed = events.find((event) => event.type === 'HoldPlaced' && event.data.holdId === holdId);
  if (placed?.type !== 'HoldPlaced') throw new Error(`no gathering hold placed for ${entry.entryId}`);
  const { seatIds, sectionId, quantity } = placed.data;
  apply(reaction, [
    {
      type: 'WaitlistSeatsGathered',
      data: {
        entryId: entry.entryId,
        holdId,
        seatIds,
        ...(sectionId === undefined ? {} : { sectionId }),
        quantity,
        at: reaction.now,
      },
    },
  ]);
};
