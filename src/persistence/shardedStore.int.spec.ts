import { afterAll, describe, expect, it } from 'vitest';
import { priceTiers, venueBody } from '../../test/support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../../test/support/postgres.ts';
import { startTestServer } from '../../test/support/testServer.ts';
import { openStore } from '../app/startServer.ts';
import { shardOf } from './shardedStore.ts';

const schemas = [uniqueSchema('shard_a'), uniqueSchema('shard_b')];
const shards = schemas.map((schema) => ({ kind: 'postgres' as const, url: databaseUrl, schema }));

describe('sharded Postgres store (two schemas standing in for two databases)', () => {
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('places a stream by a stable hash of its event id, on exactly one shard', async () => {
    // Fixed values: a placement that changed between versions would strand every event on the wrong database.
    expect(['evt_a', 'evt_b', 'evt_c', 'evt_test'].map((id) => shardOf(id, 2))).toEqual([0, 1, 0, 1]);
    expect([shardOf('evt_a', 3), shardOf('evt_MxmaPsHfjsvAwt8K', 4)]).toEqual([0, 3]);
    const store = await openStore({ kind: 'sharded', shards });
    const direct = await Promise.all(shards.map((shard) => openStore(shard)));
    try {
      const eventIds = Array.from({ length: 20 }, (_, i) => `evt_${i}`);
      for (const eventId of eventIds) {
        await store.eventStore.append(`event-${eventId}`, 0, [{ type: 'Placed', data: { eventId } }]);
        await store.eventStore.saveSnapshot(`event-${eventId}`, 1, { eventId });
      }
      const placements = new Set<number>();
      for (const eventId of eventIds) {
        const home = shardOf(eventId, 2);
        placements.add(home);
        expect(await direct[home]!.eventStore.readStream(`event-${eventId}`)).toHaveLength(1);
        expect(await direct[1 - home]!.eventStore.readStream(`event-${eventId}`)).toHaveLength(0);
        expect(await direct[1 - home]!.eventStore.loadSnapshot(`event-${eventId}`)).toBeUndefined();
        expect((await store.eventStore.readStream(`event-${eventId}`))[0]?.data).toEqual({ eventId });
        expect((await store.eventStore.loadSnapshot(`event-${eventId}`))?.state).toEqual({ eventId });
      }
      expect(placements.size).toBe(2);
      await expect(store.eventStore.readAll(0, 10)).rejects.toThrow(/spans shards/);
    } finally {
      await store.close();
      await Promise.all(direct.map((shard) => shard.close()));
    }
  });

  it('serves bookings with the catalog on the first shard and each event on its own', async () => {
    const { server, client } = await startTestServer({ store: { kind: 'sharded', shards } });
    try {
      const venueId = await client.createVenue(venueBody(2, 5));
      const events = await Promise.all(
        ['One', 'Two', 'Three', 'Four'].map((name) =>
          client.createEvent({ venueId, name, startsAt: '2027-01-01T20:00:00Z', priceTiers }),
        ),
      );
      const buyer = await client.session();
      for (const [i, eventId] of events.entries()) {
        const held = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: `r${i}` });
        expect(held.status).toBe(201);
        expect((await client.seatMap(eventId)).seats['ORCH-1-1'].status).toBe('held');
      }
    } finally {
      await server.drain();
    }
  });
});
