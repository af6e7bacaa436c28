/**
 * The socket.io wire contract, shared by the server (src/gateway/socket/) and the client SDK (client-sdk/), which
 * imports these types only: a rename here breaks the SDK's build, not a user. Names are binding (docs/api.md).
 */
import type { z } from 'zod';
import type { BookingErrorCode } from '../domain/bookingError.ts';
import type { Notification } from '../domain/notifications/notifications.ts';
import type { HoldView, SeatMapDiff, SeatMapView, SeatStatusMapView } from '../domain/seatMap/views.ts';
import type { altchaChallengeSchema, sessionViewSchema, waitlistEntryViewSchema } from './responses.ts';
import type {
  bestAvailableHoldBodySchema,
  generalHoldBodySchema,
  queueJoinSocketSchema,
  seatsHoldBodySchema,
  signalsSchema,
  venueBodySchema,
  waitlistJoinSocketSchema,
} from './schemas.ts';
import type {
  releaseRequestSchema,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  waitlistLeaveRequestSchema,
} from './socketSchemas.ts';

export type { BookingErrorCode } from '../domain/bookingError.ts';
export type { Notification, NotificationTopic } from '../domain/notifications/notifications.ts';
export type {
  EventLayoutView,
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

/** What a zod schema parses to, read-only all the way down: what a client sends, typed from the server's schema. */
export type WireOf<T> = T extends (infer U)[]
  ? readonly WireOf<U>[]
  : T extends object
    ? { readonly [K in keyof T]: WireOf<T[K]> }
    : T;

/**
 * Every refusal. `challenge` comes with CHALLENGE_REQUIRED only: an ALTCHA (v2) challenge to solve before repeating
 * the request (docs/api.md "Proof of work").
 */
export type WireError = Readonly<{ code: BookingErrorCode; message: string; challenge?: AltchaChallenge }>;

/** An ALTCHA v2 challenge as altcha-lib's createChallenge makes it: parameters and their HMAC signature. */
export type AltchaChallenge = WireOf<z.infer<typeof altchaChallengeSchema>>;

/** A venue as `GET /v1/venues/:id` answers it: what `POST /v1/venues` took (its schema), with its id. */
export type VenueView = WireOf<z.infer<typeof venueBodySchema>> & Readonly<{ id: string }>;
export type SectionView = VenueView['sections'][number];

/** Every request is answered through its ack with exactly one of these. */
export type Ack<T extends object = object> = ({ ok: true } & T) | Readonly<{ ok: false; error: WireError }>;

/**
 * `sinceVersion` asks to resume: the ack then carries either `diffs` (every diff after sinceVersion, in order,
 * when the server still has them) or a fresh `seatMap` (when the client is too far behind or never had one).
 * `form: 'status'` asks for the compact status form (`statusMap`, one byte per seat in layout order, base64) instead of
 * `seatMap` whenever the ack carries a map; the diffs that follow are the same either way. Default `map`.
 */
export type SubscribeRequest = WireOf<z.infer<typeof subscribeRequestSchema>>;
export type SubscribeReply = Readonly<
  | { eventId: string; version: number; seatMap: SeatMapView; statusMap?: undefined; diffs?: undefined }
  | { eventId: string; version: number; seatMap?: undefined; statusMap: SeatStatusMapView; diffs?: undefined }
  | { eventId: string; version: number; seatMap?: undefined; statusMap?: undefined; diffs: readonly SeatMapDiff[] }
>;

export type UnsubscribeRequest = WireOf<z.infer<typeof unsubscribeRequestSchema>>;

/** The three hold shapes of `POST /v1/events/:id/holds` (its body schemas), with the client's requestId. */
type HoldBody =
  | z.infer<typeof seatsHoldBodySchema>
  | z.infer<typeof generalHoldBodySchema>
  | z.infer<typeof bestAvailableHoldBodySchema>;
type WithoutKeys<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/**
 * What to hold: seats by id, a general-admission quantity, or best available (the SDK's `hold` takes this; which hold
 * it replaces, if any, is an option of the call, not part of the selection).
 */
export type HoldSelection = WireOf<WithoutKeys<HoldBody, 'requestId' | 'admissionToken' | 'replacesHoldId'>>;
/**
 * The socket's `hold`: a hold body plus the event. `admissionToken`: while the event's waiting room is engaged, the
 * token `queue:admitted` gave (else NOT_ADMITTED). `replacesHoldId`: the buyer's hold this one replaces atomically.
 */
export type HoldRequestPayload = WireOf<HoldBody & { eventId: string }>;
export type HoldReply = Readonly<{ hold: HoldView }>;

export type ReleaseRequest = WireOf<z.infer<typeof releaseRequestSchema>>;

/** Pushed to the buyer's own sockets when an order changes; filled by the payments module. */
export type OrderUpdate = Readonly<{ orderId: string; status: string; [key: string]: unknown }>;

/** Sent when a request arrived without an ack callback, so a malformed call is never met with silence. */
export type RequestError = Readonly<{ event: string; error: WireError }>;

/** `queue:join`: one entry per buyer and event; joining again answers with the same entry. */
export type QueueJoinRequest = WireOf<z.infer<typeof queueJoinSocketSchema>>;
/** Behavioural signals (session creation, queue joins, holds): hints the server can never take as proof. */
export type SignalsView = WireOf<z.infer<typeof signalsSchema>>;

/**
 * A buyer's place in an event's waiting room, as `POST /v1/events/:id/queue`, `GET …/queue/me` and the `queue:join`
 * ack show it. `state` is `prequeue` (joined before the opening; no position until the shuffle), `queued`, `admitted`
 * (with `admission`: the token holds carry, and when it runs out), `soldout`, or what ended the entry: `finished`
 * (ordered, gave up or left while admitted), `expired` (the admission ran out unused), `left`, `released` (the room let
 * everyone go ahead). `position` is 1-based among the buyers in line; `etaSeconds` estimates the wait from the
 * measured admission rate.
 */
export type QueueEntryView = Readonly<{
  queueId: string;
  state: QueueEntryState;
  position?: number;
  etaSeconds?: number;
  admission?: Readonly<{ token: string; expiresAt: string }>;
}>;
export type QueueEntryState =
  | 'prequeue'
  | 'queued'
  | 'admitted'
  | 'finished'
  | 'expired'
  | 'left'
  | 'released'
  | 'soldout';
export type QueueJoinReply = Readonly<{ entry: QueueEntryView }>;

/** Pushed to the buyer's sockets when their position changes meaningfully (batched per tick). */
export type QueuePosition = Readonly<{
  eventId: string;
  queueId: string;
  state: 'queued';
  position: number;
  etaSeconds: number;
}>;
/** Pushed to the buyer's sockets when admitted: holds carry `token` as `admissionToken` until `expiresAt`. */
export type QueueAdmitted = Readonly<{ eventId: string; queueId: string; token: string; expiresAt: string }>;
/**
 * Pushed to every socket waiting in the event's room (joined with `queue:join`) when it sells out. `waitlist`, when the
 * server has a waitlist for the event: `open` says whether it takes new entries now (`waitlist:join`), so the page can
 * offer to join it at once. Seats that come back later (refunds) go to the waitlist in join order.
 */
export type QueueSoldOut = Readonly<{ eventId: string; waitlist?: QueueSoldOutWaitlist }>;
export type QueueSoldOutWaitlist = Readonly<{ open: boolean }>;
/**
 * Pushed to every socket waiting in the event's room when the room lets everyone go ahead (a room the load engaged,
 * released once calm): no admission is needed any more, so the page goes to the seats.
 */
export type QueueReleased = Readonly<{ eventId: string }>;

/**
 * `waitlist:join`: what the entry waits for (`quantity`, `sectionId?`, `priceTier?`, `together?`) at `eventId`. One
 * active entry per buyer and event: the same request again answers with the same entry.
 */
export type WaitlistJoinRequest = WireOf<z.infer<typeof waitlistJoinSocketSchema>>;
/** `waitlist:leave`: leaves the line; an offer the entry holds is given up and goes to the next entry. */
export type WaitlistLeaveRequest = WireOf<z.infer<typeof waitlistLeaveRequestSchema>>;

/** The hold a waitlist offer is: order it (`POST /v1/orders {holdId}`) before `expiresAt`, like any hold. */
export type WaitlistOfferHold = Readonly<{
  holdId: string;
  seatIds: readonly string[];
  sectionId?: string;
  quantity: number;
  expiresAt: string;
}>;

/**
 * A buyer's waitlist entry, as `POST /v1/events/:id/waitlist`, `GET …/waitlist/me` and the `waitlist:join` ack show
 * it. `state`: `waiting` (with its 1-based `position` among waiting entries), `offered` (with `offer`), or how it
 * ended: `fulfilled` (ordered; `orderId`), `lapsed` (the offer ran out), `declined` (the offer was released), `left`.
 */
export type WaitlistEntryView = WireOf<z.infer<typeof waitlistEntryViewSchema>>;
export type WaitlistJoinReply = Readonly<{ entry: WaitlistEntryView }>;

/** Pushed to the buyer's sockets the moment seats are held for their entry (the batch that freed them committed). */
export type WaitlistOffer = Readonly<{ eventId: string; entryId: string; hold: WaitlistOfferHold }>;
/** Pushed to the buyer's sockets when their waiting entry's place in line changes. */
export type WaitlistPosition = Readonly<{ eventId: string; entryId: string; position: number }>;

/** Every client request: its payload and what a successful ack adds to `{ok: true}`. */
export type ClientRequests = {
  'queue:join': { request: QueueJoinRequest; reply: QueueJoinReply };
  'waitlist:join': { request: WaitlistJoinRequest; reply: WaitlistJoinReply };
  'waitlist:leave': { request: WaitlistLeaveRequest; reply: object };
  subscribe: { request: SubscribeRequest; reply: SubscribeReply };
  unsubscribe: { request: UnsubscribeRequest; reply: object };
  hold: { request: HoldRequestPayload; reply: HoldReply };
  release: { request: ReleaseRequest; reply: object };
};

/** socket.io's event map for what clients send, built from ClientRequests: every request has an ack. */
export type ClientToServerEvents = {
  [E in keyof ClientRequests]: (
    request: ClientRequests[E]['request'],
    ack: (reply: Ack<ClientRequests[E]['reply']>) => void,
  ) => void;
};

export interface ServerToClientEvents {
  'seatmap:diff': (diff: SeatMapDiff) => void;
  'order:updated': (update: OrderUpdate) => void;
  'request:error': (error: RequestError) => void;
  /**
   * Something the buyer is told about (order confirmed with tickets, payment failed, refund, waitlist offer), the
   * moment the outbox dispatches it; the same notification goes to the e-mail, push and SMS the buyer gave.
   */
  notification: (notification: Notification) => void;
  /** The session token's `exp` has passed: the server disconnects this socket next. Renew the session and reconnect. */
  'session:expired': (error: WireError) => void;
  'queue:position': (position: QueuePosition) => void;
  'queue:admitted': (admitted: QueueAdmitted) => void;
  'queue:soldout': (soldOut: QueueSoldOut) => void;
  'queue:released': (released: QueueReleased) => void;
  'waitlist:offer': (offer: WaitlistOffer) => void;
  'waitlist:position': (position: WaitlistPosition) => void;
}

/**
 * `POST /v1/sessions` (REST, not the socket, but the SDK needs it to recover a session): `renewed` says the session
 * continues the previous token's buyer (same userId); false: a new buyer.
 */
export type SessionView = WireOf<z.infer<typeof sessionViewSchema>>;

/** The handshake's `auth` object. */
export type HandshakeAuth = Readonly<{ token: string }>;

/** What the server keeps per socket: its buyer, and when its session token expires (epoch ms). */
export type SocketData = { userId: string; expiresAtMs: number };

/** The room every socket subscribed to an event joins; broadcasting to exactly one room takes uWS's publish path. */
export const eventRoom = (eventId: string): string => `event:${eventId}`;
export const userRoom = (userId: string): string => `user:${userId}`;
/** The sockets that joined an event's waiting room over the socket: told at once when it sells out. */
export const queueRoom = (eventId: string): string => `queue:${eventId}`;
