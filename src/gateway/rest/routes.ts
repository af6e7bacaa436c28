import { type ContentCoding, compress, type SeatMapRendition } from '../../actors/seatMapCache.ts';
import { openApiText } from '../../contract/openapi.ts';
import { parseInstant, parseReplayAfter, type ReplayPageView } from '../../contract/readSchemas.ts';
import {
  compoundIdSchema,
  idSchema,
  parseEvent,
  parseHold,
  parseId,
  parseLimit,
  parseRequestId,
  parseSeatMapForm,
  parseVenue,
  parseWith,
  sessionBodySchema,
} from '../../contract/schemas.ts';
import { BookingError, isBookingError } from '../../domain/bookingError.ts';
import type { EventConfig } from '../../domain/venue.ts';
import type { Arrival, CommandKind, FrontDoorContext, SeatMapReads } from '../../frontDoor/context.ts';
import { requireAdmin, requireBuyer } from '../../frontDoor/identify.ts';
import type { FrontDoor } from '../../frontDoor/pipeline.ts';
import type { Logger } from '../../platform/logger.ts';
import type { GatewayMetrics } from '../../platform/metrics.ts';
import type { BookingService } from '../../services/bookingService.ts';
import { type ReplayPage, replayPageBatchesMax } from '../../services/replay.ts';
import type { Auth } from '../auth.ts';
import { clientAddress } from '../clientAddress.ts';
import {
  bearerToken,
  codedTag,
  errorResponse,
  etagMatches,
  HttpExchange,
  headersOf,
  parseJson,
  preferredCoding,
} from '../http.ts';
import type { HttpRequest, HttpResponse, TemplatedApp } from '../uws.ts';

/** `any` matches every method and ranks below the method-specific routes of the same pattern. */
export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'any';

/** Everything a handler may know about the request, copied out of uWS's `req`, which dies when the callback returns. */
export type RequestHead = Readonly<{
  /** The request's own method, upper-case (an `any` route sees the real one). */
  method: string;
  /** The registered pattern, e.g. `/v1/events/:id`; also the metrics label. */
  route: string;
  url: string;
  query: URLSearchParams;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string>>;
  params: Readonly<Record<string, string>>;
  /** The bearer token from Authorization, if any. */
  token: string | undefined;
  /** Who is asking, for the rate limit: the peer address, or behind trusted proxies the hop they saw (clientAddress.ts). */
  client: string;
}>;

/**
 * The raw body is kept (not only parsed JSON) because webhook signatures are computed over the exact bytes. `door` is
 * what the front door's identify and limits stages learned (who is asking, their seat-map budget).
 */
export type RouteContext = RequestHead & Readonly<{ body: Buffer; door: FrontDoorContext }>;

export type RouteReply = Readonly<{
  status: number;
  /** Serialized as JSON unless `text` is given. */
  json?: unknown;
  /** Sent as is (a Buffer for binary bodies such as PNG). */
  text?: string | Buffer;
  headers?: Readonly<Record<string, string>>;
  /** Called once the reply is over: written out to the kernel, or the client went away (frees a read budget slot). */
  release?: () => void;
}>;

export type RouteHandler = (context: RouteContext) => Promise<RouteReply> | RouteReply;

export type RouteOptions = Readonly<{
  /** Overrides the gateway default; a function sees the head so it can grant a larger limit to admins only. */
  bodyBytesMax?: number | ((head: RequestHead) => number);
  /** Probes are not rate limited; everything else is. */
  rateLimited?: boolean;
  /** What the route asks for, as the front door's stages see it; default `other`. */
  kind?: CommandKind;
  /**
   * A reply the route can give at once (a 304 of the current seat map), tried when the front door passes the request
   * at once (`arriveNow`: a guest or the admin) and the request has no body: answered without a promise, counted as
   * any other. Undefined (or a throw): the handler runs as usual, with the context the front door gave.
   */
  answerNow?: (context: RouteContext) => RouteReply | undefined;
}>;

export type Route = (method: RouteMethod, pattern: string, handler: RouteHandler, options?: RouteOptions) => void;

/** A route helper that remembers what it registered (for the check that the OpenAPI document lists every route). */
export type Router = Route & Readonly<{ registered: readonly Readonly<{ method: RouteMethod; pattern: string }>[] }>;

export type RestRateLimit = Readonly<{
  /** Requests one client (address) may make per second, averaged over `windowSeconds`. */
  requestsPerSecondMax: number;
  windowSeconds?: number;
  /**
   * Behind load balancers every request comes from them: how many proxies in front of the server append to
   * X-Forwarded-For, so the client is read from the right of it (clientAddress.ts). Default 0: the peer is the client.
   */
  trustedProxyHops?: number;
}>;

/**
 * Cluster mode over REST: a request for an event this node does not own goes to its owner as it came (after this
 * node's identify and limits stages), and the owner's answer goes back as it came (forwarding.ts).
 */
export type RestForward = Readonly<{
  /** The request came from another node of the cluster: its limits were counted there, and it is served here. */
  isForwarded(headers: Readonly<Record<string, string>>): boolean;
  /** The owner's answer when another node owns the request's event; undefined: serve it here. */
  reply(head: RequestHead, body: Buffer): Promise<RouteReply | undefined>;
}>;

export type RouterDeps = Readonly<{
  logger: Logger;
  metrics: GatewayMetrics;
  bodyBytesMax: number;
  /** Every request passes its identify and limits stages before its handler runs (src/frontDoor/). */
  frontDoor: FrontDoor;
  /** Only `trustedProxyHops` is read here: the limits themselves are the front door's. */
  rateLimit?: RestRateLimit;
  /** Cluster mode: requests for events another node owns go there (forwarding.ts). */
  forward?: RestForward;
}>;

export type RestDeps = RouterDeps &
  Readonly<{
    booking: BookingService;
    auth: Auth;
    /** Venues are big (up to 200,000 seats is several MB of JSON), so admins get their own body limit. */
    venueBodyBytesMax?: number;
  }>;

export const venueBodyBytesMaxDefault = 16 * 1024 * 1024;
export const eventsListedMax = 500;
export const eventsListedDefault = 100;

const bodyMethods: ReadonlySet<RouteMethod> = new Set(['post', 'put', 'patch', 'delete', 'any']);

/** A malformed escape is passed through undecoded; the id validators then reject it as INVALID_INPUT. */
const decodeParam = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

const readHead = (
  res: HttpResponse,
  req: HttpRequest,
  route: string,
  paramNames: readonly string[],
  trustedProxyHops: number,
): RequestHead => {
  // Header names come from the client: without a prototype, `constructor` or `__proto__` are plain keys.
  const headers: Record<string, string> = Object.create(null);
  req.forEach((name, value) => {
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  });
  const params: Record<string, string> = Object.create(null);
  paramNames.forEach((name, index) => {
    params[name] = decodeParam(req.getParameter(index));
  });
  return {
    method: req.getMethod().toUpperCase(),
    route,
    url: req.getUrl(),
    query: new URLSearchParams(req.getQuery() ?? ''),
    headers,
    params,
    token: bearerToken(headers.authorization),
    client: clientAddress(
      Buffer.from(res.getRemoteAddressAsText()).toString(),
      headers['x-forwarded-for'],
      trustedProxyHops,
    ),
  };
};

/**
 * Registers handlers on uWS's own router (which matches by specificity, so registration order does not matter) and
 * wraps each with what every route needs: a copy of the request, abort safety, the body limit, error mapping,
 * logging and the latency histogram.
 */
export const createRouter = (app: TemplatedApp, deps: RouterDeps): Router => {
  const { logger, metrics, frontDoor } = deps;
  const trustedProxyHops = deps.rateLimit?.trustedProxyHops ?? 0;

  const respond = (exchange: HttpExchange, head: RequestHead, startedMs: number, reply: RouteReply): void => {
    if (reply.text !== undefined) {
      const sent = exchange.send(reply.status, reply.text, reply.headers ?? {});
      if (reply.release !== undefined) void sent.finally(reply.release);
    } else {
      reply.release?.();
      exchange.sendJson(reply.status, reply.json, reply.headers);
    }
    metrics.httpRequestDuration.observe(
      { route: head.route, method: head.method, status: String(reply.status) },
      (performance.now() - startedMs) / 1000,
    );
  };

  const registered: { method: RouteMethod; pattern: string }[] = [];
  const route: Route = (method, pattern, handler, options = {}) => {
    registered.push({ method, pattern });
    const paramNames = pattern
      .split('/')
      .filter((segment) => segment.startsWith(':'))
      .map((segment) => segment.slice(1));
    const serve = (res: HttpResponse, req: HttpRequest) => {
      const startedMs = performance.now();
      const exchange = new HttpExchange(res, req.getMethod());
      const head = readHead(res, req, pattern, paramNames, trustedProxyHops);
      let body: Promise<Buffer>;
      try {
        const limit = options.bodyBytesMax ?? deps.bodyBytesMax;
        body = bodyMethods.has(method)
          ? exchange.readBody(head.headers, typeof limit === 'function' ? limit(head) : limit)
          : Promise.resolve(noBody);
      } catch (error) {
        body = Promise.reject(error);
      }
      // The front door's first stages run while the body arrives; a refusal from either answers the request.
      // A request another node forwarded was counted against the limits there, and is served here whoever owns it.
      const forwarded = deps.forward?.isForwarded(head.headers) === true;
      const arrival: Arrival = {
        transport: 'rest',
        kind: options.kind ?? 'other',
        client: head.client,
        credentials: { kind: 'bearer', token: head.token },
        ...eventIdOf(pattern, head.params),
        limited: options.rateLimited !== false && !forwarded,
        headers: headersOf(head.headers),
      };
      let arrived: Promise<FrontDoorContext> | undefined;
      // In a cluster another node may own the event: only the async path asks (forwarding.ts).
      if (options.answerNow !== undefined && deps.forward === undefined && !bodyMethods.has(method)) {
        let door: FrontDoorContext | undefined;
        try {
          door = frontDoor.arriveNow(arrival);
        } catch (error) {
          arrived = Promise.reject(error);
        }
        if (door !== undefined) {
          // Object.assign, not `{ ...head, body, door }`: a literal that starts with a spread and adds keys gets a hidden
          // class of its own each time on Node 20's V8, ~1 µs against ~0.1 (f3dc17b; src/domain/seatMap/holds.ts).
          const reply = answerNow(options.answerNow, Object.assign({}, head, { body: noBody, door }));
          if (reply !== undefined) return respond(exchange, head, startedMs, reply);
          arrived = Promise.resolve(door);
        }
      }
      arrived ??= frontDoor.arrive(arrival);
      Promise.all([arrived, body])
        .then(async ([door, bytes]) => {
          const owners = forwarded ? undefined : await deps.forward?.reply(head, bytes);
          return owners ?? handler(Object.assign({}, head, { body: bytes, door }));
        })
        .catch((error: unknown): RouteReply => {
          const { status, body: errorBody, internal } = errorResponse(error);
          if (internal) logger.error({ err: error, route: pattern, method: head.method }, 'unhandled error in route');
          else logger.debug({ code: errorBody.error.code, route: pattern, method: head.method }, 'request rejected');
          const retryAfter = isBookingError(error) ? error.details?.retryAfterSeconds : undefined;
          return {
            status,
            json: errorBody,
            ...(typeof retryAfter === 'number' ? { headers: { 'retry-after': String(retryAfter) } } : {}),
          };
        })
        .then((reply) => {
          if (exchange.aborted) {
            reply.release?.();
            logger.debug({ route: pattern, method: head.method }, 'client went away before the reply');
          } else respond(exchange, head, startedMs, reply);
        })
        .catch((error: unknown) => {
          // Only a reply that cannot be serialized gets here; sendJson serializes before it marks the exchange sent.
          logger.error({ err: error, route: pattern, method: head.method }, 'could not send the reply');
          exchange.sendJson(500, errorResponse(error).body);
        });
    };
    (method === 'delete' ? app.del : app[method]).call(app, pattern, serve);
    // HEAD is GET without the body (RFC 9110 9.3.2): the same handler, and the exchange leaves the body out.
    if (method === 'get') app.head(pattern, serve);
  };
  return Object.assign(route, { registered });
};

const noBody = Buffer.alloc(0);

/** A route's answer at once, or undefined when it has none (or threw: the handler then runs and answers the error). */
const answerNow = (
  answer: (context: RouteContext) => RouteReply | undefined,
  context: RouteContext,
): RouteReply | undefined => {
  try {
    return answer(context);
  } catch {
    return undefined;
  }
};

/** The event a `/v1/events/:id/...` route names, for the front door's stages, once it is a well-formed id. */
const eventIdOf = (pattern: string, params: Readonly<Record<string, string>>): { eventId?: string } => {
  const id = params.id;
  return pattern.startsWith('/v1/events/:id') && id !== undefined && idSchema.safeParse(id).success
    ? { eventId: id }
    : {};
};

/** The wire shape of an event: the catalog keeps epoch ms, clients get ISO 8601 like every other instant. */
const eventView = (event: EventConfig) => {
  const { saleStartsAtMs, waitingRoom, ...rest } = event;
  const view = { ...rest, saleStartsAt: saleStartsAtMs === null ? null : new Date(saleStartsAtMs).toISOString() };
  if (waitingRoom === undefined) return view;
  const { preQueueOpensAtMs, ...settings } = waitingRoom;
  const preQueueOpensAt = preQueueOpensAtMs === undefined ? {} : { preQueueOpensAt: iso(preQueueOpensAtMs) };
  return { ...view, waitingRoom: { ...settings, ...preQueueOpensAt } };
};

const iso = (ms: number): string => new Date(ms).toISOString();

const replayPageBatchesDefault = 1_000;

/** A replay page on the wire: instants as ISO 8601, `next` null at the end of the log. */
export const replayPageView = (page: ReplayPage): ReplayPageView => ({
  eventId: page.eventId,
  after: page.after,
  frames: page.frames.map((frame) => ({
    ...frame,
    at: iso(frame.at),
    changes: [...frame.changes],
    general: [...frame.general],
  })),
  next: page.next ?? null,
  until: iso(page.until),
});

/** The validators of an answer (200 or 304) in a coding: the same three headers for every budgeted read. */
const validators = (
  etag: string,
  cacheControl: string,
  coding: ContentCoding | undefined,
): Readonly<Record<string, string>> => ({
  etag: codedTag(etag, coding),
  'cache-control': cacheControl,
  vary: 'Accept-Encoding',
});

/** A seat-map frame's validators per coding, made once per frame, not per request (the 304 fast path's). */
const frameValidators = new WeakMap<
  SeatMapRendition,
  Map<ContentCoding | undefined, Readonly<Record<string, string>>>
>();
const validatorsOf = (map: SeatMapRendition, coding: ContentCoding | undefined): Readonly<Record<string, string>> => {
  let byCoding = frameValidators.get(map);
  if (byCoding === undefined) {
    byCoding = new Map();
    frameValidators.set(map, byCoding);
  }
  let made = byCoding.get(coding);
  if (made === undefined) {
    made = validators(map.etag, seatMapCacheControl, coding);
    byCoding.set(coding, made);
  }
  return made;
};

/**
 * `no-cache`: any cache may keep a seat map, but must ask again before using it (a 304 is cheap), since a map a second
 * old may show a seat free that is gone.
 */
const seatMapCacheControl = 'no-cache';

/**
 * A large read (a seat map, a layout) under the address's read budget: a slot while it is under way (kept until the
 * reply is written out), 304 to a current If-None-Match without spending bytes, else the body in the client's
 * coding, charged to the address's bytes.
 */
const budgetedRead = async (
  reads: SeatMapReads,
  headers: Readonly<Record<string, string | undefined>>,
  cacheControl: string,
  load: () => Promise<{ etag: string; body: (coding: ContentCoding | undefined) => Buffer | Promise<Buffer> }>,
) => {
  const coding = preferredCoding(headers['accept-encoding']);
  const leave = reads.enter();
  try {
    const { etag, body: bodyIn } = await load();
    const made = validators(etag, cacheControl, coding);
    if (etagMatches(headers['if-none-match'], etag)) {
      leave();
      return { status: 304, text: '', headers: made };
    }
    await reads.admit();
    const body = await bodyIn(coding);
    reads.charge(body.length);
    return {
      status: 200,
      text: body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(coding === undefined ? {} : { 'content-encoding': coding }),
        ...made,
      },
      release: leave,
    };
  } catch (error) {
    leave();
    throw error;
  }
};

/** Registers the v1 REST API and returns the route helper so later modules (orders, payments) add routes the same way. */
export const registerRestRoutes = (app: TemplatedApp, deps: RestDeps): Router => {
  const { booking, auth, metrics, frontDoor } = deps;
  const route = createRouter(app, deps);
  const venueBodyBytesMax = deps.venueBodyBytesMax ?? venueBodyBytesMaxDefault;

  // Probes come from the platform, often from one address: they are never rate limited.
  const probe = { rateLimited: false };
  route('get', '/healthz', () => ({ status: 200, json: { status: 'ok' } }), probe);

  route(
    'get',
    '/readyz',
    () => {
      if (!booking.ready()) throw new BookingError('UNAVAILABLE', 'not ready to take bookings');
      return { status: 200, json: { status: 'ready' } };
    },
    probe,
  );

  // Metrics tell an attacker how the sale is going and where it hurts: on the public port, admins only. Prometheus
  // sends the admin token, or scrapes METRICS_PORT (metricsServer.ts), a listener of its own on a private network.
  route('get', '/metrics', async ({ door }) => {
    requireAdmin(door.who);
    return {
      status: 200,
      text: await metrics.registry.metrics(),
      headers: { 'content-type': metrics.registry.contentType },
    };
  });

  // Generated from the zod schemas the handlers parse with (src/contract/api.ts), once: the same bytes as
  // docs/openapi.json.
  const openApi = openApiText();
  route('get', '/v1/openapi.json', () => ({
    status: 200,
    text: openApi,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
  }));

  // With the previous session's token as bearer, a genuine token (even expired, within the grace period) renews the
  // same buyer; anything else gets a new buyer. Never an error, so a client can always recover a session.
  // A new buyer may have to prove work first (the challenge stage: CHALLENGE_REQUIRED with the challenge, then the
  // same request with X-Challenge-Solution); renewing a session that is still valid never does.
  route(
    'post',
    '/v1/sessions',
    async ({ token, door, headers, body }) => {
      const solution = headers['x-challenge-solution'];
      // The body is optional (older clients send none): the device's signals with a new session.
      const { signals } = body.length === 0 ? {} : parseWith(sessionBodySchema, parseJson(body));
      const command = {
        kind: 'session',
        ...(solution === undefined ? {} : { challengeSolution: solution }),
        ...(signals === undefined ? {} : { signals }),
      } as const;
      return frontDoor.run(door, command, async () => {
        const session = await auth.renewSession(token);
        // A new buyer counts against the address's and the device's sessions (the limits and risk stages refuse the
        // next one past them).
        if (!session.renewed) await frontDoor.sessionMinted(door, session.userId, command);
        return { status: 201, json: session };
      });
    },
    { kind: 'session' },
  );

  route(
    'post',
    '/v1/venues',
    async ({ door, body }) => {
      requireAdmin(door.who);
      return { status: 201, json: await booking.createVenue(parseVenue(parseJson(body))) };
    },
    { bodyBytesMax: (head) => (auth.isAdmin(head.token) ? venueBodyBytesMax : deps.bodyBytesMax) },
  );

  route('post', '/v1/events', async ({ door, body }) => {
    requireAdmin(door.who);
    return { status: 201, json: await booking.createEvent(parseEvent(parseJson(body))) };
  });

  route('get', '/v1/events', async ({ query }) => {
    const limit = parseLimit(query.get('limit'), eventsListedDefault, eventsListedMax);
    return { status: 200, json: { events: (await booking.listEvents(limit)).map(eventView) } };
  });

  route('get', '/v1/venues/:id', async ({ params }) => ({
    status: 200,
    json: await booking.getVenue(parseId('id', params.id ?? '')),
  }));

  route('get', '/v1/events/:id', async ({ params }) => ({
    status: 200,
    json: eventView(await booking.getEvent(parseId('id', params.id ?? ''))),
  }));

  /**
   * 304 to an If-None-Match that names the event's current frame, before any other work: no budget slot (a 304 spends
   * none), no frame to wait for (the cache answers only while its frame is as new as the committed version and no
   * hold has lapsed, and only for the event's running activation), the validators made once per frame.
   */
  const notModified = (eventId: string, headers: Readonly<Record<string, string>>): RouteReply | undefined => {
    const ifNoneMatch = headers['if-none-match'];
    const current = ifNoneMatch === undefined ? undefined : booking.currentSeatMap?.(eventId);
    if (current === undefined) return undefined;
    const made = validatorsOf(current, preferredCoding(headers['accept-encoding']));
    return ifNoneMatch === made.etag || etagMatches(ifNoneMatch, current.etag)
      ? { status: 304, text: '', headers: made }
      : undefined;
  };

  // From the event's per-version cache: rendered once per version, compressed once per version and coding (off the
  // event loop), sent as the same bytes to every reader. The ETag is the version, so a client that has it gets 304
  // without a render. A full map is megabytes for a large venue, so each address has a budget of maps under way and of
  // bytes sent (429 beyond it); a 304 costs none of the bytes. A guest's (or the admin's) 304 is answered at once, in
  // the request's callback (`answerNow`), after the front door counted it; a buyer's token is verified first.
  route(
    'get',
    '/v1/events/:id/seatmap',
    async ({ params, headers, query, door }) => {
      // The front door's stages were given the id once it passed the same check.
      const eventId = door.eventId ?? parseId('id', params.id ?? '');
      const at = query.get('at');
      // The map at an instant is replayed from the log (no cache: each instant is its own); it spends the same budget.
      if (at !== null) {
        const atMs = parseInstant(at);
        return budgetedRead(door.reads, headers, seatMapCacheControl, async () => {
          const map = await booking.seatMapAt(eventId, atMs);
          const json = Buffer.from(JSON.stringify(map));
          return {
            etag: `${map.version}@${atMs}`,
            body: (coding) => (coding === undefined ? json : compress[coding](json)),
          };
        });
      }
      const form = parseSeatMapForm(query.get('form'));
      const unchanged = notModified(eventId, headers);
      if (unchanged !== undefined) return unchanged;
      return budgetedRead(door.reads, headers, seatMapCacheControl, async () => {
        const map = await booking.seatMap(eventId);
        return {
          etag: map.etag,
          body: (coding) => (coding === undefined ? map.bytes(form) : map.encoded(form, coding)),
        };
      });
    },
    {
      kind: 'seatMap',
      // What the handler would answer first, and only that: a bad id, `at` or a bad form go to the handler.
      answerNow: ({ door, headers, query }) => {
        if (door.eventId === undefined || query.has('at')) return undefined;
        parseSeatMapForm(query.get('form'));
        return notModified(door.eventId, headers);
      },
    },
  );

  // The sale played back for the display's time slider: frames (each batch's diff, and the moments holds lapsed) a page
  // at a time, replayed from the log from the snapshot nearest the page's start. A page that ends before the log does
  // never changes (the log is append-only), so its ETag is where it starts and ends; the last one ends now.
  route(
    'get',
    '/v1/events/:id/replay',
    async ({ params, headers, query, door }) => {
      const eventId = parseId('id', params.id ?? '');
      const after = parseReplayAfter(query.get('after'));
      const limit = parseLimit(query.get('limit'), replayPageBatchesDefault, replayPageBatchesMax);
      return budgetedRead(door.reads, headers, 'no-cache', async () => {
        const page = await booking.replay(eventId, { after, limit });
        const json = Buffer.from(JSON.stringify(replayPageView(page)));
        return {
          etag: `r${page.after}-${limit}-${page.next ?? 'end'}-${page.until}`,
          body: (coding) => (coding === undefined ? json : compress[coding](json)),
        };
      });
    },
    { kind: 'seatMap' },
  );

  // What never changes (venue and event are immutable): cacheable forever by the event's id, so a client pays for a
  // large venue's layout once and then reads only statuses (`?form=status` above, then diffs). It is megabytes for a
  // large venue too, so it spends the same per-address read budget as the maps; a 304 costs none of it.
  route(
    'get',
    '/v1/events/:id/layout',
    async ({ params, headers, door }) => {
      const eventId = parseId('id', params.id ?? '');
      return budgetedRead(door.reads, headers, 'public, max-age=31536000, immutable', async () => {
        const layout = await booking.layout(eventId);
        return { etag: layout.etag, body: (coding) => (coding === undefined ? layout.bytes : layout.encoded(coding)) };
      });
    },
    { kind: 'seatMap' },
  );

  route(
    'post',
    '/v1/events/:id/holds',
    async ({ params, door, body }) => {
      requireBuyer(door.who);
      const eventId = parseId('id', params.id ?? '');
      const hold = await frontDoor.hold(door, { eventId, ...parseHold(parseJson(body)) });
      return { status: 201, json: hold };
    },
    { kind: 'hold' },
  );

  route(
    'delete',
    '/v1/holds/:holdId',
    async ({ params, door, query, body }) => {
      requireBuyer(door.who);
      const holdId = parseId('holdId', params.holdId ?? '', compoundIdSchema);
      // DELETE bodies are optional and often stripped by proxies; without any requestId the hold id itself serves,
      // which is safe because releasing the same hold twice is the same intent.
      const fromBody = body.length > 0 ? (parseJson(body) as { requestId?: unknown } | null)?.requestId : undefined;
      const raw = query.get('requestId') ?? fromBody;
      await frontDoor.release(door, { holdId, requestId: raw === undefined ? holdId : parseRequestId(raw) });
      return { status: 204 };
    },
    { kind: 'release' },
  );

  // Anything no route matched; uWS ranks this wildcard below every specific pattern.
  route('any', '/*', notFound);

  return route;
};

const notFound = (): never => {
  throw new BookingError('NOT_FOUND', 'no such route');
};
