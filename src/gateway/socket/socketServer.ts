import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { CommittedBatch } from '../../actors/eventActor.ts';
import {
  type Ack,
  type ClientRequests,
  type ClientToServerEvents,
  eventRoom,
  queueRoom,
  type SeatMapView,
  type SeatStatusMapView,
  type ServerToClientEvents,
  type SocketData,
  type SubscribeReply,
  userRoom,
  type WireError,
} from '../../contract/protocol.ts';
import {
  idSchema,
  parseHold,
  parseWith,
  queueJoinSocketSchema,
  type SeatMapFormName,
  waitlistJoinSocketSchema,
  waitlistRequestOf,
} from '../../contract/schemas.ts';
import {
  releaseRequestSchema,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  waitlistLeaveRequestSchema,
} from '../../contract/socketSchemas.ts';
import { BookingError } from '../../domain/bookingError.ts';
import type { HoldView, SeatMapDiff } from '../../domain/seatMap/views.ts';
import type { CommandKind, FrontDoorContext, HoldCommand, SeatMapReads } from '../../frontDoor/context.ts';
import { requireBuyer, sessionExpired } from '../../frontDoor/identify.ts';
import type { FrontDoor } from '../../frontDoor/pipeline.ts';
import { type Clock, repeatTimer, systemClock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { BookingService } from '../../services/bookingService.ts';
import type { QueuePushes, QueueService } from '../../services/queueService.ts';
import type { WaitlistService } from '../../services/waitlistService.ts';
import type { Auth } from '../auth.ts';
import { clientAddress } from '../clientAddress.ts';
import { challengeOf, headersOf } from '../http.ts';
import { knownError } from '../knownError.ts';
import type { TemplatedApp } from '../uws.ts';
import { DiffRing, diffsRememberedMaxDefault } from './diffRing.ts';
import { RawJson, rawJsonParser } from './rawJson.ts';
import { attachWithOwnPublish, detachOwnPublish } from './uwsPublish.ts';

export type SocketOptions = Readonly<{
  /**
   * Requests (subscribe, hold, release, ...) one connection may make per `rateLimitWindowSeconds`: read by the front
   * door's limits stage (gateway/server.ts buildFrontDoor), not here.
   */
  requestsPerWindowMax?: number;
  rateLimitWindowSeconds?: number;
  /** Committed diffs kept per event for resync; older clients get a full map. */
  diffsRememberedMax?: number;
  /** engine.io's largest accepted message; socket requests are small. */
  messageBytesMax?: number;
  /** How often sockets whose session token has expired are looked for and disconnected. Default 1,000 ms. */
  sessionSweepIntervalMs?: number;
}>;

export type SocketServerDeps = Readonly<{
  app: TemplatedApp;
  booking: BookingService;
  auth: Auth;
  logger: Logger;
  /** The clock port: a socket stops acting at its token's `exp` by this clock. Default: the system clock. */
  clock?: Clock;
  options?: SocketOptions;
  /**
   * The pipeline every request passes (identify → limits → challenge → admission → handler), shared with REST: holds
   * and releases end in the same service whichever transport brought them.
   */
  frontDoor: FrontDoor;
  /** Proxies in front of the server: the client address is read from X-Forwarded-For as for REST (clientAddress.ts). */
  trustedProxyHops?: number;
  /** Waiting rooms (`queue:join`); absent: the event is answered NOT_FOUND like any event nobody serves. */
  queue?: Pick<QueueService, 'join'>;
  /** Waitlists (`waitlist:join`, `waitlist:leave`); absent: answered NOT_FOUND. */
  waitlist?: Pick<WaitlistService, 'join' | 'leave'>;
  /**
   * Cluster mode: socket.io's Redis adapter, so a broadcast to a room reaches its sockets on every node (each node
   * still delivers to its own sockets with uWS's native publish). Absent: the in-memory adapter.
   */
  adapter?: ServerOptions['adapter'];
  /**
   * Cluster mode: the diffs since a version of an event another node owns, from the owner's ring (undefined: the event
   * is served here; `diffs` absent: the owner's ring no longer has them, and the subscriber gets the map).
   */
  remoteDiffs?: (eventId: string, sinceVersion: number) => Promise<RemoteDiffs | undefined>;
}>;

export type RemoteDiffs = Readonly<{ version: number; diffs?: SeatMapDiff[] }>;

export type SocketServer = Readonly<{
  io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  /** The committed-batch listener: remembers the diff and pushes it to the event's room. */
  onCommitted(batch: CommittedBatch): void;
  /** Pushes to every socket of one user (e.g. `order:updated` from payments). */
  notifyUser<E extends keyof ServerToClientEvents>(
    userId: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
  /** Where the waiting room's pushes go: the buyer's sockets, and the sockets waiting in an event's room. */
  queuePushes: QueuePushes;
  /** This node's diffs of an event since a version (its ring), for a subscriber resuming on another node. */
  diffsSince(eventId: string, sinceVersion: number): Promise<RemoteDiffs>;
  /** Connected sockets, for metrics and benchmarks. */
  socketCount(): number;
  /** Disconnects every client and stops accepting new ones. */
  close(): Promise<void>;
}>;

export const messageBytesMaxDefault = 16 * 1024;
export const sessionSweepIntervalMsDefault = 1_000;
/** Distinct events one socket may watch at once. */
export const subscriptionsPerSocketMax = 50;

/** What this file uses of an engine.io connection (socket.io's `socket.conn`). */
type EngineConnection = {
  request: object;
  readyState: string;
  close(): void;
  once(event: 'close', listener: () => void): void;
};

type AnySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const commandKinds: ReadonlyMap<string, CommandKind> = new Map<string, CommandKind>([
  ['subscribe', 'subscribe'],
  ['unsubscribe', 'unsubscribe'],
  ['hold', 'hold'],
  ['release', 'release'],
]);

/** The event a request's payload names, for the front door's stages, once it is a well-formed id. */
const eventIdOf = (payload: unknown): { eventId?: string } => {
  const eventId =
    typeof payload === 'object' && payload !== null ? (payload as { eventId?: unknown }).eventId : undefined;
  return typeof eventId === 'string' && idSchema.safeParse(eventId).success ? { eventId } : {};
};

/** The socket's `hold`: the REST hold body (parseHold names the exact field that is wrong) plus the event. */
const parseHoldPayload = (payload: unknown): Omit<HoldCommand, 'kind'> => {
  if (typeof payload !== 'object' || payload === null) throw new BookingError('INVALID_INPUT', 'hold needs an object');
  const { eventId: rawEventId, ...body } = payload as Record<string, unknown>;
  const eventId = parseWith(idSchema, rawEventId);
  return { eventId, ...parseHold(body) };
};

/** The acks of a hold and of a release, shaped where the service's promise settles (no async function around it). */
const holdReply = (hold: HoldView) => ({ hold });
const emptyReply = () => ({});

const wireError = (error: unknown): WireError => {
  const known = knownError(error);
  return known === undefined
    ? { code: 'INTERNAL', message: 'internal server error' }
    : { code: known.code, message: known.message, ...(challengeOf(known) as Pick<WireError, 'challenge'>) };
};

/**
 * How long a connection whose handshake the limit refused stays open for its connect, which is answered
 * `connect_error` `RATE_LIMITED`: a client that never connects (a bot opening connections) is closed after it.
 */
export const refusedHandshakeGraceMs = 5_000;

/**
 * socket.io on the gateway's uWebSockets.js app. Auth on the handshake, one room per event (so broadcasts take uWS's
 * native publish), every request answered through its ack, a per-connection rate limit, and a ring of recent diffs
 * per event so clients resume after a gap or a reconnect.
 */
export const attachSocketServer = (deps: SocketServerDeps): SocketServer => {
  const { app, booking, auth, logger, frontDoor } = deps;
  const clock = deps.clock ?? systemClock;
  const options = deps.options ?? {};
  const diffsRememberedMax = options.diffsRememberedMax ?? diffsRememberedMaxDefault;
  /** The handshake limit's verdict on each engine.io handshake, by its request (the connection's `request` after). */
  const handshakeVerdicts = new WeakMap<object, Promise<void>>();
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>({
    serveClient: false,
    maxHttpBufferSize: options.messageBytesMax ?? messageBytesMaxDefault,
    // Diffs are small and frequent; compressing each costs more CPU than it saves on the wire.
    perMessageDeflate: false,
    httpCompression: false,
    // The default JSON parser, except that a map serialised once per version is written into each ack as is.
    parser: rawJsonParser,
    ...(deps.adapter === undefined ? {} : { adapter: deps.adapter }),
    // Every engine.io handshake (a connection attempt, each reconnect too) counts against its address, before the
    // session is even looked at. The handshake is answered at once, in uWS's handler: an upgrade answered later (after
    // a count in Redis) goes through uWS's HttpResponse.cork, which then reads the socket, already a WebSocket, as the
    // HTTP response it was and may close it right after its open (uWebSockets.js 20.30: socketServer.int.spec.ts).
    // The count's refusal comes at the connect instead, as a connect_error RATE_LIMITED saying when to retry.
    allowRequest: (req, callback) => {
      const forwarded = req.headers['x-forwarded-for'];
      const client = clientAddress(
        (req as unknown as { connection?: { remoteAddress?: string } }).connection?.remoteAddress ?? '',
        typeof forwarded === 'string' ? forwarded : undefined,
        deps.trustedProxyHops ?? 0,
      );
      const verdict = frontDoor.handshake(client);
      // Awaited at the connect and watched by the connection (below); handled here for an attempt that ends first.
      verdict.catch(() => undefined);
      handshakeVerdicts.set(req, verdict);
      callback(null, true);
    },
  });
  attachWithOwnPublish(io, app);
  // A connection whose handshake was refused and that never asks to connect is closed after a grace (one that does is
  // refused RATE_LIMITED and closed at once, below).
  io.engine.on('connection', (conn: EngineConnection) => {
    void handshakeVerdicts.get(conn.request)?.catch(() => {
      if (conn.readyState !== 'open') return;
      const cancel = clock.setTimer(refusedHandshakeGraceMs, () => {
        if (conn.readyState === 'open') conn.close();
      });
      conn.once('close', cancel);
    });
  });
  const rings = new Map<string, DiffRing>();
  /** Sockets whose connection counts against their address (socket id → address), until they disconnect. */
  const counted = new Map<string, string>();
  let closing = false;

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (closing)
      return next(Object.assign(new Error('the server is shutting down'), { data: { code: 'UNAVAILABLE' } }));
    // The handshake's count first (refused: RATE_LIMITED), before the session is looked at.
    let handshakeRefused = false;
    (handshakeVerdicts.get(socket.request) ?? Promise.resolve())
      .catch((error: unknown) => {
        handshakeRefused = true;
        throw error;
      })
      .then(() => {
        if (typeof token !== 'string' || token.length === 0)
          throw new BookingError('UNAUTHORIZED', 'missing session token');
        return auth.verify(token);
      })
      .then(async (principal) => {
        // Open connections per address (anti-bot); counted once the session is known, given back at disconnect.
        const client = clientOf(socket);
        await frontDoor.connected(client);
        // A connection that closes before socket.io connects it is dropped without a disconnect (namespace.js _add),
        // so it is given back here: it closed while it was counted, or it closes before the connect.
        if (socket.conn.readyState !== 'open') {
          frontDoor.forget(socket.id, client);
          throw new BookingError('UNAVAILABLE', 'the connection closed before it was admitted');
        }
        counted.set(socket.id, client);
        socket.conn.once('close', () => {
          if (!socket.connected && counted.delete(socket.id)) frontDoor.forget(socket.id, client);
        });
        return principal;
      })
      .then(
        (principal) => {
          socket.data.userId = principal.userId;
          socket.data.expiresAtMs = principal.expiresAtMs;
          next();
        },
        (error: unknown) => {
          const { code, message } = wireError(error);
          next(Object.assign(new Error(message), { data: { code } }));
          // Past the handshake limit the connection goes too, once the connect_error is written: the limit bounds open
          // connections, not only namespaces. socket.io writes the refusal on the next tick (namespace.js _add, and
          // only while the connection is open), so the close comes after it, and engine.io's close waits for its
          // buffer to drain. Other refusals keep the connection: a client may connect again on it (a renewed session).
          if (handshakeRefused) setImmediate(() => socket.conn.close());
        },
      );
  });

  const isExpired = (socket: AnySocket): boolean => clock.now() >= socket.data.expiresAtMs;
  /**
   * A socket outlives no session: from its token's `exp` on, every request is refused UNAUTHORIZED, and the sweep (or
   * the first refused request) tells it `session:expired` and disconnects it, so it leaves every room too.
   */
  const expire = (socket: AnySocket): void => {
    if (!socket.connected) return;
    const { code, message } = sessionExpired();
    socket.emit('session:expired', { code, message });
    socket.disconnect(true);
  };
  const stopSessionSweep = repeatTimer(clock, options.sessionSweepIntervalMs ?? sessionSweepIntervalMsDefault, () => {
    for (const socket of io.of('/').sockets.values()) if (isExpired(socket)) expire(socket);
  });

  const clientOf = (socket: AnySocket): string => {
    const forwarded = socket.handshake.headers['x-forwarded-for'];
    return clientAddress(
      socket.handshake.address,
      typeof forwarded === 'string' ? forwarded : undefined,
      deps.trustedProxyHops ?? 0,
    );
  };

  /** This node's diffs of an event since `sinceVersion`, when its ring has them (or nothing changed since). */
  const localDiffsSince = async (
    eventId: string,
    sinceVersion: number,
  ): Promise<{ version: number; diffs?: SeatMapDiff[] }> => {
    const ring = rings.get(eventId);
    const version = ring?.version ?? (await booking.committedVersion(eventId));
    const diffs = ring === undefined ? (sinceVersion === version ? [] : undefined) : ring.since(sinceVersion, version);
    return diffs === undefined ? { version } : { version, diffs };
  };

  /** The committed map version of an event and, with sinceVersion, the diffs since it when a ring has them. */
  const subscribeReply = async (
    reads: SeatMapReads,
    eventId: string,
    sinceVersion: number | undefined,
    form: SeatMapFormName,
  ): Promise<SubscribeReply> => {
    if (sinceVersion !== undefined) {
      // The owner's ring when another node owns the event (this node's may be left from when it owned it), else ours.
      const found = (await deps.remoteDiffs?.(eventId, sinceVersion)) ?? (await localDiffsSince(eventId, sinceVersion));
      if (found.diffs !== undefined) return { eventId, version: found.version, diffs: found.diffs };
    }
    // The cached map's JSON, rendered once per version for every subscriber and REST reader alike; on the wire it is
    // the SeatMapView (or SeatStatusMapView) the protocol promises (RawJson is written into the packet as that text).
    await reads.admit();
    const seatMap = await booking.seatMap(eventId);
    const text = form === 'status' ? seatMap.statusJson() : seatMap.json();
    // Counted in characters, which is bytes for the ASCII a map almost always is, without a pass over 3 MB to count.
    reads.charge(text.length);
    return form === 'status'
      ? { eventId, version: seatMap.version, statusMap: new RawJson(text) as unknown as SeatStatusMapView }
      : { eventId, version: seatMap.version, seatMap: new RawJson(text) as unknown as SeatMapView };
  };

  /**
   * Wraps a request handler: finds the ack (a malformed call may omit it or put it first), passes the request through
   * the front door (identify, limits; a session that ran out is refused here), and turns every outcome into
   * `{ok:true,...}` or `{ok:false,error}`. Without an ack the error is pushed as `request:error`, so a bad call is
   * never met with silence.
   */
  const handle = (
    socket: AnySocket,
    event: string,
    run: (payload: unknown, door: FrontDoorContext) => Promise<object>,
  ) => {
    return (...args: unknown[]) => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as (reply: Ack) => void) : undefined;
      const payload = typeof args[0] === 'function' ? undefined : args[0];
      const reply = (answer: Ack) => {
        if (ack !== undefined) ack(answer);
        else if (!answer.ok) socket.emit('request:error', { event, error: answer.error });
      };
      const answered = (result: object) => reply({ ok: true, ...result });
      const failed = (error: unknown) => {
        if (knownError(error) === undefined) logger.error({ err: error, event }, 'unhandled error in socket request');
        reply({ ok: false, error: wireError(error) });
        // After the answer, so the client reads why before the disconnect.
        if (isExpired(socket)) expire(socket);
      };
      // The handler's promise is answered where it settles, not returned into the front door's: a promise returned from
      // a `then` callback costs two more microtask jobs and a promise kept alive while a hold's batch is appended.
      const admitted = (door: FrontDoorContext) => {
        let answer: Promise<object>;
        try {
          requireBuyer(door.who);
          if (ack === undefined) throw new BookingError('INVALID_INPUT', `${event} needs an acknowledgement callback`);
          answer = run(payload, door);
        } catch (error) {
          failed(error);
          return;
        }
        answer.then(answered, failed);
      };
      frontDoor
        .arrive({
          transport: 'socket',
          kind: commandKinds.get(event) ?? 'other',
          client: clientOf(socket),
          connectionId: socket.id,
          credentials: { kind: 'session', userId: socket.data.userId, expiresAtMs: socket.data.expiresAtMs },
          ...eventIdOf(payload),
          limited: true,
          headers: headersOf(socket.handshake.headers),
        })
        .then(admitted, failed);
    };
  };

  /**
   * Serves one client request of the event map: `parse` turns the untrusted payload into what `run` takes (a zod
   * schema of src/contract, so the wire type and the check are one), and `run`'s answer must be that event's ack.
   */
  const on = <E extends keyof ClientRequests, P>(
    socket: AnySocket,
    event: E,
    parse: (payload: unknown) => P,
    run: (request: P, door: FrontDoorContext) => Promise<ClientRequests[E]['reply']>,
  ): void => {
    const listener = handle(socket, event, (payload, door) => run(parse(payload), door));
    // socket.io types the listener by the event map; the wire gives no such promise, so it takes unknown arguments.
    socket.on(event, listener as never);
  };

  io.on('connection', (socket) => {
    const { userId } = socket.data;
    socket.join(userRoom(userId));

    // An event that no handler serves is answered too (NOT_FOUND), so a client never waits for an ack that cannot come.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const name = String(event);
      if (socket.listeners(name as keyof ClientToServerEvents).length > 0) return;
      const shown = name.slice(0, 64);
      handle(socket, shown, async () => {
        throw new BookingError('NOT_FOUND', `no socket event ${JSON.stringify(shown)}`);
      })(...args);
    });

    on(
      socket,
      'subscribe',
      (payload) => parseWith(subscribeRequestSchema, payload),
      async ({ eventId, sinceVersion, form }, door) => {
        const room = eventRoom(eventId);
        const watching = [...socket.rooms].filter((name) => name.startsWith('event:')).length;
        if (!socket.rooms.has(room) && watching >= subscriptionsPerSocketMax) {
          throw new BookingError('INVALID_INPUT', `a connection may watch at most ${subscriptionsPerSocketMax} events`);
        }
        await booking.getEvent(eventId);
        // Joining before reading means no diff committed after the read is missed; the client drops the diffs
        // its reply already covers (version <= the reply's version).
        socket.join(room);
        return subscribeReply(door.reads, eventId, sinceVersion, form ?? 'map');
      },
    );

    on(
      socket,
      'unsubscribe',
      (payload) => parseWith(unsubscribeRequestSchema, payload),
      async ({ eventId }) => {
        socket.leave(eventRoom(eventId));
        return {};
      },
    );

    on(socket, 'hold', parseHoldPayload, (command, door) => frontDoor.hold(door, command).then(holdReply));

    on(
      socket,
      'release',
      (payload) => parseWith(releaseRequestSchema, payload),
      ({ holdId, requestId }, door) => frontDoor.release(door, { holdId, requestId }).then(emptyReply),
    );

    const { queue } = deps;
    if (queue !== undefined) {
      on(
        socket,
        'queue:join',
        (payload) => parseWith(queueJoinSocketSchema, payload),
        async ({ eventId, requestId, challengeSolution, signals }, door) => {
          const command = {
            kind: 'queueJoin',
            eventId,
            requestId,
            ...(challengeSolution === undefined ? {} : { challengeSolution }),
            ...(signals === undefined ? {} : { signals }),
          } as const;
          const entry = await frontDoor.run(door, command, ({ risk }) =>
            queue.join(eventId, userId, { atBack: risk?.atBack === true }),
          );
          // Joined before answering: a sell-out committed after the join reaches this socket.
          socket.join(queueRoom(eventId));
          return { entry };
        },
      );
    }

    const { waitlist } = deps;
    if (waitlist !== undefined) {
      on(
        socket,
        'waitlist:join',
        (payload) => parseWith(waitlistJoinSocketSchema, payload),
        async ({ eventId, requestId, ...request }) => ({
          entry: await waitlist.join(eventId, userId, requestId, waitlistRequestOf(request)),
        }),
      );
      on(
        socket,
        'waitlist:leave',
        (payload) => parseWith(waitlistLeaveRequestSchema, payload),
        async ({ entryId, requestId }) => {
          await waitlist.leave(entryId, userId, requestId ?? `${entryId}:leave`);
          return {};
        },
      );
    }

    socket.on('disconnect', () => {
      frontDoor.forget(socket.id, counted.get(socket.id));
      counted.delete(socket.id);
    });
  });

  return {
    io,
    onCommitted({ diff }) {
      let ring = rings.get(diff.eventId);
      if (ring === undefined) {
        ring = new DiffRing(diffsRememberedMax);
        rings.set(diff.eventId, ring);
      }
      ring.push(diff);
      io.to(eventRoom(diff.eventId)).emit('seatmap:diff', diff);
    },
    queuePushes: {
      position: (userId, push) => io.to(userRoom(userId)).emit('queue:position', push),
      admitted: (userId, push) => io.to(userRoom(userId)).emit('queue:admitted', push),
      soldOut: (push) => io.to(queueRoom(push.eventId)).emit('queue:soldout', push),
      released: (push) => io.to(queueRoom(push.eventId)).emit('queue:released', push),
    },
    notifyUser(userId, event, ...args) {
      // biome-ignore lint/suspicious/noExplicitAny: socket.io's emit overloads do not narrow a generic event name.
      (io.to(userRoom(userId)).emit as any)(event, ...args);
    },
    diffsSince: (eventId, sinceVersion) => localDiffsSince(eventId, sinceVersion),
    socketCount: () => io.engine.clientsCount,
    close() {
      closing = true;
      stopSessionSweep();
      return new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        // With attachApp there is no http server, so close() only shuts the engine and calls back at once.
        io.close(() => {
          detachOwnPublish(io);
          resolve();
        });
      });
    },
  };
};
