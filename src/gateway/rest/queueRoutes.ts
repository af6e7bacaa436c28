import { parseId, parseWith, queueJoinBodySchema } from '../../contract/schemas.ts';
import { requireBuyer } from '../../frontDoor/identify.ts';
import type { FrontDoor } from '../../frontDoor/pipeline.ts';
import type { QueueService } from '../../services/queueService.ts';
import type { Auth } from '../auth.ts';
import { parseJson } from '../http.ts';
import type { Route } from './routes.ts';

/**
 * The waiting room over REST, for clients that poll (docs/api.md "Virtual waiting room"): join, read one's place,
 * the fairness record anyone may check, and the admin's figures.
 */
export const registerQueueRoutes = (
  route: Route,
  deps: Readonly<{ auth: Auth; queue: QueueService; frontDoor: FrontDoor }>,
): void => {
  const { auth, queue, frontDoor } = deps;
  const eventIdOf = (params: Readonly<Record<string, string>>) => parseId('id', params.id ?? '');

  // Joining again answers with the same entry, so a retry needs no idempotency memory of its own.
  // A join passes the front door's challenge and admission stages like a hold (challenge may ask joins for work).
  route('post', '/v1/events/:id/queue', async ({ params, token, body, door, headers }) => {
    await auth.requireBuyer(token);
    const eventId = eventIdOf(params);
    const parsed = parseWith(queueJoinBodySchema, parseJson(body));
    const challengeSolution = headers['x-challenge-solution'] ?? parsed.challengeSolution;
    const command = {
      kind: 'queueJoin',
      eventId,
      requestId: parsed.requestId,
      ...(challengeSolution === undefined ? {} : { challengeSolution }),
      ...(parsed.signals === undefined ? {} : { signals: parsed.signals }),
    } as const;
    const entry = await frontDoor.run(door, command, ({ who, risk }) =>
      queue.join(eventId, requireBuyer(who).userId, { atBack: risk?.atBack === true }),
    );
    return { status: 201, json: entry };
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
