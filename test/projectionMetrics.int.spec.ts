import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * Each projection's lag on /metrics (issue #13), on the embedded PGlite store (the projections' SQL, settled cursor
 * included, as on Postgres): with the background pass off (`intervalMs: 0`) the projections move only when read, so the
 * lag a scrape shows stays until a read or a catch-up takes it to 0. Not on the shared test Postgres: its settled
 * horizon is the whole server's, so another test's open transaction there would hold the count of settled events back.
 */
describe('projection lag on /metrics (PGlite)', () => {
  const clock = new ManualClock(Date.parse('2030-03-01T10:00:00Z'));
  let server: RunningServer;
  let client: ReturnType<typeof api>;

  beforeAll(async () => {
    ({ server, client } = await startTestServer({
      store: { kind: 'pglite', dataDir: undefined },
      clock,
      readSide: { intervalMs: 0 },
    }));
  });
  afterAll(() => server?.drain());

  /** The value of one series, by metric name and projection (database 0), from a real scrape. */
  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    return (name: string, projection: string): number | undefined => {
      const line = text.split('\n').find((row) => row.startsWith(`${name}{projection="${projection}",store="0"} `));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
  };

  it('shows events and seconds behind, per projection, until a read or a catch-up applies them', async () => {
    await server.projections.catchUp();
    const idle = await scrape();
    for (const projection of server.projections.projectionNames) {
      expect(idle('projection_lag_events', projection), projection).toBe(0);
      expect(idle('projection_lag_seconds', projection), projection).toBe(0);
    }

    const venueId = await client.createVenue(venueBody(2, 5));
    const eventId = await client.createEvent({ venueId, name: 'Lag', startsAt: '2030-06-01T20:00:00Z', priceTiers });
    const buyer = await client.session();
    for (const [index, seatId] of ['ORCH-1-1', 'ORCH-1-2', 'ORCH-2-1'].entries()) {
      const held = await client.hold(eventId, buyer.token, { requestId: `h${index}`, seatIds: [seatId] });
      expect(held.status, JSON.stringify(held.body)).toBe(201);
    }
    clock.advance(42_000);

    const behind = await scrape();
    const [sales, history] = [
      behind('projection_lag_events', 'sales'),
      behind('projection_lag_events', 'seat-history'),
    ];
    // The three holds at least (an append may carry more than one event); nothing has applied them.
    expect(sales).toBeGreaterThanOrEqual(3);
    expect(history).toBe(sales);
    // The oldest of them was decided at 10:00:00 on the server's clock, 42 s before this scrape.
    expect(behind('projection_lag_seconds', 'sales')).toBe(42);
    expect(behind('projection_lag_seconds', 'seat-history')).toBe(42);

    // The stats read catches the sales projection up (and only it).
    expect((await client.call('GET', `/v1/events/${eventId}/stats`, undefined, adminToken)).status).toBe(200);
    const afterRead = await scrape();
    expect(afterRead('projection_lag_events', 'sales')).toBe(0);
    expect(afterRead('projection_lag_seconds', 'sales')).toBe(0);
    expect(afterRead('projection_lag_events', 'seat-history')).toBe(history);

    await server.projections.catchUp();
    const caughtUp = await scrape();
    for (const projection of server.projections.projectionNames) {
      expect(caughtUp('projection_lag_events', projection), projection).toBe(0);
      expect(caughtUp('projection_lag_seconds', projection), projection).toBe(0);
    }
  });
});
