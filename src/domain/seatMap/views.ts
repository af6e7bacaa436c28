/** What readers see: the seat map, a hold, a diff. Plain JSON-ready data, shared with the wire contract. */
export type SeatStatusName = 'available' | 'held' | 'reserved' | 'sold';

export type SeatView = Readonly<{ status: SeatStatusName; priceTier: string; version: number }>;
export type GeneralView = Readonly<{ capacity: number; available: number; priceTier: string }>;

export type SeatMapView = Readonly<{
  eventId: string;
  /** The event stream's version this map reflects. */
  version: number;
  seats: Readonly<Record<string, SeatView>>;
  general: Readonly<Record<string, GeneralView>>;
}>;

export type HoldView = Readonly<{
  holdId: string;
  seatIds: readonly string[];
  /** Present for a general-admission hold. */
  sectionId?: string;
  quantity: number;
  /** ISO 8601. */
  expiresAt: string;
}>;

export type SeatChange = Readonly<{ seatId: string; status: SeatStatusName; version: number }>;
export type GeneralChange = Readonly<{ sectionId: string; available: number }>;

/** One committed batch as subscribers see it: applies to a map at fromVersion and yields version. */
export type SeatMapDiff = Readonly<{
  eventId: string;
  fromVersion: number;
  version: number;
  changes: readonly SeatChange[];
  general: readonly GeneralChange[];
}>;

/** How a buyer asks for seats. */
export type HoldRequest =
  | Readonly<{ kind: 'seats'; seatIds: readonly string[]; expectedVersions?: Readonly<Record<string, number>> }>
  | Readonly<{ kind: 'general'; sectionId: string; quantity: number }>
  | Readonly<{ kind: 'bestAvailable'; quantity: number; sectionId?: string; priceTier?: string }>;
