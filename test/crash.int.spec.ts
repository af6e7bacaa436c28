import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, priceTiers, venueBody } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { type ServerProcess, startServerProcess } from './support/serverProcess.ts';

// A cold start on a busy 2-core machine takes tens of seconds, and a restart right after SIGKILL on PGlite also waits
// for the killed server's DATA_DIR lock to go stale (up to ~15 s).
const readyTimeoutMs = 120_000;

type Store = { name: string; env: Record<string, string>; cleanup: () => Promise<void> | void; waitForExpiry: boolean };

const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-crash-'));
const schema = uniqueSchema('crash');
const stores: Store[] = [
  {
    name: 'embedded PGlite',
    env: { DATA_DIR: dataDir, DATABASE_URL: '' },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
    waitForExpiry: true,
  },
  {
    name: 'Postgres',
    env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema },
    cleanup: () => dropSchema(schema),
    waitForExpiry: false,
  },
];

describe.each(stores)('stopping a server mid-load on $name', { timeout: 3 * readyTimeoutMs }, (store) => {
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop('SIGKILL');
    await store.cleanup();
  });

  /** Starts a server, loads it with 40 workers and stops it with `signal` after 120 acknowledged holds. */
  const loadThenStop = async (signal: NodeJS.Signals, holdTtlSeconds = 15) => {
    const first = await startServerProcess(store.env, [], readyTimeoutMs);
    running.push(first);
    const client = api(first.baseUrl);
    const venueId = await client.createVenue(venueBody(10, 20));
    const eventId = await client.createEvent({
      venueId,
      name: 'Crash',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
      holdTtlSeconds,
    });
    const buyers = await Promise.all(Array.from({ length: 300 }, () => client.session()));

    // 40 workers hold one seat each per request from a shared pool, until the server dies under them.
    const acknowledged = new Map<string, { seatId: string; expiresAt: string }>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed && next < buyers.length) {
        const i = next++;
        const seatId = `ORCH-${(Math.floor(i / 20) % 10) + 1}-${(i % 20) + 1}`;
        try {
          const reply = await client.hold(eventId, buyers[i]!.token, { seatIds: [seatId], requestId: `crash-${i}` });
          if (reply.status === 201) acknowledged.set(reply.body.holdId, { seatId, expiresAt: reply.body.expiresAt });
        } catch {
          // The connection died with the server: the outcome is unknown, and nothing was acknowledged.
        }
        if (acknowledged.size >= 120 && !killed) {
          killed = true;
          first.child.kill(signal);
        }
      }
    };
    const exited = once(first.child, 'exit');
    await Promise.all(Array.from({ length: 40 }, worker));
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(120);
    const [exitCode] = await exited;
    return { eventId, acknowledged, exitCode: exitCode as number | null };
  };

  it('keeps every acknowledged hold through the crash, and still expires it on time', async () => {
    const { eventId, acknowledged } = await loadThenStop('SIGKILL');

    const second = await startServerProcess(store.env, [], readyTimeoutMs);
    running.push(second);
    const map = await api(second.baseUrl).seatMap(eventId);
    const lost = [...acknowledged.values()].filter(({ seatId }) => map.seats[seatId].status !== 'held');
    expect(lost, `acknowledged holds lost in the crash`).toEqual([]);

    if (store.waitForExpiry) {
      const latest = Math.max(...[...acknowledged.values()].map(({ expiresAt }) => Date.parse(expiresAt)));
      // The server runs on the system clock: every hold is swept within a few seconds of its expiry.
      const stillHeld = async () => {
        const after = await api(second.baseUrl).seatMap(eventId);
        return Object.values(after.seats as Record<string, { status: string }>).filter(
          (seat) => seat.status === 'held',
        );
      };
      await expect.poll(stillHeld, { timeout: Math.max(0, latest - Date.now()) + 5_000, interval: 250 }).toEqual([]);
    }
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('drains on SIGTERM mid-load: exits 0, and every acknowledged hold is there after the restart', async () => {
    // Nothing here waits for expiry, so the holds outlive a slow restart on a busy machine.
    const { eventId, acknowledged, exitCode } = await loadThenStop('SIGTERM', 300);
    expect(exitCode).toBe(0);
    const next = await startServerProcess(store.env, [], readyTimeoutMs);
    running.push(next);
    const map = await api(next.baseUrl).seatMap(eventId);
    const lost = [...acknowledged.values()].filter(({ seatId }) => map.seats[seatId].status !== 'held');
    expect(lost, 'acknowledged holds lost in the drain').toEqual([]);
  });
});
