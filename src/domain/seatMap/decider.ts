import type { EventConfig, Venue } from '../venue.ts';
import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import { type InventoryState, initialState } from './state.ts';

/** The inventory decider in the shape the event-sourcing literature uses: { decide, evolve, initialState }. */
export const inventoryDecider = (venue: Venue, config: EventConfig) => ({
  decide,
  evolve,
  initialState: (): InventoryState => initialState(venue, config),
});

export { decide, evolve };
