import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { priceTiers, venueBody } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

describe('catalog input at the edge', () => {
  const clock = new ManualClock(Date.parse('2030-06-01T12:00:00Z'));
  let server: RunningServer;
  let client: Awaited<ReturnType<typeof startTestServer>>['client'];

  beforeAll(async () => {
    ({ server, client } = await startTestServer({ clock }));
  });
  afterAll(() => server?.drain());

  const event = (venueId: string, extra: Record<string, unknown> = {}) => ({
    venueId,
    name: 'Show',
    startsAt: '2030-06-02T20:00:00Z',
    priceTiers,
    ...extra,
  });

  it("refuses an event whose startsAt has passed by the server's clock, not the wall clock", async () => {
    const venueId = await client.createVenue(venueBody(1, 2));
    // Later than the wall clock's now but earlier than the server's: the clock port decides.
    const past = await client.call(
      'POST',
      '/v1/events',
      event(venueId, { startsAt: '2030-06-01T11:59:59Z' }),
      adminToken,
    );
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringContaining('startsAt') } });
    expect((await client.call('POST', '/v1/events', event(venueId), adminToken)).status).toBe(201);
    clock.set(Date.parse('2030-06-03T00:00:00Z'));
    expect((await client.call('POST', '/v1/events', event(venueId), adminToken)).status).toBe(400);
    clock.set(Date.parse('2030-06-01T12:00:00Z'));
  });

  it('answers 409 ALREADY_EXISTS to a venue or event id that is taken', async () => {
    const venue = { ...venueBody(1, 2), id: 'hall-dup' };
    expect((await client.call('POST', '/v1/venues', venue, adminToken)).status).toBe(201);
    const again = await client.call('POST', '/v1/venues', venue, adminToken);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'ALREADY_EXISTS', message: 'venue hall-dup already exists' } });
    const show = event('hall-dup', { id: 'show-dup' });
    expect((await client.call('POST', '/v1/events', show, adminToken)).status).toBe(201);
    const twice = await client.call('POST', '/v1/events', show, adminToken);
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: { code: 'ALREADY_EXISTS', message: 'event show-dup already exists' } });
  });

  it('refuses a ?limit that is not an integer 1..500 with 400 INVALID_INPUT, and takes the ones that are', async () => {
    for (const limit of ['0', 'abc', '-1', '1.5', '', '501', '1e2']) {
      const reply = await client.call('GET', `/v1/events?limit=${limit}`);
      expect(reply.status, `limit=${limit}`).toBe(400);
      expect(reply.body).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringContaining('limit') } });
    }
    expect((await client.call('GET', '/v1/events?limit=1')).body.events).toHaveLength(1);
    expect((await client.call('GET', '/v1/events?limit=500')).status).toBe(200);
    expect((await client.call('GET', '/v1/events')).status).toBe(200);
  });
});
