import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  ClientToServerEvents,
  HoldView,
  OrderUpdate,
  RequestError,
  ServerToClientEvents,
  SubscribeReply,
} from '../../src/gateway/protocol.ts';
import { Emitter } from './emitter.ts';
import { retryableCodes, SeatActorError } from './errors.ts';
import { LiveSeatMap } from './liveSeatMap.ts';

/** Which seats to hold: the same three shapes as `POST /v1/events/:id/holds`. */
export type HoldSelection =
  | Readonly<{ seatIds: readonly string[]; expectedVersions?: Readonly<Record<string, number>> }>
  | Readonly<{ sectionId: string; quantity: number }>
  | Readonly<{ bestAvailable: Readonly<{ quantity: number; sectionId?: string; priceTier?: string }> }>;

export type RequestOptions = Readonly<{
  /** Idempotency key; generated when absent. Every retry of this call reuses it, so a seat is never held twice. */
  requestId?: string;
  /** Per attempt; default the client's `ackTimeoutMs`. */
  timeoutMs?: number;
}>;

export type ClientOptions = Readonly<{
  /** The session token from `POST /v1/sessions`. */
  token: string;
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
}>;

export type ClientEvents = {
  connect: () => void;
  disconnect: (reason: string) => void;
  /** The handshake was refused (`UNAUTHORIZED` for a bad token) or the server could not be reached. */
  connectError: (error: SeatActorError) => void;
  'order:updated': (update: OrderUpdate) => void;
  /** The server rejected a call that carried no ack (only possible when using `socket` directly). */
  requestError: (error: RequestError) => void;
};

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

/**
 * A connection to a seatactor server. `subscribe` returns live seat maps; `hold` and `release` answer with typed
 * errors, time out, and retry with the same requestId. After a reconnect every live map resyncs by itself.
 */
export class SeatActorClient extends Emitter<ClientEvents> {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly maps = new Map<string, LiveSeatMap>();
  private readonly ackTimeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private everConnected = false;
  private closed = false;

  constructor(url: string, options: ClientOptions) {
    super();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.socket = io(url, {
      transports: options.transports ?? ['websocket'],
      ...options.socket,
      auth: { token: options.token },
    });
    this.socket.on('seatmap:diff', (diff) => this.maps.get(diff.eventId)?.receive(diff));
    this.socket.on('order:updated', (update) => this.emit('order:updated', update));
    this.socket.on('request:error', (error) => this.emit('requestError', error));
    this.socket.on('connect', () => {
      // A new connection has no rooms: every live map subscribes again from the version it has.
      if (this.everConnected) for (const map of this.maps.values()) void map.resync().catch(() => undefined);
      this.everConnected = true;
      this.emit('connect');
    });
    this.socket.on('disconnect', (reason) => this.emit('disconnect', reason));
    this.socket.on('connect_error', (error) => {
      const code = (error as { data?: { code?: string } }).data?.code;
      this.emit('connectError', new SeatActorError((code as SeatActorError['code']) ?? 'UNAVAILABLE', error.message));
    });
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

  /** A live map of the event: loaded now, then kept current. Subscribing twice returns the same map. */
  async subscribe(eventId: string): Promise<LiveSeatMap> {
    const existing = this.maps.get(eventId);
    if (existing !== undefined) return existing;
    const map = new LiveSeatMap(
      eventId,
      (id, sinceVersion) => this.subscribeOnce(id, sinceVersion),
      (closed) => {
        if (this.maps.get(eventId) !== closed) return;
        this.maps.delete(eventId);
        if (this.socket.connected) this.socket.emit('unsubscribe', { eventId }, () => undefined);
      },
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

  /** Holds seats; rejects with a SeatActorError (`SEAT_UNAVAILABLE`, `HOLD_LIMIT`, `SOLD_OUT`, `TIMEOUT`, ...). */
  async hold(eventId: string, selection: HoldSelection, options: RequestOptions = {}): Promise<HoldView> {
    const requestId = options.requestId ?? newRequestId();
    const reply = await this.request(
      'hold',
      { eventId, requestId, ...selection } as Parameters<ClientToServerEvents['hold']>[0],
      options.timeoutMs,
    );
    return reply.hold;
  }

  /** Releases a hold of this user; releasing twice with the same requestId is answered alike. */
  async release(holdId: string, options: RequestOptions = {}): Promise<void> {
    await this.request('release', { holdId, requestId: options.requestId ?? holdId }, options.timeoutMs);
  }

  /** Closes every live map and the connection. */
  close(): void {
    this.closed = true;
    for (const map of [...this.maps.values()]) map.close();
    this.socket.disconnect();
  }

  private subscribeOnce(eventId: string, sinceVersion: number | undefined): Promise<SubscribeReply> {
    return this.request('subscribe', sinceVersion === undefined ? { eventId } : { eventId, sinceVersion });
  }

  /** One request with ack timeout and retries (same payload, so the same requestId). */
  private async request<E extends RequestName>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
    timeoutMs = this.ackTimeoutMs,
  ): Promise<OkOf<E>> {
    let last: SeatActorError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (this.closed) throw new SeatActorError('CLOSED', 'the client was closed');
      if (attempt > 0) await sleep(this.retryDelayMs * 2 ** (attempt - 1));
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
      if (!retryableCodes.has(last.code)) throw last;
    }
    throw last!;
  }
}

/** Connects to a seatactor server (`url` is the server's origin, e.g. `https://tickets.example.com`). */
export const connect = (url: string, options: ClientOptions): SeatActorClient => new SeatActorClient(url, options);
