import { Counter, Gauge, type Registry } from 'prom-client';
import { instantOf } from '../../persistence/eventStore.ts';
import type { Clock } from '../../platform/clock.ts';
import type { ProjectionRunner } from './projectionRunner.ts';

/**
 * Each projection's lag on /metrics, per database (shard): settled events beyond its checkpoint, and how long ago the
 * oldest of them was decided. Read when /metrics is scraped, not on the runner's passes: `status()` counts each
 * projection's lag with a query, which a scrape every few seconds can afford and a pass every 250 ms should not pay.
 * A scrape that cannot reach the store drops both series rather than repeat an old figure (`store_up` says why).
 */
type LagSample = readonly Readonly<{
  labels: { projection: string; store: string };
  events: number;
  seconds: number;
}>[];

export const registerProjectionMetrics = (
  deps: Readonly<{ registry: Registry; runner: ProjectionRunner; clock: Clock }>,
): void => {
  const sample = async (): Promise<LagSample> => {
    const rows = await deps.runner.status();
    return Promise.all(
      rows.map(async (row) => {
        const labels = { projection: row.projection, store: String(row.store) };
        if (row.lagEvents === 0) return { labels, events: 0, seconds: 0 };
        const [oldest] = await deps.runner.stores[row.store]!.readSettled(row.checkpoint, 1);
        const seconds = oldest === undefined ? 0 : Math.max(0, deps.clock.now() - instantOf(oldest)) / 1000;
        return { labels, events: row.lagEvents, seconds };
      }),
    );
  };
  // prom-client collects every metric of a scrape at once: the two gauges share one sample per scrape.
  let scrape: Promise<LagSample | undefined> | undefined;
  const shared = (): Promise<LagSample | undefined> => {
    scrape ??= sample()
      .catch(() => undefined)
      .finally(() => {
        scrape = undefined;
      });
    return scrape;
  };
  const gauge = (name: string, help: string, value: (row: LagSample[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['projection', 'store'] as const,
      registers: [deps.registry],
      async collect() {
        const rows = await shared();
        this.reset();
        for (const row of rows ?? []) this.set(row.labels, value(row));
      },
    });
  new Counter({
    name: 'projection_batches_total',
    help: "Batches of the projection runner by where their events came from: this process's appends kept in memory, or the log (the fallback)",
    labelNames: ['source'] as const,
    registers: [deps.registry],
    collect() {
      this.reset();
      this.inc({ source: 'memory' }, deps.runner.batches.fromMemory);
      this.inc({ source: 'log' }, deps.runner.batches.fromLog);
    },
  });
  gauge(
    'projection_lag_events',
    'Settled events beyond a projection checkpoint (0 when caught up), by projection and database (shard index)',
    (row) => row.events,
  );
  gauge(
    'projection_lag_seconds',
    'How long ago the oldest settled event a projection has not applied yet was decided (0 when caught up), by projection and database (shard index)',
    (row) => row.seconds,
  );
};
