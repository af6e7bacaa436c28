import { parseId } from '../../contract/schemas.ts';
import type { EventConfig } from '../../domain/venue.ts';
import { emptyRiskView, type RiskStage } from '../../frontDoor/risk.ts';
import type { Auth } from '../auth.ts';
import type { Route } from './routes.ts';

/**
 * `GET /v1/events/:id/risk` (admin): what the anti-bot stages saw at an event on this node: its sessions by risk band,
 * those sent to the back of the waiting room or held back, refusals by front-door stage, and the busiest addresses.
 * With the anti-bot stages off (ANTIBOT=off) every figure is 0.
 */
export const registerRiskRoutes = (
  route: Route,
  deps: Readonly<{ auth: Auth; event: (eventId: string) => Promise<EventConfig>; risk?: RiskStage }>,
): void => {
  route('get', '/v1/events/:id/risk', async ({ params, token }) => {
    await deps.auth.requireAdmin(token);
    const eventId = parseId('id', params.id ?? '');
    await deps.event(eventId);
    return { status: 200, json: deps.risk?.view(eventId) ?? emptyRiskView(eventId) };
  });
};
