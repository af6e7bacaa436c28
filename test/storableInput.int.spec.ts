import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, StoreConfig } from '../src/app/startServer.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { adminToken } from './support/serverProcess.ts';
import { openSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * The critical fault of issue #8: a lone surrogate or NUL in one buyer's request id (holds, orders, releases) or an
 * admin's refund reason passed validation, failed the append of the whole batch (22P02), answered everyone in it
 * 503 and reloaded the actor. Each is now refused 400 INVALID_INPUT at the edge, and honest buyers whose commands
 * were in flight at the same moment all succeed. On the two real stores, over real HTTP and sockets.
 */
const schema = uniqueSchema('storable_edge');
const stores: [string, StoreConfig][] = [
  ['PGlite', { kind: 'pglite', dataDir: undefined }],
  ['Postgres', { kind: 'postgres', url: databaseUrl, schema }],
];

describe.each(stores)('unstorable text from clients on %s', (_name, store) => {
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let baseUrl: string;
  let eventId: string;

  beforeAll(async () => {
    // Honest buyers must get 201 even when a slow append on a busy machine passes the 800 ms default deadline; a
    // refused append is answered at once, so the fault under test is not hidden.
    const started = await startTestServer({ store, actor: { appendTimeoutMs: 10_000, loadTimeoutMs: 10_000 } });
    ({ server, client, baseUrl } = started);
    const venueId = await client.createVenue(venueBody(5, 10));
    eventId = await client.createEvent({ venueId, name: 'Text', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    await server?.drain();
    if (store.kind === 'postgres') await dropSchema(schema);
  });

  it('refuses each with INVALID_INPUT while honest buyers in the same batches all succeed', async () => {
    const attacker = await client.session();
    const honest = await client.session();
    const socket = await openSocket(baseUrl, attacker.token);
    try {
      // The attacker needs a live hold and a paid order to aim releases, orders and refunds at.
      const ownHold = await client.hold(eventId, attacker.token, { requestId: 'a-1', seatIds: ['ORCH-5-1'] });
      const toOrder = await client.hold(eventId, attacker.token, { requestId: 'a-2', seatIds: ['ORCH-5-2'] });
      const paidHold = await client.hold(eventId, attacker.token, { requestId: 'a-3', seatIds: ['ORCH-5-3'] });
      const order = await client.call(
        'POST',
        '/v1/orders',
        { holdId: paidHold.body.holdId, requestId: 'a-4' },
        attacker.token,
      );
      const paid = await client.call(
        'POST',
        `/v1/orders/${order.body.orderId}/pay`,
        { paymentMethod: 'pm_card_visa' },
        attacker.token,
      );
      expect(paid.status).toBe(200);

      const attacks = (round: number) => [
        client.hold(eventId, attacker.token, { requestId: `\ud800${round}`, seatIds: ['ORCH-4-1'] }),
        client.hold(eventId, attacker.token, { requestId: `nul\u0000${round}`, sectionId: 'FLOOR', quantity: 1 }),
        client.call(
          'POST',
          '/v1/orders',
          { holdId: toOrder.body.holdId, requestId: `o\u0000${round}` },
          attacker.token,
        ),
        client.call('POST', '/v1/orders', { holdId: toOrder.body.holdId, requestId: `\udc00${round}` }, attacker.token),
        client.call('DELETE', `/v1/holds/${ownHold.body.holdId}`, { requestId: `r\u0000${round}` }, attacker.token),
        client.call('DELETE', `/v1/holds/${ownHold.body.holdId}?requestId=x%00${round}`, undefined, attacker.token),
        client.call('POST', `/v1/orders/${order.body.orderId}/refund`, { reason: `no\u0000${round}` }, adminToken),
        client.call('POST', `/v1/orders/${order.body.orderId}/refund`, { reason: `\ud83d${round}` }, adminToken),
        socket
          .timeout(5_000)
          .emitWithAck('hold', { eventId, requestId: `\udbff${round}`, seatIds: ['ORCH-4-2'] })
          .then((ack) => ({ status: ack.ok ? 201 : 400, body: ack })),
        socket
          .timeout(5_000)
          .emitWithAck('release', { holdId: ownHold.body.holdId, requestId: `\u0000${round}` })
          .then((ack) => ({ status: ack.ok ? 204 : 400, body: ack })),
      ];
      for (let round = 0; round < 5; round++) {
        const [bad, good] = await Promise.all([
          Promise.all(attacks(round)),
          Promise.all(
            [1, 2].map((seat) =>
              client.hold(eventId, honest.token, { requestId: `h-${round}-${seat}`, seatIds: [`ORCH-1-${seat}`] }),
            ),
          ),
        ]);
        expect(bad.map((reply) => reply.status)).toEqual(Array(bad.length).fill(400));
        expect(bad.map((reply) => reply.body.error.code)).toEqual(Array(bad.length).fill('INVALID_INPUT'));
        expect(good.map((reply) => reply.status)).toEqual([201, 201]);
        for (const reply of good) {
          expect((await client.release(reply.body.holdId, honest.token)).status).toBe(204);
        }
      }
      // Nothing the attacker aimed at moved, and no batch failed.
      const map = await client.seatMap(eventId);
      expect(['ORCH-5-1', 'ORCH-5-2', 'ORCH-5-3'].map((id) => map.seats[id].status)).toEqual(['held', 'held', 'sold']);
      const actor = await server.booking.activations.get(eventId);
      expect(actor.stats.appendFailures).toBe(0);
    } finally {
      socket.close();
    }
  });
});
