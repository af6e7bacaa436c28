import {
  compoundIdSchema,
  parseId,
  parseRequestId,
  parseWith,
  waitlistJoinBodySchema,
  waitlistRequestOf,
} from '../../contract/schemas.ts';
import type { WaitlistService } from '../../services/waitlistService.ts';
import type { Auth } from '../auth.ts';
import { parseJson } from '../http.ts';
import type { Route } from './routes.ts';

/**
 * The waitlist over REST (docs/api.md "Waitlist"): join, read one's entry, leave. Offers arrive as `waitlist:offer` on
 * the buyer's sockets and through the outbox (e-mail, push, SMS); ordering an offer is `POST /v1/orders {holdId}`.
 */
export const registerWaitlistRoutes = (
  route: Route,
  deps: Readonly<{ auth: Auth; waitlist: WaitlistService }>,
): void => {
  const { auth, waitlist } = deps;
  const eventIdOf = (params: Readonly<Record<string, string>>) => parseId('id', params.id ?? '');

  route('post', '/v1/events/:id/waitlist', async ({ params, token, body }) => {
    const { userId } = await auth.requireBuyer(token);
    const eventId = eventIdOf(params);
    const { requestId, ...request } = parseWith(waitlistJoinBodySchema, parseJson(body));
    const entry = await waitlist.join(eventId, userId, requestId, waitlistRequestOf(request));
    return { status: 201, json: entry };
  });

  route('get', '/v1/events/:id/waitlist/me', async ({ params, token }) => {
    const { userId } = await auth.requireBuyer(token);
    return { status: 200, json: await waitlist.me(eventIdOf(params), userId) };
  });

  // Like a hold's release: the requestId may come in the query or the body; absent, the entry id serves (leaving
  // twice is the same intent).
  route('delete', '/v1/waitlist/:entryId', async ({ params, token, query, body }) => {
    const { userId } = await auth.requireBuyer(token);
    const entryId = parseId('entryId', params.entryId ?? '', compoundIdSchema);
    const fromBody = body.length > 0 ? (parseJson(body) as { requestId?: unknown } | null)?.requestId : undefined;
    const raw = query.get('requestId') ?? fromBody;
    await waitlist.leave(entryId, userId, raw === undefined ? `${entryId}:leave` : parseRequestId(raw));
    return { status: 204 };
  });
};
