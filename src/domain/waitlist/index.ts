/**
 * The waitlist's core: what the event actor and the gateway may use. Everything else in this folder is an
 * implementation detail. The actor runs it beside the inventory on one state, one log and one batch:
 *
 * - state: `initialEventState(venue, config, policy?)`, then `evolveEvent` for every event of the stream (inventory
 *   and waitlist events alike), or `fromEventSnapshot` then `evolveEvent` for the tail;
 * - commands: `handle(state, command)` for every command of the event (the inventory's and `JoinWaitlist`,
 *   `LeaveWaitlist`): decides, evolves in place and reacts (offers, lapses, gathering), and returns every event to
 *   append with the command's refusal, if any. Append the events; do not evolve them again;
 * - answers: `recallJoin` (a retried join), `activeEntryOf`, `latestEntryOf`, `entryView`, `positionOf`;
 * - pushes after a commit: `offersIn` (`waitlist:offer`), `positionsToTell` (`waitlist:position`, coalesced);
 * - the sold-out view: `requestFitsNow`, `isSoldOut`;
 * - timers: the inventory's `nextHoldExpiryAt` (both expiry lanes: offers lapse through ExpireHolds);
 * - snapshots: `toEventSnapshot` / `fromEventSnapshot`; checks: `waitlistViolations` / `assertWaitlistSound`.
 */
export type { JoinWaitlist, LeaveWaitlist, WaitlistCommand, WaitlistRequest } from './commands.ts';
export { isWaitlistCommand } from './commands.ts';
export { activeEntryOf, latestEntryOf, recallJoin } from './decide.ts';
export { type EventCommand, type Handled, handle } from './eventDecider.ts';
export {
  type EventState,
  type EventStreamEvent,
  evolveEvent,
  evolveEvents,
  initialEventState,
} from './eventState.ts';
export { isWaitlistEvent, type WaitlistEvent, type WaitlistOffered } from './events.ts';
export { assertWaitlistSound, waitlistViolations } from './invariants.ts';
export {
  entryView,
  isSoldOut,
  offersIn,
  offerView,
  type PositionChange,
  positionOf,
  positionsToTell,
  requestFitsNow,
  type WaitlistEntryView,
  type WaitlistOfferView,
  waitlistOpen,
} from './read.ts';
export { type EventSnapshot, fromEventSnapshot, toEventSnapshot } from './snapshot.ts';
export {
  type EntryStatus,
  gathererIdOf,
  offerHoldIdOf,
  type WaitlistEntry,
  type WaitlistPolicy,
  type WaitlistState,
  waitlistPolicyDefault,
} from './state.ts';
