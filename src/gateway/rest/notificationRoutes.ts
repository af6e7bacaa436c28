import { deadLetterRetryBodySchema, parseLimit, parseWith } from '../../contract/schemas.ts';
import type { DeadLetters } from '../../services/notifications/deadLetters.ts';
import type { Auth } from '../auth.ts';
import { parseJson } from '../http.ts';
import type { Route } from './routes.ts';

/**
 * Notifications over REST: the VAPID public key a browser subscribes to Web Push with (then `PUT /v1/me/contact
 * {webPush}`), and for admins the outbox's dead letters, listed and retried.
 */
export const registerNotificationRoutes = (
  route: Route,
  deps: Readonly<{ auth: Auth; vapidPublicKey: string; deadLetters: DeadLetters }>,
): void => {
  const { auth, deadLetters } = deps;

  route('get', '/v1/notifications/web-push-key', async () => ({
    status: 200,
    json: { publicKey: deps.vapidPublicKey },
  }));

  route('get', '/v1/admin/outbox/dead', async ({ token, query }) => {
    await auth.requireAdmin(token);
    return { status: 200, json: { items: await deadLetters.list(parseLimit(query.get('limit'), 100, 1_000)) } };
  });

  route('post', '/v1/admin/outbox/retry', async ({ token, body }) => {
    await auth.requireAdmin(token);
    const { keys } = parseWith(deadLetterRetryBodySchema, body.length === 0 ? {} : parseJson(body));
    return { status: 200, json: { retried: await deadLetters.retry(keys) } };
  });
};
