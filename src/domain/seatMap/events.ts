/**
 * Events of an event's inventory stream, past tense. Each carries what a reader needs without the state
 * (the seats a released hold had, for example), so diffs, projections and audits read events alone.
 */
export type HoldPlaced = Readonly<{
  type: 'HoldPlaced';
  data: Readonly<{
    holdId: string;
    userId: string;
    requestId: string;
    seatIds: readonly string[];
    /** General admission: the section and how many places. Seated holds have quantity = seatIds.length. */
    sectionId?: string;
    quantity: number;
    /** Epoch ms. */
    expiresAt: number;
    at: number;
  }>;
}>;

type HoldEnded = Readonly<{
  holdId: string;
  userId: string;
  seatIds: readonly string[];
  sectionId?: string;
  quantity: number;
  at: number;
}>;

export type HoldReleased = Readonly<{ type: 'HoldReleased'; data: HoldEnded & Readonly<{ requestId: string }> }>;
export type HoldExpired = Readonly<{ type: 'HoldExpired'; data: HoldEnded }>;

export type HoldReserved = Readonly<{
  type: 'HoldReserved';
  data: HoldEnded & Readonly<{ orderId: string; requestId: string; reservedUntil: number }>;
}>;

export type ReservationSold = Readonly<{ type: 'ReservationSold'; data: HoldEnded & Readonly<{ orderId: string }> }>;

export type ReservationReleased = Readonly<{
  type: 'ReservationReleased';
  data: HoldEnded & Readonly<{ orderId: string; reason: 'payment_failed' | 'payment_timed_out' | 'cancelled' }>;
}>;

export type InventoryEvent = HoldPlaced | HoldReleased | HoldExpired | HoldReserved | ReservationSold | ReservationReleased;
