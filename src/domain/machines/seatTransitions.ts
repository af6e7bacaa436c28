import { type SeatStatusName, seatStatusNames } from '../seatMap/views.ts';
import { type SeatEvent, seatEventTypes, seatMachine } from './seatMachine.ts';
import { deriveTransitionTable } from './transitionTable.ts';

/** Seat statuses as small integers, the way the actor stores them (one byte per seat). */
export const seatStatusCodes = { available: 0, held: 1, reserved: 2, sold: 3 } as const;
export type SeatStatusCode = (typeof seatStatusCodes)[SeatStatusName];

export type SeatEventType = SeatEvent['type'];

const byName = deriveTransitionTable(seatMachine, seatStatusNames, seatEventTypes);

/**
 * table[statusCode][event] is the next status code, or -1 where the machine does not allow the event: the seats'
 * statuses are bytes in a typed array, so the hot path works in codes.
 */
const deriveTable = (): readonly Readonly<Record<SeatEventType, number>>[] =>
  seatStatusNames.map((status) => {
    const row = {} as Record<SeatEventType, number>;
    for (const type of seatEventTypes) {
      const next = byName[status][type];
      row[type] = next === undefined ? -1 : seatStatusCodes[next];
    }
    return row;
  });

export const seatTransitionTable = deriveTable();

/** The next status code, or -1 when the transition is illegal. */
export const nextSeatStatus = (status: number, event: SeatEventType): number =>
  seatTransitionTable[status]?.[event] ?? -1;
