import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, StoreConfig } from '../src/app/startServer.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

const schema = uniqueSchema('booking');
const stores: [string, StoreConfig][] = [
  ['embedded PGlite', { kind: 'pglite', dataDir: undefined }],
  ['Postgres', { kind: 'postgres', url: databaseUrl, schema }],
];

/** A small deterministic generator, so a failing run can be repeated from its seed. */
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

describe.each(stores)('booking over REST on %s', (_name, store) => {
  let server: RunningServer;
  let client: ReturnType<typeof api>;
  let venueId: string;

  beforeAll(async () => {
    server = (await startTestServer({ store })).server;
    client = api(`http://127.0.0.1:${server.port}`);
    venueId = await client.createVenue(venueBody(10, 20));
  });

  afterAll(async () => {
    await server?.drain();
    if (store.kind === 'postgres') await dropSchema(schema);
  });

  it('grants each seat to at most one of 200 buyers holding overlapping seats at once, and the map shows exactly the acknowledged holds', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Flash', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const seed = Number(process.env.SIM_SEED ?? 7);
    const random = seeded(seed);
    const hotSeats = Array.from({ length: 40 }, (_, i) => `ORCH-${Math.floor(i / 20) + 1}-${(i % 20) + 1}`);
    const buyers = await Promise.all(Array.from({ length: 200 }, () => client.session()));
    const attempts = buyers.map((buyer, i) => {
      const first = hotSeats[Math.floor(random() * hotSeats.length)]!;
      let second = hotSeats[Math.floor(random() * hotSeats.length)]!;
      if (second === first) second = hotSeats[(hotSeats.indexOf(first) + 1) % hotSeats.length]!;
      return { buyer, seatIds: [first, second], requestId: `flash-${i}` };
    });
    const replies = await Promise.all(
      attempts.map((attempt) =>
        client.hold(eventId, attempt.buyer.token, { seatIds: attempt.seatIds, requestId: attempt.requestId }),
      ),
    );
    const granted = new Map<string, string>();
    for (const [i, reply] of replies.entries()) {
      if (reply.status === 201) {
        for (const seatId of reply.body.seatIds as string[]) {
          expect(granted.has(seatId), `seed ${seed}: ${seatId} granted twice`).toBe(false);
          granted.set(seatId, attempts[i]!.buyer.userId);
        }
      } else {
        expect(reply.status).toBe(409);
        expect(['SEAT_UNAVAILABLE']).toContain(reply.body.error.code);
      }
    }
    expect(granted.size).toBeGreaterThan(0);
    const map = await client.seatMap(eventId);
    const held = Object.entries(map.seats as Record<string, { status: string }>).filter(
      ([, seat]) => seat.status === 'held',
    );
    expect(held.map(([seatId]) => seatId).sort()).toEqual([...granted.keys()].sort());
  });

  it('answers a retried request with the first answer and changes nothing', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Retry', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const buyer = await client.session();
    const body = { seatIds: ['ORCH-5-5', 'ORCH-5-6'], requestId: 'retry-me' };
    const first = await client.hold(eventId, buyer.token, body);
    const versionAfterFirst = (await client.seatMap(eventId)).version;
    const second = await client.hold(eventId, buyer.token, body);
    expect(first.status).toBe(201);
    expect(second).toEqual(first);
    expect((await client.seatMap(eventId)).version).toBe(versionAfterFirst);
    // A GA hold and a best-available hold retry the same way.
    const ga = { sectionId: 'FLOOR', quantity: 2, requestId: 'ga-1' };
    expect(await client.hold(eventId, buyer.token, ga)).toEqual(await client.hold(eventId, buyer.token, ga));
    expect((await client.seatMap(eventId)).general.FLOOR.available).toBe(98);
  });

  it('releases a hold for its holder only, and returns the seats to sale', async () => {
    const eventId = await client.createEvent({
      venueId,
      name: 'Release',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
    });
    const [alice, bob] = [await client.session(), await client.session()];
    const held = await client.hold(eventId, alice.token, {
      bestAvailable: { quantity: 3, priceTier: 'S' },
      requestId: 'b1',
    });
    expect(held.status).toBe(201);
    expect(held.body.seatIds).toHaveLength(3);
    expect((await client.release(held.body.holdId, bob.token)).body.error.code).toBe('FORBIDDEN');
    expect((await client.release(held.body.holdId, alice.token)).status).toBe(204);
    const map = await client.seatMap(eventId);
    for (const seatId of held.body.seatIds) expect(map.seats[seatId].status).toBe('available');
  });

  it('expires a hold nobody touches after its TTL, with no read needed', async () => {
    const eventId = await client.createEvent({
      venueId,
      name: 'Expiry',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
      holdTtlSeconds: 10,
    });
    const buyer = await client.session();
    const held = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-9-1'], requestId: 'e1' });
    expect(held.status).toBe(201);
    const actor = await server.booking.activations.get(eventId);
    const versionBefore = actor.version;
    // The actor's own timer appends HoldExpired; we watch the version, not the (lazily expiring) seat map.
    await expect.poll(() => actor.version, { timeout: 13_000, interval: 200 }).toBe(versionBefore + 1);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(held.body.expiresAt));
    expect((await client.seatMap(eventId)).seats['ORCH-9-1'].status).toBe('available');
  });

  it('answers bad input with a 4xx and a stable code, and keeps serving', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Bad', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const buyer = await client.session();
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [client.hold(eventId, buyer.token, { seatIds: ['NOPE-1'], requestId: 'x1' }), 404, 'NOT_FOUND'],
      [client.hold('evt_missing', buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'x2' }), 404, 'NOT_FOUND'],
      [client.hold(eventId, buyer.token, { seatIds: 'ORCH-1-1', requestId: 'x3' }), 400, 'INVALID_INPUT'],
      [client.hold(eventId, `${buyer.token}x`, { seatIds: ['ORCH-1-1'], requestId: 'x4' }), 401, 'UNAUTHORIZED'],
      [client.hold(eventId, buyer.token, { sectionId: 'FLOOR', quantity: 6, requestId: 'x5' }), 409, 'HOLD_LIMIT'],
      [
        client.call(
          'POST',
          '/v1/events',
          { venueId: 'ven_missing', name: 'x', startsAt: '2027-01-01T20:00:00Z', priceTiers },
          adminToken,
        ),
        404,
        'NOT_FOUND',
      ],
      [client.call('POST', '/v1/venues', venueBody(1, 1), buyer.token), 403, 'FORBIDDEN'],
      [client.release('evt_missing.hold_x', buyer.token), 404, 'HOLD_NOT_FOUND'],
    ];
    for (const [reply, status, code] of cases) {
      const { status: actual, body } = await reply;
      expect({ actual, code: body.error.code }).toEqual({ actual: status, code });
    }
    expect((await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'ok' })).status).toBe(201);
  });
});
