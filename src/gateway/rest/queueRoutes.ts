import { parseId, parseWith, queueJoinBodySchema } from '../../contract/schemas.ts';
import type { QueueService } from '../../services/queueService.ts';
import type { Auth } from '../auth.ts';
import { parseJson } from '../http.ts';
import type { Route } from './routes.ts';

/**
 * The waiting room over REST, for clients that poll (docs/api.md "Virtual waiting room"): join, read one's place,
 * the fairness record anyone may check, and the admin's figures.
 */
export const registerQueueRoutes = (route: Route, deps: Readonly<{ auth: Auth; queue: QueueService }>): void => {
  const { auth, queue } = deps;
  const eventIdOf = (params: Readonly<Record<string, string>>) => parseId('id', params.id ?? '');

  // Joining again answers with the same entry, so a retry needs no idempotency memory of its own.
  route('post', '/v1/events/:id/queue', async ({ params, token, body }) => {
    const { userId } = await auth.requireBuyer(token);
    const eventId = eventIdOf(params);
    parseWith(queueJoinBodySchema, parseJson(body));
    return { status: 201, json: await queue.join(eventId, userId) };
  });

  route('get', '/v1/events/:id/queue/me', async ({ params, token }) => {
    const { userId } = await auth.requireBuyer(token);
    return { status: 200, json: await queue.me(eventIdOf(params), userId) };
  });

  route('get', '/v1/events/:id/queue/fairness', async ({ params }) => ({
    status: 200,
    json: await queue.fairness(eventIdOf(params)),
  }));

  route('get', '/v1/events/:id/queue/stats', async ({ params, token }) => {
    await auth.requireAdmin(token);
    return { status: 200, json: await queue.stats(eventIdOf(params)) };
  });
};
