import type { HoldRequest } from './views.ts';

/**
 * Commands to an event's inventory. The shell stamps each with `now` (epoch ms) and any ids it needs, so
 * decide stays pure and replayable.
 */
export type PlaceHold = Readonly<{
  type: 'PlaceHold';
  data: Readonly<{ holdId: string; userId: string; requestId: string; request: HoldRequest; now: number }>;
}>;

export type ReleaseHold = Readonly<{
  type: 'ReleaseHold';
  data: Readonly<{ holdId: string; userId: string; requestId: string; now: number }>;
}>;

/** Sent by the actor's timer: expire every hold whose time has passed, even when nobody reads. */
export type ExpireHolds = Readonly<{ type: 'ExpireHolds'; data: Readonly<{ now: number }> }>;

/** Payment started: the hold's seats are locked until the payment ends or `reservedUntil`. */
export type ReserveHold = Readonly<{
  type: 'ReserveHold';
  data: Readonly<{ holdId: string; orderId: string; userId: string; requestId: string; now: number }>;
}>;

/** Payment succeeded in time: the reserved seats are sold. */
export type SellReservation = Readonly<{ type: 'SellReservation'; data: Readonly<{ orderId: string; now: number }> }>;

/** Payment failed or timed out: the reserved seats go back on sale. */
export type ReleaseReservation = Readonly<{
  type: 'ReleaseReservation';
  data: Readonly<{ orderId: string; reason: 'payment_failed' | 'payment_timed_out' | 'cancelled'; now: number }>;
}>;

export type InventoryCommand =
  | PlaceHold
  | ReleaseHold
  | ExpireHolds
  | ReserveHold
  | SellReservation
  | ReleaseReservation;
