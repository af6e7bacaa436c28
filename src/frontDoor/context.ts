import type { Signals } from '../contract/schemas.ts';
import type { BookingError } from '../domain/bookingError.ts';
import type { HoldRequest } from '../domain/seatMap/views.ts';

/**
 * The front door is one pipeline that REST and sockets share (DESIGN.md "Flash sales"):
 *
 *   identify → limits → challenge → admission → handler
 *
 * A transport turns what arrived into an `Arrival` (transport facts only), the pipeline adds what each stage learns,
 * and the handler sees the whole `FrontDoorContext`. A new concern (a waiting room, a proof of work) is one stage,
 * not a change to every route and socket event.
 */
export type Transport = 'rest' | 'socket';

/**
 * What the request asks for, as far as the front door cares: stages pick the kinds they apply to (a waiting room
 * guards `hold`; a seat-map budget guards `seatMap` and `subscribe`). Everything else is `other`.
 */
export type CommandKind = 'hold' | 'release' | 'seatMap' | 'subscribe' | 'unsubscribe' | 'session' | 'other';

/** How the caller proved who they are, as the transport received it. */
export type Credentials =
  /** REST: the bearer token of this request (verified by the identify stage, per request). */
  | Readonly<{ kind: 'bearer'; token: string | undefined }>
  /** Socket: the session the handshake verified; identify checks it has not run out since. */
  | Readonly<{ kind: 'session'; userId: string; expiresAtMs: number }>;

/** What a transport knows before it has read or decoded the request's body. */
export type Arrival = Readonly<{
  transport: Transport;
  kind: CommandKind;
  /** Who is asking, for per-address limits: the peer, or behind trusted proxies the hop they saw (clientAddress.ts). */
  client: string;
  /** One socket connection (its per-connection limit); absent for REST. */
  connectionId?: string;
  credentials: Credentials;
  /** The event the request names, once it passed the id check; absent when it names none (or not yet known). */
  eventId?: string;
  /** False for probes (healthz, readyz), which the platform calls from one address: no request limit. */
  limited: boolean;
  /** The request's User-Agent and Accept-Language (a socket's: its handshake's), for the risk stage. */
  headers?: Readonly<{ userAgent?: string; acceptLanguage?: string }>;
}>;

/**
 * Who the caller is. Credentials that do not verify are not refused here: a route that needs none ignores them, and
 * one that needs a buyer or an admin refuses with the reason kept in `refused` (requireBuyer, requireAdmin).
 */
export type Who =
  | Readonly<{ kind: 'guest' }>
  | Readonly<{ kind: 'buyer'; userId: string; sessionExpiresAtMs: number }>
  | Readonly<{ kind: 'admin' }>
  | Readonly<{ kind: 'refused'; error: BookingError }>;

/**
 * The budget of full seat maps (megabytes each for a large venue) of this request's address, shared by REST and
 * sockets (readBudget.ts). The limits stage hands it out; the seat-map handler spends it, since only it knows when a
 * map is needed (not for a 304 or a resumed subscription) and how many bytes it was.
 */
export type SeatMapReads = Readonly<{
  /** Takes a slot for one map under way, or throws RATE_LIMITED; call the result once the map is written out. */
  enter(): () => void;
  /** Throws RATE_LIMITED when the address spent its bytes for now. */
  admit(): Promise<void>;
  charge(bytes: number): void;
}>;

/** What the stages learned, handed to the handler. Stages only add to it. */
export type FrontDoorContext = Arrival &
  Readonly<{
    who: Who;
    reads: SeatMapReads;
    /**
     * Set by the admission stage when the request carries an admission that verified (the waiting room): until when
     * (epoch ms) the buyer is admitted. Absent: no admission was presented.
     */
    admittedUntilMs?: number;
    /**
     * Set by the risk stage for a command it judged: the score (0 to 1, raising the proof of work), its band and
     * reasons, and for a queue join whether the entry goes to the back of the waiting room.
     */
    risk?: Readonly<{ score: number; band: 'low' | 'medium' | 'high'; reasons: readonly string[]; atBack: boolean }>;
  }>;

/** Commands that go through challenge and admission into the application service. */
export type HoldCommand = Readonly<{
  kind: 'hold';
  eventId: string;
  requestId: string;
  request: HoldRequest;
  /** The waiting room's token, as the client sent it (REST body or socket payload); checked by admission. */
  admissionToken?: string;
  /** The buyer's hold this one replaces in the same decision (a basket that changes); the actor checks it. */
  replacesHoldId?: string;
  /** An ALTCHA solution (X-Challenge-Solution header, or the body/payload field); checked by challenge. */
  challengeSolution?: string;
  /** Behavioural signals the client sent (hints, never proof); judged by the risk stage. */
  signals?: Signals;
}>;

export type ReleaseCommand = Readonly<{ kind: 'release'; holdId: string; requestId: string }>;

/** A join to an event's waiting room: through challenge (a proof of work may be asked for joins) to the queue service. */
export type QueueJoinCommand = Readonly<{
  kind: 'queueJoin';
  eventId: string;
  requestId: string;
  challengeSolution?: string;
  signals?: Signals;
}>;

/**
 * A new session (POST /v1/sessions): through challenge (a proof of work may be asked for new sessions) to the session
 * authority. `challengeSolution` is the X-Challenge-Solution header.
 */
export type SessionCommand = Readonly<{ kind: 'session'; challengeSolution?: string; signals?: Signals }>;

export type Command = HoldCommand | ReleaseCommand | QueueJoinCommand | SessionCommand;
