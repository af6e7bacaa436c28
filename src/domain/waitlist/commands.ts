/**
 * Commands to an event's waitlist. Like the inventory's, each carries `now` and the ids the shell chose, so the
 * decision is pure and replayable. Everything else the waitlist does (offers, lapses, gathering seats for an entry)
 * is a reaction to what the event's commands did, decided in the same batch (see react.ts).
 */

/** What an entry waits for: a quantity, optionally in one section or price tier, optionally side by side in one row. */
export type WaitlistRequest = Readonly<{
  quantity: number;
  sectionId?: string;
  priceTier?: string;
  /** Adjacent seats in one row. Meaningless (and ignored) for a general-admission section. */
  together: boolean;
}>;

export type JoinWaitlist = Readonly<{
  type: 'JoinWaitlist';
  data: Readonly<{ entryId: string; userId: string; requestId: string; request: WaitlistRequest; now: number }>;
}>;

/** The buyer leaves the line; an offer they hold is given up (its seats go to the next entry). */
export type LeaveWaitlist = Readonly<{
  type: 'LeaveWaitlist';
  data: Readonly<{ entryId: string; userId: string; requestId: string; now: number }>;
}>;

export type WaitlistCommand = JoinWaitlist | LeaveWaitlist;

const waitlistCommandTypes: ReadonlySet<string> = new Set<WaitlistCommand['type']>(['JoinWaitlist', 'LeaveWaitlist']);

export const isWaitlistCommand = (command: Readonly<{ type: string }>): command is WaitlistCommand =>
  waitlistCommandTypes.has(command.type);
