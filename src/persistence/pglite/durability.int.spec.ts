import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from './pgliteStore.ts';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const streams = Array.from({ length: 40 }, (_, i) => `power-${i}`);

describe('PGlite on disk, when the power goes', () => {
  // Two PGlite starts on new folders (each flushes 40 MB the first time): tens of seconds on a loaded machine.
  it('keeps every append it acknowledged, because each was flushed to the disk before it was answered', {
    timeout: 180_000,
  }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'seatactor-power-'));
    // powerLossFixture.mjs keeps `${dataDir}.disk`: only what was flushed, as the disk would hold it after a power cut.
    const disk = `${dataDir}.disk`;
    cleanup.push(dataDir, disk, `${dataDir}.staging`);
    let worker: Worker | undefined;
    const store = await openPgliteStore({
      dataDir,
      workerUrl: new URL('./powerLossFixture.mjs', import.meta.url),
      onWorker: (started) => (worker = started),
    });
    const acknowledged: { stream: string; version: number }[] = [];
    const append = async (stream: string, version: number) => {
      await store.eventStore.append(stream, version - 1, [{ type: 'Held', data: { stream, version } }]);
      acknowledged.push({ stream, version });
    };

    // Three rounds, each followed by a WAL switch and a checkpoint: the checkpoint writes the tables' pages, and the
    // WAL segments before it are recycled, which the disk sees at once; what was appended before is then only on
    // the disk if the checkpoint flushed those pages.
    for (const version of [1, 2, 3]) {
      await Promise.all(streams.map((stream) => append(stream, version)));
      await store.sql.query('SELECT pg_switch_wal()');
      await store.sql.query('CHECKPOINT');
    }
    // The last round is cut off: the worker stops (the power goes) as soon as the first of its appends is answered.
    const lastRound = streams.map((stream) =>
      append(stream, 4).then(
        () => worker?.terminate(),
        () => undefined,
      ),
    );
    await Promise.all(lastRound);
    await store.close();
    expect(acknowledged.length).toBeGreaterThan(3 * streams.length);

    // What the disk kept, opened as the server would after the power came back (Postgres replays its WAL). The
    // data folder's lock went to the disk too, naming this process, which is alive: it is let go, as a restart after a
    // power cut finds its owner gone.
    await rm(join(disk, 'seatactor.lock'), { recursive: true, force: true });
    const recovered = await openPgliteStore({ dataDir: disk });
    try {
      const found: { stream: string; version: number }[] = [];
      for (const stream of streams)
        for (const event of await recovered.eventStore.readStream(stream))
          found.push({ stream, version: event.streamVersion });
      expect(found).toEqual(expect.arrayContaining(acknowledged));
    } finally {
      await recovered.close();
    }
  });
});
