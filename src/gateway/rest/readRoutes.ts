import { parseId } from '../../contract/schemas.ts';
import type { EventStatsService } from '../../services/projections/eventStats.ts';
import type { ReadModels } from '../../services/projections/readModels.ts';
import type { Auth } from '../auth.ts';
import type { Route } from './routes.ts';

/** The read side's admin routes (docs/api.md "Reads"): stats for the dashboard, a seat's history, the orders as CSV. */
export const registerReadRoutes = (
  route: Route,
  deps: Readonly<{ auth: Auth; stats: EventStatsService; reads: ReadModels }>,
): void => {
  const { auth, stats, reads } = deps;
  const eventIdOf = (params: Readonly<Record<string, string>>) => parseId('id', params.id ?? '');

  route('get', '/v1/events/:id/stats', async ({ params, token }) => {
    await auth.requireAdmin(token);
    return { status: 200, json: await stats.stats(eventIdOf(params)), headers: { 'cache-control': 'no-store' } };
  });

  route('get', '/v1/events/:id/seats/:seatId/history', async ({ params, token }) => {
    await auth.requireAdmin(token);
    const eventId = eventIdOf(params);
    const seatId = parseId('seatId', params.seatId ?? '');
    return { status: 200, json: await reads.seatHistory(eventId, seatId) };
  });

  route('get', '/v1/events/:id/orders.csv', async ({ params, token }) => {
    await auth.requireAdmin(token);
    const eventId = eventIdOf(params);
    return {
      status: 200,
      text: await reads.ordersCsv(eventId),
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="orders-${eventId}.csv"`,
        'cache-control': 'no-store',
      },
    };
  });
};
