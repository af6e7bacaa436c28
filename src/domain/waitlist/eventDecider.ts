import { type BookingError, isBookingError } from '../bookingError.ts';
import type { InventoryCommand } from '../seatMap/commands.ts';
import { decide } from '../seatMap/decide.ts';
import { nextHoldExpiryAt } from '../seatMap/read.ts';
import { isWaitlistCommand, type WaitlistCommand } from './commands.ts';
import { decideWaitlist } from './decide.ts';
import { type EventState, type EventStreamEvent, evolveEvent } from './eventState.ts';
import { react } from './react.ts';

export type EventCommand = InventoryCommand | WaitlistCommand;

/** What a command did: every event to append (already applied to the state), and its refusal if it was refused. */
export type Handled = Readonly<{ events: readonly EventStreamEvent[]; rejection: BookingError | undefined }>;

/**
 * One command of an event's actor, through both deciders on one state and one log: the command's own decider
 * (inventory or waitlist), then the waitlist's reaction to what it did (react.ts). Decides and evolves in place,
 * like the actor's loop, and returns the events for the batch's append; the caller does not evolve them again.
 *
 * Before a hold, lapsed holds are expired first, with the waitlist's reaction to them, whenever the waitlist has
 * someone waiting or a waitlist hold has lapsed: seats that lapse are owed to the line, and lazy expiry would hand
 * them to whoever asked in that instant. With nobody waiting and no waitlist hold this adds nothing, and the
 * inventory behaves exactly as on its own. Before a join they are always expired: a join is refused when seats
 * that fit are available, and lapsed ones are.
 *
 * Those expiries stand even when the command is then refused: they are what the timer would have written.
 */
export const handle = (state: EventState, command: EventCommand): Handled => {
  const { now } = command.data;
  const events =
    command.type === 'PlaceHold' || command.type === 'JoinWaitlist'
      ? expireLapsedForLine(state, now, command.type === 'JoinWaitlist')
      : [];
  let decided: EventStreamEvent[];
  try {
    decided = isWaitlistCommand(command)
      ? decideWaitlist(command, state.waitlist, state.inventory)
      : decide(command, state.inventory);
  } catch (error) {
    if (!isBookingError(error)) throw error;
    return { events, rejection: error };
  }
  for (const event of decided) evolveEvent(state, event);
  const reaction = react(state, decided, now);
  // The decider's own array when nothing came before or after it (most commands): it is fresh and nobody else holds it.
  if (events.length === 0 && reaction.length === 0) return { events: decided, rejection: undefined };
  for (const event of decided) events.push(event);
  for (const event of reaction) events.push(event);
  return { events, rejection: undefined };
};

const expireLapsedForLine = (state: EventState, now: number, always: boolean): EventStreamEvent[] => {
  const { inventory, waitlist } = state;
  const next = nextHoldExpiryAt(inventory);
  if (next === undefined || next > now) return [];
  const waitlistLaneHead = inventory.waitlistExpiryQueue.firstExpiresAt();
  const waitlistHoldLapsed = waitlistLaneHead !== undefined && waitlistLaneHead <= now;
  if (!always && waitlist.waiting === 0 && !waitlistHoldLapsed) return [];
  const expired = decide({ type: 'ExpireHolds', data: { now } }, inventory);
  for (const event of expired) evolveEvent(state, event);
  return [...expired, ...react(state, expired, now)];
};
