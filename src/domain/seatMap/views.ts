/** What readers see: the seat map, a hold, a diff. Plain JSON-ready data, shared with the wire contract. */
/** A seat's statuses, in the order of their one-byte codes (seatStatusCodes): the one list the contract's enum uses too. */
export const seatStatusNames = ['available', 'held', 'reserved', 'sold'] as const;
export type SeatStatusName = (typeof seatStatusNames)[number];

export type SeatView = Readonly<{ status: SeatStatusName; priceTier: string; version: number }>;
export type GeneralView = Readonly<{ capacity: number; available: number; priceTier: string }>;

export type SeatMapView = Readonly<{
  eventId: string;
  /** The event stream's version this map reflects. */
  version: number;
  seats: Readonly<Record<string, SeatView>>;
  general: Readonly<Record<string, GeneralView>>;
}>;

/**
 * The compact status form of the seat map for large venues: `statuses` is base64 of one byte per seat, in the layout
 * order of `GET /v1/events/:id/layout` (sections, rows and seats as the venue lists them, general sections skipped),
 * each byte the seat's status code (0 available, 1 held, 2 reserved, 3 sold: the layout's `statusCodes`).
 */
export type SeatStatusMapView = Readonly<{
  eventId: string;
  version: number;
  seatCount: number;
  statuses: string;
  general: Readonly<Record<string, GeneralView>>;
}>;

/**
 * `GET /v1/events/:id/layout`: what never changes of an event's seat map. Walking `sections` (seated ones: rows, then
 * seats, in order) gives the layout order of the status form; `statusCodes[byte]` names a status byte.
 */
export type EventLayoutView = Readonly<{
  eventId: string;
  venueId: string;
  name: string;
  seatCount: number;
  statusCodes: readonly SeatStatusName[];
  priceTiers: Readonly<Record<string, Readonly<{ amount: number; currency: string }>>>;
  sections: readonly (
    | Readonly<{
        id: string;
        name: string;
        kind: 'seated';
        rows: readonly Readonly<{ id: string; seats: readonly Readonly<{ id: string; priceTier: string }>[] }>[];
      }>
    | Readonly<{ id: string; name: string; kind: 'general'; capacity: number; priceTier: string }>
  )[];
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

export type TicketView = Readonly<{
  ticketId: string;
  seatId?: string;
  sectionId?: string;
  checkedInAt: string | null;
}>;

/** An order as its buyer sees it. Money is integer minor units; instants are ISO 8601. */
export type OrderView = Readonly<{
  orderId: string;
  eventId: string;
  status: 'pending' | 'processing' | 'succeeded' | 'failed' | 'timed_out' | 'refunded';
  amount: number;
  currency: string;
  seatIds: readonly string[];
  sectionId?: string;
  quantity: number;
  lines: readonly Readonly<{
    seatId?: string;
    sectionId?: string;
    priceTier: string;
    quantity: number;
    amount: number;
  }>[];
  /** The payment must succeed before this instant, or the seats go back on sale. */
  expiresAt: string;
  payment: Readonly<{ provider: string | null; paymentId: string | null }>;
  /** Present when a late payment is being (or was) given back. */
  refund?: Readonly<{
    status: 'pending' | 'completed';
    reason: 'late_payment' | 'admin' | 'payment_rejected' | 'purchase_limit';
    refundId: string | null;
  }>;
  /** Present once the order is paid: one ticket per seat or general-admission place. */
  tickets?: readonly TicketView[];
  createdAt: string;
  updatedAt: string;
}>;
