import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  ClientToServerEvents,
  EventLayoutView,
  HoldRequestPayload,
  HoldSelection,
  HoldView,
  OrderUpdate,
  QueueAdmitted,
  QueueEntryView,
  QueuePosition,
  QueueReleased,
  QueueSoldOut,
  RequestError,
  SeatStatusMapView,
  SeatStatusName,
  ServerToClientEvents,
  SessionView,
  SignalsView,
  SubscribeReply,
  VenueView,
  WaitlistEntryView,
  WaitlistJoinRequest,
  WaitlistOffer,
  WaitlistPosition,
  WireError,
} from '../../src/contract/protocol.ts';
import type {
  BuyerContactView,
  BuyerOrderView,
  EventView,
  OrderPlacement,
  PaymentsConfigView,
  ReplayPageView,
  TicketPublicKeyView,
} from '../../src/contract/rest.ts';
import { Basket } from './basket.ts';
import { type ChallengeSolver, solveInProcess } from './challenge.ts';
import { Emitter } from './emitter.ts';
import { retryableCodes, SeatActorError } from './errors.ts';
import { LiveSeatMap } from './liveSeatMap.ts';
import { createSession } from './session.ts';
import { decodeStatuses } from './statusForm.ts';

/** Which seats to hold: the three shapes of `POST /v1/events/:id/holds`, typed from the server's schemas. */
export type { HoldSelection };

export type RequestOptions = Readonly<{
  /** Idempotency key; generated when absent. Every retry of this call reuses it, so a seat is never held twice. */
  requestId?: string;
  /** Per attempt; default the client's `ackTimeoutMs`. */
  timeoutMs?: number;
}>;

export type ClientOptions = Readonly<{
  /** The session token from `POST /v1/sessions` (see `createSession`). */
  token: string;
  /**
   * How the client gets a session back when the server refuses its token (`UNAUTHORIZED`: expired, or signed with a
   * key the server no longer has). Default: `createSession(url, { previousToken })`, which keeps the same buyer when
   * the server can renew the token and gives a new buyer otherwise. Every renewal is emitted as `session` (save it).
   * `false`: no renewal; the refusal surfaces as `connectError` and rejected requests.
   */
  renewSession?: ((rejectedToken: string) => Promise<SessionView>) | false;
  /** How long to wait for each acknowledgement. Default 5,000 ms. */
  ackTimeoutMs?: number;
  /** Extra attempts after a timeout, `UNAVAILABLE` or `RATE_LIMITED`, with the same requestId. Default 3. */
  retries?: number;
  /** First backoff between attempts; doubles each time. Default 200 ms. */
  retryDelayMs?: number;
  /** Default `['websocket']`, which React Native and every current browser support. */
  transports?: ('websocket' | 'polling' | 'webtransport')[];
  /** Passed to socket.io-client as is (reconnection delays, path, ...). */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /**
   * Solves the proof of work the server may ask for (CHALLENGE_REQUIRED: a queue join, a new session) before the
   * same request is repeated with the solution. Default: `solveInProcess`; pages pass `workerSolver('/pow-worker.js')`.
   */
  solveChallenge?: ChallengeSolver;
  /**
   * Behavioural signals sent with every hold and queue join (a page counts pointer events and the time since the map
   * was shown; see web/src/signals.ts). Called at each request; absent: none are sent, unless a request brings its own.
   */
  signals?: () => SignalsView | undefined;
}>;

/** `GET /v1/me/holds` and `/v1/me/orders` queries. */
/** `layout`: load the map from the compact status form against this layout (`layout(eventId)`). */
export type SubscribeOptions = Readonly<{ layout?: EventLayoutView }>;

export type MeQuery = Readonly<{ eventId?: string; limit?: number; cursor?: string }>;

/** A live hold of this buyer, with the event it is at. */
export type BuyerHoldView = HoldView & Readonly<{ eventId: string }>;

export type ClientEvents = {
  connect: () => void;
  /**
   * The client renewed its session (its token expired or was refused) and reconnects with it. `renewed: false` means
   * a new buyer: whatever the old token owned is not this session's any more.
   */
  session: (session: SessionView) => void;
  disconnect: (reason: string) => void;
  /** The handshake was refused (`UNAUTHORIZED` for a bad token) or the server could not be reached. */
  connectError: (error: SeatActorError) => void;
  'order:updated': (update: OrderUpdate) => void;
  /** A waiting room this client joined moved this buyer's place (pushed when it changes meaningfully). */
  'queue:position': (position: QueuePosition) => void;
  /** This buyer was admitted: holds at that event carry the token by themselves until `expiresAt`. */
  'queue:admitted': (admitted: QueueAdmitted) => void;
  /** The event sold out while this buyer waited (`waitlist.open`: its waitlist takes entries, `joinWaitlist`). */
  'queue:soldout': (soldOut: QueueSoldOut) => void;
  /** The room let everyone waiting go ahead (a room the load engaged, now calm): hold without an admission. */
  'queue:released': (released: QueueReleased) => void;
  /** The server rejected a call that carried no ack (only possible when using `socket` directly). */
  requestError: (error: RequestError) => void;
  // Waitlist (joinWaitlist): the offer and the place in line, pushed to this buyer's sockets.
  /** Seats are held for this buyer's waitlist entry: order `hold.holdId` (an order on it) before `hold.expiresAt`. */
  'waitlist:offer': (offer: WaitlistOffer) => void;
  /** This buyer's waiting entry moved up the line. */
  'waitlist:position': (position: WaitlistPosition) => void;
};

/** What a waitlist entry waits for: the `waitlist:join` payload without the event and the requestId. */
export type WaitlistRequest = Omit<WaitlistJoinRequest, 'eventId' | 'requestId'>;

type RequestName = keyof ClientToServerEvents;
type ReplyOf<E extends RequestName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
type OkOf<E extends RequestName> = Extract<ReplyOf<E>, { ok: true }>;

const newRequestId = (): string => {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  // React Native has no crypto.randomUUID without a polyfill; uniqueness per user is all the server needs.
  return `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Challenges one request may be asked to solve (a stale or refused solution brings a fresh one) before it fails. */
const challengeRoundsMax = 3;

/** Renewals in a row that may end in another refusal before the client gives up and reports `UNAUTHORIZED`. */
const renewalsWithoutConnectMax = 2;
const reconnectDelayMsMax = 5_000;

/**
 * A connection to a seatactor server. `subscribe` returns live seat maps; `hold` and `release` answer with typed
 * errors, time out, and retry with the same requestId. After a reconnect every live map resyncs by itself.
 */
export class SeatActorClient extends Emitter<ClientEvents> {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly maps = new Map<string, LiveSeatMap>();
  private readonly baskets = new Map<string, Basket>();
  /** Waiting rooms joined (eventId → requestId), joined again after a reconnect so their pushes keep coming. */
  private readonly queues = new Map<string, string>();
  private readonly signals: (() => SignalsView | undefined) | undefined;
  /** Admission tokens by event, from `queue:admitted` or an admitted entry: holds there carry them. */
  private readonly admissions = new Map<string, string>();
  private readonly ackTimeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly renewSession: ((rejectedToken: string) => Promise<SessionView>) | undefined;
  private readonly solveChallenge: ChallengeSolver;
  private readonly reconnectDelayMs: number;
  private readonly baseUrl: string;
  private currentToken: string;
  private recovering: Promise<void> | undefined;
  private renewalsWithoutConnect = 0;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private everConnected = false;
  private closed = false;

  constructor(url: string, options: ClientOptions) {
    super();
    this.signals = options.signals;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.currentToken = options.token;
    this.baseUrl = url.replace(/\/+$/, '');
    const solveChallenge = options.solveChallenge ?? solveInProcess;
    this.solveChallenge = solveChallenge;
    this.renewSession =
      options.renewSession === false
        ? undefined
        : (options.renewSession ??
          ((rejectedToken) => createSession(url, { previousToken: rejectedToken, solveChallenge })));
    this.reconnectDelayMs = options.socket?.reconnectionDelay ?? 1_000;
    this.socket = io(url, {
      transports: options.transports ?? ['websocket'],
      ...options.socket,
      // A function, so every reconnection hands over the token the client holds now (renewed or not).
      auth: (send) => send({ token: this.currentToken }),
    });
    this.socket.on('seatmap:diff', (diff) => this.maps.get(diff.eventId)?.receive(diff));
    this.socket.on('order:updated', (update) => this.emit('order:updated', update));
    this.socket.on('queue:position', (position) => this.emit('queue:position', position));
    this.socket.on('queue:admitted', (admitted) => {
      this.admissions.set(admitted.eventId, admitted.token);
      this.emit('queue:admitted', admitted);
    });
    this.socket.on('queue:soldout', (soldOut) => {
      this.queues.delete(soldOut.eventId);
      this.emit('queue:soldout', soldOut);
    });
    this.socket.on('queue:released', (released) => {
      this.queues.delete(released.eventId);
      this.emit('queue:released', released);
    });
    this.socket.on('request:error', (error) => this.emit('requestError', error));
    this.socket.on('waitlist:offer', (offer) => this.emit('waitlist:offer', offer));
    this.socket.on('waitlist:position', (position) => this.emit('waitlist:position', position));
    this.socket.on('session:expired', () => void this.recover());
    this.socket.on('connect', () => {
      this.renewalsWithoutConnect = 0;
      this.reconnectAttempts = 0;
      // A new connection has no rooms: every live map subscribes again from the version it has.
      if (this.everConnected) for (const map of this.maps.values()) void map.resync().catch(() => undefined);
      // Nor any waiting room: joining again answers with the same place, and a missed admission with its token.
      if (this.everConnected)
        for (const [eventId, requestId] of this.queues)
          void this.joinQueue(eventId, { requestId }).catch(() => undefined);
      this.everConnected = true;
      this.emit('connect');
    });
    this.socket.on('disconnect', (reason) => {
      this.emit('disconnect', reason);
      // socket.io does not come back by itself after the server closed the connection (a restart draining, a
      // session that expired): the client does, once any renewal under way is done.
      if (reason === 'io server disconnect' && this.recovering === undefined) this.reconnectLater();
    });
    this.socket.on('connect_error', (error) => {
      const code = ((error as { data?: { code?: string } }).data?.code as SeatActorError['code']) ?? 'UNAVAILABLE';
      if (code === 'UNAUTHORIZED' && this.canRenew()) {
        void this.recover();
        return;
      }
      this.emit('connectError', new SeatActorError(code, error.message));
      // A refused handshake (the server shutting down, say) is not retried by socket.io; an unreachable server is.
      if (!this.socket.active && code !== 'UNAUTHORIZED' && code !== 'FORBIDDEN') this.reconnectLater();
    });
  }

  /** The session token in use now: the one given to `connect`, or the latest renewal. */
  get token(): string {
    return this.currentToken;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Resolves once connected; rejects with the handshake's error (e.g. `UNAUTHORIZED`). */
  ready(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offConnect = this.on('connect', () => {
        offConnect();
        offError();
        resolve();
      });
      const offError = this.on('connectError', (error) => {
        // socket.io retries network errors by itself; a refused handshake will not heal.
        if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') {
          offConnect();
          offError();
          reject(error);
        }
      });
    });
  }

  /**
   * A live map of the event: loaded now, then kept current. Subscribing twice returns the same map. With `layout`
   * (from `layout(eventId)`), every load and full reload comes as the compact status form (one byte per seat, for
   * large venues and displays); the map then knows no per-seat versions (`version` -1 until a diff names the seat).
   */
  async subscribe(eventId: string, options: SubscribeOptions = {}): Promise<LiveSeatMap> {
    const existing = this.maps.get(eventId);
    if (existing !== undefined) return existing;
    const form = options.layout === undefined ? undefined : 'status';
    const map = new LiveSeatMap(
      eventId,
      (id, sinceVersion) => this.subscribeOnce(id, sinceVersion, form),
      (closed) => {
        if (this.maps.get(eventId) !== closed) return;
        this.maps.delete(eventId);
        if (this.socket.connected) this.socket.emit('unsubscribe', { eventId }, () => undefined);
      },
      options.layout,
    );
    this.maps.set(eventId, map);
    try {
      await map.resync();
    } catch (error) {
      this.maps.delete(eventId);
      throw error;
    }
    return map;
  }

  /**
   * Joins the event's waiting room (one place per buyer: joining again answers with the same one). Positions, the
   * admission and the sell-out then arrive as `queue:position`, `queue:admitted` and `queue:soldout`; once admitted,
   * `hold` at this event carries the admission token by itself.
   */
  async joinQueue(
    eventId: string,
    options: RequestOptions & Readonly<{ signals?: SignalsView }> = {},
  ): Promise<QueueEntryView> {
    const requestId = options.requestId ?? this.queues.get(eventId) ?? newRequestId();
    this.queues.set(eventId, requestId);
    const given = options.signals ?? this.signals?.();
    const signals = given === undefined ? {} : { signals: given };
    const { entry } = await this.request('queue:join', { eventId, requestId, ...signals }, options.timeoutMs);
    if (entry.admission !== undefined) this.admissions.set(eventId, entry.admission.token);
    if (entry.state !== 'prequeue' && entry.state !== 'queued' && entry.state !== 'admitted')
      this.queues.delete(eventId);
    return entry;
  }

  /**
   * This buyer's place in the event's waiting room as it stands (`GET /v1/events/:id/queue/me`), without joining:
   * rejects `NOT_FOUND` when they never joined. For clients that poll; `joinQueue` answers the same entry and keeps the
   * pushes coming.
   */
  async myQueueEntry(eventId: string): Promise<QueueEntryView> {
    const entry = await this.http<QueueEntryView>('GET', `/v1/events/${encodeURIComponent(eventId)}/queue/me`);
    if (entry.admission !== undefined) this.admissions.set(eventId, entry.admission.token);
    return entry;
  }

  /**
   * Holds seats; rejects with a SeatActorError (`SEAT_UNAVAILABLE`, `HOLD_LIMIT`, `SOLD_OUT`, `NOT_ADMITTED`,
   * `TIMEOUT`, ...). At an event whose waiting room admitted this buyer, the admission token goes with it.
   *
   * `replaces`: a live hold of this buyer that the new one replaces in one step on the server: the old hold ends only
   * when the new one is placed, and its seats count as free for it, so nobody can take them in between. Refused as a
   * whole (the old hold stands) when the new selection cannot be held; `HOLD_EXPIRED`, `HOLD_NOT_FOUND` or `FORBIDDEN`
   * when the old hold has lapsed, ended or is not this buyer's, `ORDER_STATE` when it is in checkout.
   */
  async hold(
    eventId: string,
    selection: HoldSelection,
    options: RequestOptions & Readonly<{ replaces?: string }> = {},
  ): Promise<HoldView> {
    const requestId = options.requestId ?? newRequestId();
    const token = this.admissions.get(eventId);
    const signals = selection.signals ?? this.signals?.();
    const reply = await this.request(
      'hold',
      {
        eventId,
        requestId,
        ...selection,
        ...(signals === undefined ? {} : { signals }),
        ...(token === undefined ? {} : { admissionToken: token }),
        ...(options.replaces === undefined ? {} : { replacesHoldId: options.replaces }),
      } satisfies HoldRequestPayload,
      options.timeoutMs,
    );
    return reply.hold;
  }

  /** Releases a hold of this user; releasing twice with the same requestId is answered alike. */
  async release(holdId: string, options: RequestOptions = {}): Promise<void> {
    await this.request('release', { holdId, requestId: options.requestId ?? holdId }, options.timeoutMs);
  }

  /**
   * This buyer's live holds, across events or at `eventId` (`GET /v1/me/holds`): after a reload, a new device or a
   * renewed session, the holds are still theirs. Pages are in `next`; pass it back as `cursor`.
   */
  myHolds(query: MeQuery = {}): Promise<{ holds: BuyerHoldView[]; next?: string }> {
    return this.getMine('holds', query);
  }

  /** This buyer's orders, newest first, with ticket codes once paid (`GET /v1/me/orders`). */
  myOrders(query: MeQuery = {}): Promise<{ orders: BuyerOrderView[]; next?: string }> {
    return this.getMine('orders', query);
  }

  // --- The buyer journey over REST: catalog, orders, payment, tickets, contact -----------------------------------

  /** The catalog (`GET /v1/events`), oldest first. */
  async events(options: Readonly<{ limit?: number }> = {}): Promise<EventView[]> {
    const query = options.limit === undefined ? '' : `?limit=${options.limit}`;
    return (await this.http<{ events: EventView[] }>('GET', `/v1/events${query}`)).events;
  }

  /** One event: prices (`priceTiers`, minor units), when its sale opens, its waiting room. */
  event(eventId: string): Promise<EventView> {
    return this.http('GET', `/v1/events/${encodeURIComponent(eventId)}`);
  }

  /** The venue as created: sections, rows and seats (with price tiers), or general-admission capacity. */
  venue(venueId: string): Promise<VenueView> {
    return this.http('GET', `/v1/venues/${encodeURIComponent(venueId)}`);
  }

  /** The event's immutable layout (cacheable forever): fetch it once, then only `statuses`. */
  layout(eventId: string): Promise<EventLayoutView> {
    return this.http('GET', `/v1/events/${encodeURIComponent(eventId)}/layout`);
  }

  /**
   * A page of the event's seat map played back from the log (`GET /v1/events/:id/replay`): apply its frames in order
   * to the map at `after` (0: every seat available), then ask for the page after `next` until it is null.
   */
  replay(eventId: string, options: Readonly<{ after?: number; limit?: number }> = {}): Promise<ReplayPageView> {
    const query = new URLSearchParams();
    if (options.after !== undefined) query.set('after', String(options.after));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const search = query.toString();
    return this.http('GET', `/v1/events/${encodeURIComponent(eventId)}/replay${search === '' ? '' : `?${search}`}`);
  }

  /**
   * Every seat's status now from the compact status form (one byte per seat on the wire), decoded against `layout`.
   * For a large venue: poll this, or `subscribe` for live diffs.
   */
  async statuses(eventId: string, layout: EventLayoutView): Promise<Record<string, SeatStatusName>> {
    const form = await this.http<SeatStatusMapView>(
      'GET',
      `/v1/events/${encodeURIComponent(eventId)}/seatmap?form=status`,
    );
    return decodeStatuses(form, layout);
  }

  /**
   * This buyer's basket at `eventId`: one hold (one countdown) that grows, shrinks or is replaced, then one order.
   * Asking twice answers the same basket.
   */
  basket(eventId: string): Basket {
    let basket = this.baskets.get(eventId);
    if (basket === undefined) {
      basket = new Basket(this, eventId);
      this.baskets.set(eventId, basket);
    }
    return basket;
  }

  /**
   * Orders a live hold of this buyer (`POST /v1/orders`): its seats are reserved until `expiresAt` while the payment
   * runs. With Stripe on the server, `payment.clientSecret` is what Stripe.js or a native Stripe SDK confirms.
   */
  placeOrder(holdId: string, options: RequestOptions = {}): Promise<OrderPlacement> {
    return this.http('POST', '/v1/orders', { holdId, requestId: options.requestId ?? `order-${holdId}` });
  }

  /**
   * How this server takes payments (`GET /v1/payments/config`): `simulated` (pay with `pay`), or `stripe` with the
   * publishable key and the Stripe.js URL a page confirms `placeOrder`'s `clientSecret` with.
   */
  paymentsConfig(): Promise<PaymentsConfigView> {
    return this.http('GET', '/v1/payments/config');
  }

  /** An order of this buyer, with its signed tickets once paid. */
  order(orderId: string): Promise<BuyerOrderView> {
    return this.http('GET', `/v1/orders/${encodeURIComponent(orderId)}`);
  }

  /**
   * Pays with the server's simulated provider (Stripe's test method ids: `pm_card_visa`, `pm_card_chargeDeclined`,
   * `pm_card_slow`, ...). Answers the order as it stands: `succeeded`, `failed`, or `processing` while the provider
   * has not answered (then `waitForOrder`). With Stripe, confirm `placeOrder`'s `clientSecret` with Stripe.js instead
   * and `waitForOrder`: the server learns the outcome from Stripe's webhook.
   */
  pay(orderId: string, paymentMethod: string): Promise<BuyerOrderView> {
    return this.http('POST', `/v1/orders/${encodeURIComponent(orderId)}/pay`, { paymentMethod });
  }

  /**
   * Resolves with the order once it is settled (`succeeded`, `failed`, `timed_out`, `refunded`): on the server's
   * `order:updated` push, or by asking every `pollMs` (default 1,000) in case a push was missed. Rejects with
   * `TIMEOUT` after `timeoutMs` (default 60,000).
   */
  waitForOrder(
    orderId: string,
    options: Readonly<{ timeoutMs?: number; pollMs?: number }> = {},
  ): Promise<BuyerOrderView> {
    const settled = (order: BuyerOrderView) => order.status !== 'pending' && order.status !== 'processing';
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (error: SeatActorError | undefined, order?: BuyerOrderView) => {
        if (done) return;
        done = true;
        off();
        clearInterval(poll);
        clearTimeout(timer);
        if (error === undefined) resolve(order!);
        else reject(error);
      };
      const check = () =>
        this.order(orderId).then(
          (order) => (settled(order) ? finish(undefined, order) : undefined),
          (error: unknown) =>
            error instanceof SeatActorError && !retryableCodes.has(error.code) ? finish(error) : undefined,
        );
      const off = this.on('order:updated', (update) => {
        if (update.orderId === orderId) void check();
      });
      const poll = setInterval(check, options.pollMs ?? 1_000);
      const timer = setTimeout(
        () => finish(new SeatActorError('TIMEOUT', `order ${orderId} did not settle in time`)),
        options.timeoutMs ?? 60_000,
      );
      void check();
    });
  }

  /** A ticket's QR code (`svg` text, or `png` as a data: URL), encoding its signed code. */
  async ticketQr(ticketId: string, format: 'svg' | 'png' = 'svg'): Promise<string> {
    const path = `/v1/tickets/${encodeURIComponent(ticketId)}/qr?format=${format}`;
    if (format === 'svg') return this.httpText('GET', path, undefined, 'image/svg+xml');
    const response = await fetch(`${this.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${this.currentToken}` },
    });
    if (!response.ok) throw new SeatActorError('UNAVAILABLE', `GET ${path} answered ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return `data:image/png;base64,${btoa(binary)}`;
  }

  /** The key ticket codes are signed with: a gate verifies codes offline with it (`verifyTicket`). */
  ticketPublicKey(): Promise<TicketPublicKeyView> {
    return this.http('GET', '/v1/tickets/public-key');
  }

  /** Where this buyer's notifications go (order confirmed with tickets, payment failed, waitlist offers). */
  setContact(contact: BuyerContactView): Promise<BuyerContactView> {
    return this.http('PUT', '/v1/me/contact', contact);
  }

  contact(): Promise<BuyerContactView> {
    return this.http('GET', '/v1/me/contact');
  }

  // Waitlist -----------------------------------------------------------------------------------------------------

  /**
   * Joins the event's waitlist (when what the buyer wants is sold out; while it is on sale the server answers
   * `SEATS_AVAILABLE`: hold it instead). One active entry per buyer and event: the same request again answers with the
   * same entry. The place in line and the offer then arrive as `waitlist:position` and `waitlist:offer`; an offer is a
   * hold, ordered like any other before its `expiresAt`. The entry is pushed to this buyer's sockets whichever one
   * joined, so nothing needs joining again after a reconnect.
   */
  async joinWaitlist(
    eventId: string,
    request: WaitlistRequest,
    options: RequestOptions = {},
  ): Promise<WaitlistEntryView> {
    const requestId = options.requestId ?? newRequestId();
    const payload = { eventId, requestId, ...request } satisfies WaitlistJoinRequest;
    return (await this.request('waitlist:join', payload, options.timeoutMs)).entry;
  }

  /**
   * This buyer's latest entry on the event's waitlist (`GET /v1/events/:id/waitlist/me`): waiting (with its position),
   * offered (with the offer's hold) or how it ended. Rejects `NOT_FOUND` when they never joined. After a reload.
   */
  myWaitlistEntry(eventId: string): Promise<WaitlistEntryView> {
    return this.http('GET', `/v1/events/${encodeURIComponent(eventId)}/waitlist/me`);
  }

  /** Leaves the waitlist; an offer the entry holds goes to the next in line. Leaving twice is answered alike. */
  async leaveWaitlist(entryId: string, options: RequestOptions = {}): Promise<void> {
    await this.request(
      'waitlist:leave',
      { entryId, requestId: options.requestId ?? `${entryId}:leave` },
      options.timeoutMs,
    );
  }

  // --------------------------------------------------------------------------------------------------------------

  /** Closes every live map and the connection. */
  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    for (const map of [...this.maps.values()]) map.close();
    this.socket.disconnect();
  }

  private subscribeOnce(
    eventId: string,
    sinceVersion: number | undefined,
    form: 'status' | undefined,
  ): Promise<SubscribeReply> {
    return this.request('subscribe', {
      eventId,
      ...(sinceVersion === undefined ? {} : { sinceVersion }),
      ...(form === undefined ? {} : { form }),
    });
  }

  /** One request with ack timeout and retries (same payload, so the same requestId). */
  private async request<E extends RequestName>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
    timeoutMs = this.ackTimeoutMs,
  ): Promise<OkOf<E>> {
    let last: SeatActorError | undefined;
    let renewed = false;
    let challenges = 0;
    let solved = false;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (this.closed) throw new SeatActorError('CLOSED', 'the client was closed');
      if (attempt > 0 && !renewed && !solved) await sleep(this.retryDelayMs * 2 ** (attempt - 1));
      solved = false;
      let reply: Ack<object>;
      try {
        // biome-ignore lint/suspicious/noExplicitAny: socket.io's emitWithAck cannot narrow a generic event name.
        reply = await (this.socket.timeout(timeoutMs) as any).emitWithAck(event, payload);
      } catch {
        last = new SeatActorError('TIMEOUT', `no answer to ${event} within ${timeoutMs} ms`);
        continue;
      }
      if (reply.ok) return reply as OkOf<E>;
      last = SeatActorError.fromWire(reply.error);
      // Work asked for first: solve it and send the same request (same requestId) with the solution, at once.
      if (
        reply.error.code === 'CHALLENGE_REQUIRED' &&
        reply.error.challenge !== undefined &&
        challenges < challengeRoundsMax
      ) {
        challenges += 1;
        payload = { ...payload, challengeSolution: await this.solveChallenge(reply.error.challenge) };
        attempt -= 1;
        solved = true;
        continue;
      }
      // The session ran out under this request: renew it once, and send the same payload (same requestId) again.
      if (last.code === 'UNAUTHORIZED' && !renewed && this.renewSession !== undefined) {
        renewed = true;
        await this.recover();
        attempt -= 1;
        continue;
      }
      renewed = false;
      if (!retryableCodes.has(last.code)) throw last;
    }
    throw last!;
  }

  /**
   * One REST call with the current token (JSON in and out). A refused token is renewed once, as for socket requests;
   * a non-2xx answer rejects with its SeatActorError, an unreachable server with `UNAVAILABLE`.
   */
  async http<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const text = await this.httpText(method, path, body, 'application/json');
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** As `http`, answering the body as text (an SVG, say). */
  async httpText(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    accept = '*/*',
  ): Promise<string> {
    for (let renewed = false; ; renewed = true) {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.currentToken}`,
            accept,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new SeatActorError('UNAVAILABLE', `could not reach the server: ${String(error)}`);
      }
      const text = await response.text().catch(() => '');
      if (response.ok) return text;
      let wire: WireError | undefined;
      try {
        wire = (JSON.parse(text) as { error?: WireError }).error;
      } catch {
        wire = undefined;
      }
      const error =
        wire === undefined
          ? new SeatActorError('UNAVAILABLE', `${method} ${path} answered ${response.status}`)
          : SeatActorError.fromWire(wire);
      if (error.code !== 'UNAUTHORIZED' || renewed || this.renewSession === undefined) throw error;
      await this.recover();
    }
  }

  /** A `/v1/me/...` read with the current token; a refused token is renewed once, as for socket requests. */
  private getMine<T>(what: 'holds' | 'orders', query: MeQuery): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    return this.http<T>('GET', `/v1/me/${what}?${params}`);
  }

  private canRenew(): boolean {
    return this.renewSession !== undefined && this.renewalsWithoutConnect < renewalsWithoutConnectMax;
  }

  /**
   * Gets a session back (one renewal at a time, however many requests and pushes ask), then reconnects with it. A
   * renewal that fails (the server unreachable) is retried with backoff until it succeeds or the client is closed.
   */
  private recover(): Promise<void> {
    const renew = this.renewSession;
    if (renew === undefined || this.closed) return Promise.resolve();
    this.recovering ??= (async () => {
      this.renewalsWithoutConnect += 1;
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          const session = await renew(this.currentToken);
          this.currentToken = session.token;
          this.emit('session', session);
          break;
        } catch (error) {
          this.emit(
            'connectError',
            error instanceof SeatActorError ? error : new SeatActorError('UNAVAILABLE', String(error)),
          );
          await sleep(Math.min(reconnectDelayMsMax, this.reconnectDelayMs * 2 ** attempt));
        }
      }
      if (this.closed) return;
      // The connection (if it is still up) was opened with the old token: open a new one with the new token.
      clearTimeout(this.reconnectTimer);
      this.socket.disconnect();
      this.socket.connect();
    })().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  /** Connects again after a backoff, when socket.io will not (a server-side disconnect or a refused handshake). */
  private reconnectLater(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delayMs = Math.min(reconnectDelayMsMax, this.reconnectDelayMs * 2 ** this.reconnectAttempts);
    this.reconnectAttempts += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed && !this.socket.connected && !this.socket.active) this.socket.connect();
    }, delayMs);
  }
}

/** Connects to a seatactor server (`url` is the server's origin, e.g. `https://tickets.example.com`). */
export const connect = (url: string, options: ClientOptions): SeatActorClient => new SeatActorClient(url, options);
