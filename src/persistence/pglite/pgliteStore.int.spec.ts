import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventStoreContract, streamVersionsPlanContract } from '../eventStore.contract.ts';
import { DataDirInUseError } from './dataDirLock.ts';
import { openPgliteStore, type PgliteStore } from './pgliteStore.ts';

// PGlite takes seconds to start in its worker, so the contract cases share one instance, emptied before each.
let shared: Promise<PgliteStore> | undefined;
eventStoreContract('PGlite in memory', async () => {
  shared ??= openPgliteStore();
  const store = await shared;
  await store.sql.query(
    'TRUNCATE events, snapshots, snapshot_parts, catalog_events, catalog_venues, server_secrets RESTART IDENTITY CASCADE',
  );
  return { ...store, close: async () => undefined };
});
streamVersionsPlanContract('PGlite', async () => {
  shared ??= openPgliteStore();
  const store = await shared;
  await store.sql.query('TRUNCATE events RESTART IDENTITY');
  return { ...store, close: async () => undefined };
});
afterAll(async () => (await shared)?.close());

describe('PGlite on disk', () => {
  it('keeps events, snapshots and the catalog across a close and reopen, and migrates only once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-store-'));
    try {
      const first = await openPgliteStore({ dataDir });
      await first.eventStore.append('event-a', 0, [{ type: 'SeatsHeld', data: { seats: ['a1'], who: 'Zoë' } }]);
      await first.eventStore.saveSnapshot('event-a', 1, { held: 1 });
      await first.close();

      const second = await openPgliteStore({ dataDir });
      try {
        const read = await second.eventStore.readStream('event-a');
        expect(read.map((e) => [e.streamVersion, e.type, e.data])).toEqual([
          [1, 'SeatsHeld', { seats: ['a1'], who: 'Zoë' }],
        ]);
        expect(await second.eventStore.loadSnapshot('event-a')).toMatchObject({ version: 1, state: { held: 1 } });
        const next = await second.eventStore.append('event-a', 1, [{ type: 'SeatsReleased', data: {} }]);
        expect(next.lastPosition).toBeGreaterThan(read[0]!.position);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('is opened by one store at a time: a second open of the folder is refused while the first is open', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-lock-'));
    try {
      const first = await openPgliteStore({ dataDir });
      const second = openPgliteStore({ dataDir });
      await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(second).rejects.toThrow(`is in use by another seatactor server (pid ${process.pid}`);
      await first.eventStore.append('still-mine', 0, [{ type: 'Written', data: {} }]);
      await first.close();
      const third = await openPgliteStore({ dataDir });
      expect(await third.eventStore.readStream('still-mine')).toHaveLength(1);
      await third.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
