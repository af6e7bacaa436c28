import { setup } from 'xstate';

/**
 * The seat lifecycle: the one source of truth for which seat transitions are legal. General-admission units
 * follow the same lifecycle, counted instead of named. The actor never runs this machine per seat: see
 * seatTransitions.ts for the table derived from it.
 */
export type SeatEvent =
  | { type: 'HOLD' }
  | { type: 'RELEASE' }
  | { type: 'EXPIRE' }
  | { type: 'RESERVE' }
  | { type: 'SELL' }
  | { type: 'RELEASE_RESERVATION' }
  | { type: 'REFUND' };

export const seatEventTypes = [
  'HOLD',
  'RELEASE',
  'EXPIRE',
  'RESERVE',
  'SELL',
  'RELEASE_RESERVATION',
  'REFUND',
] as const satisfies readonly SeatEvent['type'][];

export const seatMachine = setup({
  types: { events: {} as SeatEvent },
}).createMachine({
  id: 'seat',
  initial: 'available',
  states: {
    available: { on: { HOLD: 'held' } },
    held: { on: { RELEASE: 'available', EXPIRE: 'available', RESERVE: 'reserved' } },
    // Payment started: only the payment's outcome (or its timeout) moves the seat on.
    reserved: { on: { SELL: 'sold', RELEASE_RESERVATION: 'available' } },
    // Final, until an admin refund or cancellation returns the seat to sale.
    sold: { on: { REFUND: 'available' } },
  },
});
