import { type AnyStateMachine, getNextSnapshot } from 'xstate';

/**
 * table[status][event] is the status the machine moves to, absent where it does not allow the event. Derived once
 * with XState's pure transition function, so the hot path reads a table instead of running an actor per seat or
 * order, and the machine stays the single definition. Flat (non-nested) machines only.
 */
export const deriveTransitionTable = <Status extends string, EventType extends string>(
  machine: AnyStateMachine,
  statuses: readonly Status[],
  eventTypes: readonly EventType[],
): Readonly<Record<Status, Readonly<Partial<Record<EventType, Status>>>>> => {
  const table = {} as Record<Status, Partial<Record<EventType, Status>>>;
  for (const status of statuses) {
    const row: Partial<Record<EventType, Status>> = {};
    const from = machine.resolveState({ value: status, context: undefined });
    for (const type of eventTypes) {
      if (from.can({ type })) row[type] = getNextSnapshot(machine, from, { type }).value as Status;
    }
    table[status] = row;
  }
  return table;
};
