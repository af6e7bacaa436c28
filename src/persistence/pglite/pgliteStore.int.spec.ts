import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventStoreContract, streamVersionsPlanContract } from '../eventStore.contract.ts';
import { DataDirInUseError, dataDirLockStaleMs } from './dataDirLock.ts';
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

  it('is opened by one store at a time: a second open of the folder is refused at once while the first is open', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-lock-'));
    try {
      const first = await openPgliteStore({ dataDir });
      const startedMs = performance.now();
      const second = openPgliteStore({ dataDir });
      await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(second).rejects.toThrow(`is in use by another seatactor server (pid ${process.pid}`);
      // The owner is alive on this machine, so the refusal does not wait for the lock to go stale.
      expect(performance.now() - startedMs).toBeLessThan(dataDirLockStaleMs / 2);
      await first.eventStore.append('still-mine', 0, [{ type: 'Written', data: {} }]);
      await first.close();
      const third = await openPgliteStore({ dataDir });
      expect(await third.eventStore.readStream('still-mine')).toHaveLength(1);
      await third.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('takes over a lock left by a server that died (kill -9): its owner is gone and its heartbeat stale', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-stale-'));
    try {
      const lockDir = join(dataDir, 'seatactor.lock');
      mkdirSync(lockDir);
      const deadPid = spawnSync('true').pid;
      writeFileSync(join(dataDir, 'seatactor.owner.json'), JSON.stringify({ pid: deadPid, host: hostname() }));
      const lastHeartbeat = new Date(Date.now() - dataDirLockStaleMs - 1_000);
      utimesSync(lockDir, lastHeartbeat, lastHeartbeat);
      const store = await openPgliteStore({ dataDir });
      await store.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
