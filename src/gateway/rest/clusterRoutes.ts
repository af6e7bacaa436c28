import {
  internalBuyerHoldsBodySchema,
  internalBuyerOrdersBodySchema,
  internalDiffsBodySchema,
  internalHoldBodySchema,
  internalQueueJoinBodySchema,
  internalReleaseBodySchema,
  internalWaitlistJoinBodySchema,
  internalWaitlistLeaveBodySchema,
  parseId,
  parseWith,
  waitlistRequestOf,
} from '../../contract/schemas.ts';
import { BookingError } from '../../domain/bookingError.ts';
import type { HoldRequest } from '../../domain/seatMap/views.ts';
import type { SocketHolds } from '../../services/bookingService.ts';
import type { LocalHolds, LocalOrders } from '../../services/buyerItems.ts';
import type { Auth } from '../auth.ts';
import { parseJson } from '../http.ts';
import type { SocketQueue, SocketWaitlist } from './forwarding.ts';
import type { RestForward, Route } from './routes.ts';

/** What the cluster tells about an event's owner (src/cluster/placement.ts; a single node answers for itself). */
export type OwnerLookup = (eventId: string) => Promise<
  Readonly<{
    mode: 'single' | 'redis';
    nodeId: string | null;
    epoch: number | null;
    preferredNodeId: string | null;
  }>
>;

/**
 * `GET /v1/events/:id/owner` (admin): which node runs the event's actor, under which epoch. And the routes only other
 * nodes of the cluster may call (their forwarding key, or FORBIDDEN): socket holds and releases, queue joins and
 * waitlist joins and leaves they forward here, and their reads of a buyer's holds and orders, run by this node's own
 * services (never forwarded again).
 */
export const registerClusterRoutes = (
  route: Route,
  deps: Readonly<{
    auth: Auth;
    owner: OwnerLookup;
    eventExists: (eventId: string) => Promise<unknown>;
    /** This node's own hold service (never forwarded again). */
    holds: SocketHolds;
    queue: SocketQueue;
    waitlist: SocketWaitlist;
    /** This node's part of a buyer's holds (GET /v1/me/holds asked through another node). */
    buyerHolds: LocalHolds;
    /** This node's reads of a buyer's orders (GET /v1/me/orders asked through another node). */
    buyerOrders: Pick<LocalOrders<unknown>, 'ordersById'>;
    /** This node's diffs of an event since a version (a subscriber resuming on another node). */
    diffsSince: (eventId: string, sinceVersion: number) => Promise<unknown>;
    forward: RestForward | undefined;
  }>,
): void => {
  route('get', '/v1/events/:id/owner', async ({ params, token }) => {
    await deps.auth.requireAdmin(token);
    const eventId = parseId('id', params.id ?? '');
    await deps.eventExists(eventId);
    return { status: 200, json: { eventId, ...(await deps.owner(eventId)) } };
  });

  const requireNode = (headers: Readonly<Record<string, string>>) => {
    if (deps.forward?.isForwarded(headers) !== true)
      throw new BookingError('FORBIDDEN', 'only the nodes of this cluster call this route');
  };

  route('post', '/v1/internal/events/:id/holds', async ({ params, headers, body }) => {
    requireNode(headers);
    const eventId = parseId('id', params.id ?? '');
    const parsed = parseWith(internalHoldBodySchema, parseJson(body));
    const hold = await deps.holds.hold(
      eventId,
      parsed.userId,
      parsed.requestId,
      parsed.request as unknown as HoldRequest,
      parsed.options,
    );
    return { status: 201, json: hold };
  });

  route('post', '/v1/internal/holds/release', async ({ headers, body }) => {
    requireNode(headers);
    const parsed = parseWith(internalReleaseBodySchema, parseJson(body));
    await deps.holds.release(parsed.holdId, parsed.userId, parsed.requestId);
    return { status: 204 };
  });

  route('post', '/v1/internal/events/:id/queue', async ({ params, headers, body }) => {
    requireNode(headers);
    const eventId = parseId('id', params.id ?? '');
    const parsed = parseWith(internalQueueJoinBodySchema, parseJson(body));
    return { status: 201, json: await deps.queue.join(eventId, parsed.userId, { atBack: parsed.atBack }) };
  });

  route('post', '/v1/internal/events/:id/waitlist', async ({ params, headers, body }) => {
    requireNode(headers);
    const eventId = parseId('id', params.id ?? '');
    const { userId, requestId, request } = parseWith(internalWaitlistJoinBodySchema, parseJson(body));
    const entry = await deps.waitlist.join(eventId, userId, requestId, waitlistRequestOf(request));
    return { status: 201, json: entry };
  });

  route('post', '/v1/internal/waitlist/leave', async ({ headers, body }) => {
    requireNode(headers);
    const parsed = parseWith(internalWaitlistLeaveBodySchema, parseJson(body));
    await deps.waitlist.leave(parsed.entryId, parsed.userId, parsed.requestId);
    return { status: 204 };
  });

  route('post', '/v1/internal/me/holds', async ({ headers, body }) => {
    requireNode(headers);
    const { userId, eventId, after, limit } = parseWith(internalBuyerHoldsBodySchema, parseJson(body));
    const page = await deps.buyerHolds.holdsPage(userId, {
      limit,
      ...(eventId === undefined ? {} : { eventId }),
      ...(after === undefined ? {} : { after }),
    });
    return { status: 200, json: page };
  });

  route('post', '/v1/internal/me/orders', async ({ headers, body }) => {
    requireNode(headers);
    const { userId, orderIds } = parseWith(internalBuyerOrdersBodySchema, parseJson(body));
    return { status: 200, json: { orders: await deps.buyerOrders.ordersById(userId, orderIds) } };
  });

  route('post', '/v1/internal/events/:id/diffs', async ({ params, headers, body }) => {
    requireNode(headers);
    const eventId = parseId('id', params.id ?? '');
    const { sinceVersion } = parseWith(internalDiffsBodySchema, parseJson(body));
    return { status: 200, json: await deps.diffsSince(eventId, sinceVersion) };
  });
};
