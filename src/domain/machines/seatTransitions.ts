import { getNextSnapshot } from 'xstate';
import type { SeatStatusName } from '../seatMap/views.ts';
import { type SeatEvent, seatEventTypes, seatMachine } from './seatMachine.ts';

/** Seat statuses as small integers, the way the actor stores them (one byte per seat). */
export const seatStatusCodes = { available: 0, held: 1, reserved: 2, sold: 3 } as const;
export type SeatStatusCode = (typeof seatStatusCodes)[SeatStatusName];
export const seatStatusNames: readonly SeatStatusName[] = ['available', 'held', 'reserved', 'sold'];

export type SeatEventType = SeatEvent['type'];

/**
 * table[status][event] is the next status, or -1 where the machine does not allow the event. Derived once from
 * the XState machine with its pure transition function, so the hot path reads an array instead of running an
 * actor per seat, and the machine stays the single definition.
 */
const deriveTable = (): readonly Readonly<Record<SeatEventType, number>>[] =>
  seatStatusNames.map((status) => {
    const row = {} as Record<SeatEventType, number>;
    for (const type of seatEventTypes) {
      const from = seatMachine.resolveState({ value: status });
      const next = getNextSnapshot(seatMachine, from, { type } as SeatEvent);
      row[type] = from.can({ type } as SeatEvent) ? seatStatusCodes[next.value as SeatStatusName] : -1;
    }
    return row;
  });

export const seatTransitionTable = deriveTable();

/** The next status code, or -1 when the transition is illegal. */
export const nextSeatStatus = (status: number, event: SeatEventType): number =>
  seatTransitionTable[status]?.[event] ?? -1;
