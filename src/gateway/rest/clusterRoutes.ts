import { parseId } from '../../contract/schemas.ts';
import type { Auth } from '../auth.ts';
import type { Route } from './routes.ts';

/** What the cluster tells about an event's owner (src/cluster/placement.ts; a single node answers for itself). */
export type OwnerLookup = (eventId: string) => Promise<
  Readonly<{
    mode: 'single' | 'redis';
    nodeId: string | null;
    epoch: number | null;
    preferredNodeId: string | null;
  }>
>;

/** `GET /v1/events/:id/owner` (admin): which node runs the event's actor, under which epoch. */
export const registerClusterRoutes = (
  route: Route,
  deps: Readonly<{ auth: Auth; owner: OwnerLookup; eventExists: (eventId: string) => Promise<unknown> }>,
): void => {
  route('get', '/v1/events/:id/owner', async ({ params, token }) => {
    await deps.auth.requireAdmin(token);
    const eventId = parseId('id', params.id ?? '');
    await deps.eventExists(eventId);
    return { status: 200, json: { eventId, ...(await deps.owner(eventId)) } };
  });
};
