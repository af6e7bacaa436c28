import type { InventoryEvent } from '../seatMap/events.ts';
import { evolve } from '../seatMap/evolve.ts';
import { type InventoryState, initialState } from '../seatMap/state.ts';
import type { EventConfig, Venue } from '../venue.ts';
import { isWaitlistEvent, type WaitlistEvent } from './events.ts';
import { evolveWaitlist } from './evolve.ts';
import { initialWaitlistState, type WaitlistPolicy, type WaitlistState } from './state.ts';

/**
 * Everything an event's actor owns: the inventory and the waitlist, evolved from one stream of events. The
 * inventory's `version` is the stream's version and counts the waitlist's events too.
 */
export type EventState = Readonly<{ inventory: InventoryState; waitlist: WaitlistState }>;

export type EventStreamEvent = InventoryEvent | WaitlistEvent;

export const initialEventState = (venue: Venue, config: EventConfig, policy?: WaitlistPolicy): EventState => {
  const inventory = initialState(venue, config);
  return { inventory, waitlist: initialWaitlistState(inventory.layout, policy) };
};

/** Applies one event of the stream, in place, to the decider it belongs to; replay is this in a loop. */
export const evolveEvent = (state: EventState, event: EventStreamEvent): EventState => {
  if (isWaitlistEvent(event)) {
    evolveWaitlist(state.waitlist, event);
    state.inventory.version += 1;
  } else evolve(state.inventory, event);
  return state;
};

export const evolveEvents = (state: EventState, events: readonly EventStreamEvent[]): EventState => {
  for (const event of events) evolveEvent(state, event);
  return state;
};
