import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl, dropSchema, uniqueSchema } from '../../test/support/postgres.ts';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { openStore, type StoreConfig } from '../app/startServer.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';

const schema = uniqueSchema('activation');
const stores: [string, StoreConfig][] = [
  ['PGlite', { kind: 'pglite', dataDir: undefined }],
  ['Postgres', { kind: 'postgres', url: databaseUrl, schema }],
];

describe.each(stores)('snapshots on %s', (_name, config) => {
  afterAll(async () => {
    if (config.kind === 'postgres') await dropSchema(schema);
  });

  it('stores a snapshot of real inventory (holds, request ids) and activates from it', async () => {
    const store = await openStore(config);
    try {
      const venue = gridVenue();
      await store.catalog.createVenue(venue);
      await store.catalog.createEvent(eventFor(venue));
      const clock = new ManualClock();
      const errors: unknown[] = [];
      const activations = new Activations({
        store: store.eventStore,
        catalog: store.catalog,
        clock,
        actor: { snapshotPolicy: { everyEvents: 2, intervalMinMs: 0 } },
        onError: (error) => errors.push(error),
      });
      const actor = await activations.get('evt_test');
      for (let i = 1; i <= 5; i++) {
        await actor.send(
          (now) => ({
            type: 'PlaceHold',
            data: {
              holdId: `evt_test.h${i}`,
              userId: `u${i}`,
              requestId: `r${i}`,
              request: { kind: 'seats', seatIds: [`ORCH-A-${i}`] },
              now,
            },
          }),
          { userId: `u${i}`, requestId: `r${i}` },
        );
      }
      const before = await actor.seatMap();
      await actor.stop();
      expect(errors).toEqual([]);
      expect((await store.eventStore.loadSnapshot('event-evt_test'))?.version).toBe(5);
      const again = await new Activations({ store: store.eventStore, catalog: store.catalog, clock }).get('evt_test');
      expect(await again.seatMap()).toEqual(before);
      await again.stop();
    } finally {
      await store.close();
    }
  });
});
