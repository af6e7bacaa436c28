import type { Registry } from 'prom-client';
import type { Activations } from '../actors/activations.ts';
import { projections } from '../domain/projections/index.ts';
import type { Auth } from '../gateway/auth.ts';
import { registerReadRoutes } from '../gateway/rest/readRoutes.ts';
import type { Route } from '../gateway/rest/routes.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { OrderIndex } from '../persistence/orderIndex.ts';
import type { ProjectionStore } from '../persistence/projectionStore.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { createEventStats } from '../services/projections/eventStats.ts';
import { registerProjectionMetrics } from '../services/projections/projectionMetrics.ts';
import { ProjectionRunner } from '../services/projections/projectionRunner.ts';
import { createReadModels, projectedOrderIndex } from '../services/projections/readModels.ts';

export type ReadSideConfig = Readonly<{
  /**
   * How often the projections are caught up in the background (default 250 ms); 0: never in the background. They
   * always catch up when read.
   */
  intervalMs?: number;
  /** Events per projection transaction (default 1,000). */
  batchSizeMax?: number;
  /**
   * The pass takes the appends of this process from memory when the log has no other settled event after its
   * checkpoint, and reads the log otherwise (default true; ProjectionRunnerOptions.ownAppends).
   */
  ownAppends?: boolean;
}>;

export type ReadSide = Readonly<{
  runner: ProjectionRunner;
  /** The buyers' orders, from the buyers projection (GET /v1/me/orders). */
  orderIndex: OrderIndex;
  registerRoutes: (route: Route, auth: Auth) => void;
  /** Starts the background catch-up. */
  start: () => void;
  /** Stops the background catch-up and waits for a pass under way, before the store closes. */
  stop: () => Promise<void>;
}>;

/** The projections, their runner and the services and routes they serve (issue #13); `start` begins catching up. */
export const startReadSide = (
  deps: Readonly<{
    stores: readonly ProjectionStore[];
    activations: Activations;
    catalog: Catalog;
    clock: Clock;
    logger: Logger;
    /** Where each projection's lag is published (/metrics), read at every scrape. */
    registry: Registry;
    config?: ReadSideConfig;
  }>,
): ReadSide => {
  const runner = new ProjectionRunner({
    stores: deps.stores,
    projections,
    clock: deps.clock,
    ...(deps.config?.intervalMs === undefined ? {} : { intervalMs: deps.config.intervalMs }),
    ...(deps.config?.batchSizeMax === undefined ? {} : { batchSizeMax: deps.config.batchSizeMax }),
    onError: (error, context) => deps.logger.error({ err: error }, context),
    // The actors write in this process: their appends feed the pass from memory (the log stays the fallback).
    ownAppends: deps.config?.ownAppends ?? true,
  });
  registerProjectionMetrics({ registry: deps.registry, runner, clock: deps.clock });
  const stats = createEventStats({ activations: deps.activations, catalog: deps.catalog, runner });
  const reads = createReadModels({ activations: deps.activations, catalog: deps.catalog, runner });
  return {
    runner,
    orderIndex: projectedOrderIndex(runner),
    registerRoutes: (route, auth) => registerReadRoutes(route, { auth, stats, reads }),
    start: () => runner.start(),
    stop: () => runner.stop(),
  };
};
