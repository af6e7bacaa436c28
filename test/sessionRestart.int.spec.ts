import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, priceTiers, venueBody } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { type ServerProcess, startServerProcess } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-sessions-'));
const schema = uniqueSchema('sessions');
const stores: { name: string; env: Record<string, string>; cleanup: () => unknown }[] = [
  {
    name: 'embedded PGlite',
    // An empty JWT_SECRET is unset for src/main.ts: the server uses the key it keeps in the store.
    env: { DATA_DIR: dataDir, DATABASE_URL: '', JWT_SECRET: '' },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  },
  {
    name: 'Postgres',
    env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, JWT_SECRET: '' },
    cleanup: () => dropSchema(schema),
  },
];

/** PGlite's first start (WASM, migrations) is slow on a busy machine; readiness may take a while. */
const readyTimeoutMs = 120_000;

describe.each(stores)('a restart without JWT_SECRET on $name', { timeout: 4 * readyTimeoutMs }, (store) => {
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop('SIGKILL');
    await store.cleanup();
  });

  it('keeps every session valid: the buyer still owns their holds, orders and tickets', async () => {
    const first = await startServerProcess(store.env, [], readyTimeoutMs);
    running.push(first);
    let client = api(first.baseUrl);
    const venueId = await client.createVenue(venueBody(4, 10));
    const eventId = await client.createEvent({
      venueId,
      name: 'Restart',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
    });
    const buyer = await client.session();
    const kept = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'kept' });
    const paid = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-2'], requestId: 'paid' });
    expect([kept.status, paid.status]).toEqual([201, 201]);
    const order = await client.call('POST', '/v1/orders', { holdId: paid.body.holdId, requestId: 'o-1' }, buyer.token);
    const pay = await client.call(
      'POST',
      `/v1/orders/${order.body.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    expect(pay.status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await startServerProcess(store.env, [], readyTimeoutMs);
    running.push(second);
    client = api(second.baseUrl);
    const read = await client.call('GET', `/v1/orders/${order.body.orderId}`, undefined, buyer.token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'succeeded', tickets: [{ seatId: 'ORCH-1-2' }] });
    const qr = await fetch(`${second.baseUrl}/v1/tickets/${read.body.tickets[0].ticketId}/qr`, {
      headers: { authorization: `Bearer ${buyer.token}` },
    });
    expect(qr.status).toBe(200);
    // The hold made before the restart is still this buyer's: it can be ordered (or released) with the old token.
    const again = await client.call('POST', '/v1/orders', { holdId: kept.body.holdId, requestId: 'o-2' }, buyer.token);
    expect(again.status).toBe(201);
    const fresh = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-3'], requestId: 'after' });
    expect(fresh.status).toBe(201);
    expect((await client.release(fresh.body.holdId, buyer.token)).status).toBe(204);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});

describe('two servers on one Postgres without a configured session key', () => {
  const shared = uniqueSchema('sessions_shared');
  afterAll(() => dropSchema(shared));

  it('sign and verify with the same key, kept in the store', async () => {
    const store = { kind: 'postgres' as const, url: databaseUrl, schema: shared };
    const one = await startTestServer({ store, jwtSecret: undefined });
    const two = await startTestServer({ store, jwtSecret: undefined });
    try {
      const venueId = await one.client.createVenue(venueBody(2, 5));
      const eventId = await one.client.createEvent({
        venueId,
        name: 'Two nodes',
        startsAt: '2030-01-01T20:00:00Z',
        priceTiers,
      });
      const buyer = await one.client.session();
      const hold = await two.client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'h' });
      expect(hold.status).toBe(201);
    } finally {
      await one.server.drain();
      await two.server.drain();
    }
  });
});
