/**
 * The socket.io wire contract, shared by the server (src/gateway/socket/) and the client SDK (client-sdk/), which
 * imports these types only: a rename here breaks the SDK's build, not a user. Names are binding (docs/api.md).
 */
import type { BookingErrorCode } from '../domain/bookingError.ts';
import type { HoldView, SeatMapDiff, SeatMapView, SeatStatusMapView } from '../domain/seatMap/views.ts';

export type { BookingErrorCode } from '../domain/bookingError.ts';
export type {
  GeneralChange,
  GeneralView,
  HoldView,
  SeatChange,
  SeatMapDiff,
  SeatMapView,
  SeatStatusMapView,
  SeatStatusName,
  SeatView,
} from '../domain/seatMap/views.ts';

export type WireError = Readonly<{ code: BookingErrorCode; message: string }>;

/** Every request is answered through its ack with exactly one of these. */
export type Ack<T extends object = object> = ({ ok: true } & T) | Readonly<{ ok: false; error: WireError }>;

/**
 * `sinceVersion` asks to resume: the ack then carries either `diffs` (every diff after sinceVersion, in order,
 * when the server still has them) or a fresh `seatMap` (when the client is too far behind or never had one).
 */
export type SubscribeRequest = Readonly<{
  eventId: string;
  sinceVersion?: number;
  /**
   * `status` asks for the compact status form (`statusMap`, one byte per seat in layout order, base64) instead of
   * `seatMap` whenever the ack carries a map; the diffs that follow are the same either way. Default `map`.
   */
  form?: 'map' | 'status';
}>;
export type SubscribeReply = Readonly<
  | { eventId: string; version: number; seatMap: SeatMapView; statusMap?: undefined; diffs?: undefined }
  | { eventId: string; version: number; seatMap?: undefined; statusMap: SeatStatusMapView; diffs?: undefined }
  | { eventId: string; version: number; seatMap?: undefined; statusMap?: undefined; diffs: readonly SeatMapDiff[] }
>;

export type UnsubscribeRequest = Readonly<{ eventId: string }>;

/** The three hold shapes of `POST /v1/events/:id/holds`, plus the event and the client's requestId. */
export type HoldRequestPayload = Readonly<
  { eventId: string; requestId: string } & (
    | { seatIds: readonly string[]; expectedVersions?: Readonly<Record<string, number>> }
    | { sectionId: string; quantity: number }
    | { bestAvailable: { quantity: number; sectionId?: string; priceTier?: string } }
  )
>;
export type HoldReply = Readonly<{ hold: HoldView }>;

export type ReleaseRequest = Readonly<{ holdId: string; requestId: string }>;

/** Pushed to the buyer's own sockets when an order changes; filled by the payments module. */
export type OrderUpdate = Readonly<{ orderId: string; status: string; [key: string]: unknown }>;

/** Sent when a request arrived without an ack callback, so a malformed call is never met with silence. */
export type RequestError = Readonly<{ event: string; error: WireError }>;

export interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (reply: Ack<SubscribeReply>) => void) => void;
  unsubscribe: (request: UnsubscribeRequest, ack: (reply: Ack) => void) => void;
  hold: (request: HoldRequestPayload, ack: (reply: Ack<HoldReply>) => void) => void;
  release: (request: ReleaseRequest, ack: (reply: Ack) => void) => void;
}

export interface ServerToClientEvents {
  'seatmap:diff': (diff: SeatMapDiff) => void;
  'order:updated': (update: OrderUpdate) => void;
  'request:error': (error: RequestError) => void;
  /** The session token's `exp` has passed: the server disconnects this socket next. Renew the session and reconnect. */
  'session:expired': (error: WireError) => void;
}

/**
 * `POST /v1/sessions` (REST, not the socket, but the SDK needs it to recover a session): `renewed` says the session
 * continues the previous token's buyer (same userId); false: a new buyer.
 */
export type SessionView = Readonly<{ token: string; userId: string; expiresAt: string; renewed?: boolean }>;

/** The handshake's `auth` object. */
export type HandshakeAuth = Readonly<{ token: string }>;

/** What the server keeps per socket: its buyer, and when its session token expires (epoch ms). */
export type SocketData = { userId: string; expiresAtMs: number };

/** The room every socket subscribed to an event joins; broadcasting to exactly one room takes uWS's publish path. */
export const eventRoom = (eventId: string): string => `event:${eventId}`;
export const userRoom = (userId: string): string => `user:${userId}`;
