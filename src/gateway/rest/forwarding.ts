import { idSchema } from '../../contract/schemas.ts';
import type { SeatMapDiff } from '../../domain/seatMap/views.ts';
import { eventIdOfHold } from '../../platform/ids.ts';
import type { SocketHolds } from '../../services/bookingService.ts';
import {
  type BuyerItems,
  type HoldsPage,
  holdsCursorAfter,
  type LocalHolds,
  type LocalOrders,
  mergeHoldPages,
} from '../../services/buyerItems.ts';
import type { QueueService } from '../../services/queueService.ts';
import type { WaitlistService } from '../../services/waitlistService.ts';
import type { RequestHead, RestForward } from './routes.ts';

/**
 * Cluster mode over REST and sockets, the gateway's part: which event a request is for, and what goes to its owner.
 * The forwarder itself (who owns what, the HTTP client) is src/cluster/forwarding.ts.
 */
/** Routes about one event but not served by its actor (the catalog's record, the owner lookup itself). */
// The replay reads the log only (no actor): any node serves it, so a long replay never loads the node running the sale.
const servedAnywhere = new Set([
  '/v1/events/:id',
  '/v1/events/:id/owner',
  '/v1/events/:id/layout',
  '/v1/events/:id/replay',
]);

/**
 * The event a REST request is for, when its owner must serve it: `/v1/events/:id/…`, holds and orders (their ids
 * name their event: platform/ids.ts), and `POST /v1/orders` (its body's hold id). Undefined: any node serves it.
 */
export const eventOfRequest = (head: RequestHead, body: Buffer): string | undefined => {
  const { route, params } = head;
  if (servedAnywhere.has(route)) return undefined;
  if (route.startsWith('/v1/events/:id/')) return params.id;
  if (route.startsWith('/v1/holds/:holdId')) return eventIdOfHold(params.holdId ?? '');
  if (route.startsWith('/v1/orders/:id')) return eventIdOfHold(params.id ?? '');
  // A ticket's id extends its order's id (`<eventId>.<orderId>-<n>`): the owner reads the order and signs the code.
  if (route === '/v1/tickets/:id/qr') return eventIdOfHold(params.id ?? '');
  // A waitlist entry's id names its event like a hold's (platform/ids.ts).
  if (route === '/v1/waitlist/:entryId') return eventIdOfHold(params.entryId ?? '');
  if (route === '/v1/orders' && head.method === 'POST') {
    const holdId = jsonField(body, 'holdId');
    return typeof holdId === 'string' ? eventIdOfHold(holdId) : undefined;
  }
  // A check-in's ticket code is a compact JWS whose payload names the event: read unverified, only to find the owner,
  // which verifies the code (a forged one is TICKET_INVALID there, as here).
  if (route === '/v1/checkins' && head.method === 'POST') {
    const code = jsonField(body, 'code');
    const payload = typeof code === 'string' ? code.split('.')[1] : undefined;
    const eventId = payload === undefined ? undefined : jsonField(Buffer.from(payload, 'base64url'), 'eventId');
    return typeof eventId === 'string' && idSchema.safeParse(eventId).success ? eventId : undefined;
  }
  // A Stripe webhook about a payment names its order (metadata.orderId, set when the intent was created): the order's
  // event's owner verifies the signature and applies it. Read unverified, only to route.
  if (route === '/v1/payments/stripe/webhook' && head.method === 'POST') {
    const data = jsonField(body, 'data') as { object?: { metadata?: { orderId?: unknown } } } | undefined;
    const orderId = data?.object?.metadata?.orderId;
    return typeof orderId === 'string' ? eventIdOfHold(orderId) : undefined;
  }
  return undefined;
};

/** A field of a JSON object body; undefined when the body is not one (this node's handler then answers INVALID_INPUT). */
const jsonField = (body: Buffer, name: string): unknown => {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown> | null;
    return typeof parsed === 'object' && parsed !== null ? parsed[name] : undefined;
  } catch {
    return undefined;
  }
};

/** What the gateway needs of the cluster's forwarder. */
export type ForwardingPeer = Readonly<{
  isForwarded(header: string | undefined): boolean;
  target(eventId: string): Promise<Readonly<{ kind: 'local' }> | Readonly<{ kind: 'remote'; url: string }>>;
  proxy(
    url: string,
    method: string,
    pathAndQuery: string,
    headers: Readonly<Record<string, string>>,
    body: Buffer,
  ): Promise<Readonly<{ status: number; headers: Record<string, string>; body: Buffer }>>;
  call<T>(url: string, path: string, payload: unknown): Promise<T>;
  /** The other live nodes of the cluster. */
  peers(): Promise<readonly Readonly<{ nodeId: string; url: string }>[]>;
}>;

export const forwardedHeaderName = 'x-seatactor-forwarded';

/**
 * Where an event's requests go now: the owner's URL and the forwarder that reaches it, or undefined when this node serves
 * them (or has not joined its cluster yet). The one place every cluster path (REST, socket requests, reads) decides it.
 */
export const remoteOf = async <Peer extends Pick<ForwardingPeer, 'target'>>(
  peer: () => Peer | undefined,
  eventId: string | undefined,
): Promise<{ forwarder: Peer; url: string } | undefined> => {
  const forwarder = peer();
  if (forwarder === undefined || eventId === undefined) return undefined;
  const target = await forwarder.target(eventId);
  return target.kind === 'local' ? undefined : { forwarder, url: target.url };
};

/** The REST forwarding over a peer that is set once the node has joined its cluster (until then: served here). */
export const createRestForward = (peer: () => ForwardingPeer | undefined): RestForward => ({
  isForwarded: (headers) => peer()?.isForwarded(headers[forwardedHeaderName]) === true,
  async reply(head, body) {
    const remote = peer() === undefined ? undefined : await remoteOf(peer, eventOfRequest(head, body));
    if (remote === undefined) return undefined;
    const query = head.query.toString();
    const answer = await remote.forwarder.proxy(
      remote.url,
      head.method,
      `${head.url}${query ? `?${query}` : ''}`,
      head.headers,
      body,
    );
    return { status: answer.status, text: answer.body, headers: { ...answer.headers, 'x-seatactor-via': 'forwarded' } };
  },
});

/**
 * Socket holds and releases for events another node owns: sent to the owner's internal routes (below), which run
 * them through the owner's own hold service with the buyer's id and request id, so a retry after an owner change gets
 * the first answer from the log.
 */
export const forwardedHolds = (local: SocketHolds, peer: () => ForwardingPeer | undefined): SocketHolds => ({
  async hold(eventId, userId, requestId, request, options) {
    const remote = await remoteOf(peer, eventId);
    if (remote === undefined) return local.hold(eventId, userId, requestId, request, options);
    return remote.forwarder.call(remote.url, `/v1/internal/events/${encodeURIComponent(eventId)}/holds`, {
      userId,
      requestId,
      request,
      ...(options === undefined ? {} : { options }),
    });
  },
  async release(holdId, userId, requestId) {
    const remote = await remoteOf(peer, eventIdOfHold(holdId));
    if (remote === undefined) return local.release(holdId, userId, requestId);
    await remote.forwarder.call(remote.url, '/v1/internal/holds/release', { holdId, userId, requestId });
  },
});

export type SocketQueue = Pick<QueueService, 'join'>;
export type SocketWaitlist = Pick<WaitlistService, 'join' | 'leave'>;

/**
 * Socket `queue:join` for an event another node owns: this node ran the front door (limits, challenge, risk), the
 * owner's internal route joins the buyer to its room with the risk stage's verdict. Joining again answers with the same
 * entry, so a retry through any node needs no idempotency memory (as over REST). The owner's pushes reach the buyer's
 * socket here through socket.io's Redis adapter (their user room, and the event's queue room this socket joins).
 */
export const forwardedQueue = (local: SocketQueue, peer: () => ForwardingPeer | undefined): SocketQueue => ({
  async join(eventId, userId, options) {
    const remote = await remoteOf(peer, eventId);
    if (remote === undefined) return local.join(eventId, userId, options);
    return remote.forwarder.call(remote.url, `/v1/internal/events/${encodeURIComponent(eventId)}/queue`, {
      userId,
      atBack: options?.atBack === true,
    });
  },
});

/**
 * Socket `waitlist:join` and `waitlist:leave` for an event another node owns: the owner's internal routes, with the
 * buyer's id and requestId, so a retry after an owner change is answered from the event's log (as over REST).
 */
export const forwardedWaitlist = (local: SocketWaitlist, peer: () => ForwardingPeer | undefined): SocketWaitlist => ({
  async join(eventId, userId, requestId, request) {
    const remote = await remoteOf(peer, eventId);
    if (remote === undefined) return local.join(eventId, userId, requestId, request);
    return remote.forwarder.call(remote.url, `/v1/internal/events/${encodeURIComponent(eventId)}/waitlist`, {
      userId,
      requestId,
      request,
    });
  },
  async leave(entryId, userId, requestId) {
    const remote = await remoteOf(peer, eventIdOfHold(entryId));
    if (remote === undefined) return local.leave(entryId, userId, requestId);
    await remote.forwarder.call(remote.url, '/v1/internal/waitlist/leave', { entryId, userId, requestId });
  },
});

/**
 * `GET /v1/me/holds` in cluster mode. A buyer's holds are in the memory of the actors that run their events, spread over
 * the nodes, and no store keeps them (the read side keeps orders only), so the entry node asks every live node for its
 * part (`POST /v1/internal/me/holds`: the first events of this buyer it runs after the cursor, from its live holders
 * index, with their holds) and merges the pages. One request per other node per call, whatever the buyer holds, rather
 * than asking each event's owner: no node knows which events a buyer holds at without asking the nodes that run them.
 * A node that does not answer fails the call UNAVAILABLE (to retry) rather than leave its holds out. With `eventId`,
 * the event's owner alone is asked.
 *
 * `GET /v1/me/orders` in cluster mode: the page of order ids comes from the store's index, which every node reads; each
 * order is read from its event's actor, so the orders at events other nodes run are read there, one request per such
 * node with all of its orders (`POST /v1/internal/me/orders`), as `GET /v1/orders/:id` would be forwarded. A node
 * that does not answer fails the call UNAVAILABLE (to retry) rather than leave its orders out.
 */
export const clusterBuyerItems = <Order>(
  local: BuyerItems<Order> & LocalHolds & LocalOrders<Order>,
  peer: () => ForwardingPeer | undefined,
): BuyerItems<Order> => ({
  async ordersOf(userId, query) {
    const forwarder = peer();
    if (forwarder === undefined) return local.ordersOf(userId, query);
    const { orderIds, next } = await local.orderIdsPage(userId, query);
    // The order ids to read at each node: '' for this one, else the URL of the node that runs their events.
    const eventOf = (orderId: string) => eventIdOfHold(orderId) ?? '';
    const urls = new Map<string, string>();
    await Promise.all(
      [...new Set(orderIds.map(eventOf))].map(async (eventId) => {
        urls.set(eventId, (await remoteOf(peer, eventId))?.url ?? '');
      }),
    );
    const byNode = new Map<string, string[]>();
    for (const orderId of orderIds) {
      const url = urls.get(eventOf(orderId))!;
      byNode.set(url, [...(byNode.get(url) ?? []), orderId]);
    }
    const found = new Map<string, Order>();
    await Promise.all(
      [...byNode].map(async ([url, ids]) => {
        const orders =
          url === ''
            ? await local.ordersById(userId, ids)
            : (await forwarder.call<{ orders: Order[] }>(url, '/v1/internal/me/orders', { userId, orderIds: ids }))
                .orders;
        for (const [index, orderId] of ids.entries()) found.set(orderId, orders[index]!);
      }),
    );
    return { orders: orderIds.map((orderId) => found.get(orderId)!), ...(next === undefined ? {} : { next }) };
  },
  async holdsOf(userId, query) {
    const forwarder = peer();
    if (forwarder === undefined) return local.holdsOf(userId, query);
    const { eventId, limit } = query;
    if (eventId !== undefined) {
      const remote = await remoteOf(peer, eventId);
      if (remote === undefined) return local.holdsOf(userId, query);
      const page = await remote.forwarder.call<HoldsPage>(remote.url, '/v1/internal/me/holds', {
        userId,
        eventId,
        limit,
      });
      return { holds: page.events.flatMap((event) => event.holds) };
    }
    const after = holdsCursorAfter(query.cursor);
    const asked = { userId, ...(after === undefined ? {} : { after }), limit };
    const pages = await Promise.all([
      local.holdsPage(userId, asked),
      ...(await forwarder.peers()).map((node) => forwarder.call<HoldsPage>(node.url, '/v1/internal/me/holds', asked)),
    ]);
    return mergeHoldPages(pages, limit);
  },
});

/** A resuming socket subscriber's diffs, from the ring of the event's owner when another node owns it. */
export const remoteDiffsOf =
  (peer: () => ForwardingPeer | undefined) =>
  async (eventId: string, sinceVersion: number): Promise<{ version: number; diffs?: SeatMapDiff[] } | undefined> => {
    const remote = await remoteOf(peer, eventId);
    if (remote === undefined) return undefined;
    return remote.forwarder.call(remote.url, `/v1/internal/events/${encodeURIComponent(eventId)}/diffs`, {
      sinceVersion,
    });
  };
