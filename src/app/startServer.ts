import type { Clock } from '../actors/clock.ts';
import { systemClock } from '../actors/clock.ts';
import type { CommittedBatch } from '../actors/eventActor.ts';
import { createAuth } from '../gateway/auth.ts';
import { type Logger, type LogLevel, createLogger } from '../gateway/logger.ts';
import { createMetrics } from '../gateway/metrics.ts';
import { type Gateway, startGateway } from '../gateway/server.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { openPgliteStore } from '../persistence/pglite/pgliteStore.ts';
import { openPostgresStore } from '../persistence/postgres/postgresStore.ts';
import { type BookingCore, createBookingCore } from './bookingCore.ts';

export type StoreConfig =
  | Readonly<{ kind: 'pglite'; dataDir: string | undefined }>
  | Readonly<{ kind: 'postgres'; url: string; schema?: string }>
  | Readonly<{ kind: 'memory' }>;

export type ServerConfig = Readonly<{
  host: string;
  port: number;
  store: StoreConfig;
  adminToken: string;
  jwtSecret: string;
  logLevel: LogLevel;
  clock?: Clock;
  logger?: Logger;
  actor?: Readonly<{ mailboxLengthMax?: number; batchSizeMax?: number; snapshotEveryEvents?: number; sweepIntervalMs?: number }>;
}>;

export type RunningServer = Readonly<{
  port: number;
  booking: BookingCore;
  gateway: Gateway;
  logger: Logger;
  /** Stops taking requests, lets in-flight batches commit, closes the store. */
  drain(): Promise<void>;
}>;

export const openStore = async (config: StoreConfig): Promise<{ eventStore: EventStore; catalog: Catalog; close: () => Promise<void> }> => {
  switch (config.kind) {
    case 'pglite':
      return openPgliteStore(config.dataDir === undefined ? {} : { dataDir: config.dataDir });
    case 'postgres':
      return openPostgresStore({ connectionString: config.url, ...(config.schema === undefined ? {} : { schema: config.schema }) });
    case 'memory':
      return openInMemoryStore();
    default: {
      const _exhaustive: never = config;
      throw new Error(`unknown store ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** Wires the store, the actors and the gateway from explicit configuration (src/main.ts reads the environment). */
export const startServer = async (config: ServerConfig): Promise<RunningServer> => {
  const logger = config.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const store = await openStore(config.store);
  const committedListeners = new Set<(batch: CommittedBatch) => void>();
  const booking = createBookingCore({
    store: store.eventStore,
    catalog: store.catalog,
    clock: config.clock ?? systemClock,
    closeStore: store.close,
    ...(config.actor === undefined ? {} : { actor: config.actor }),
    onCommitted: (batch) => {
      for (const listener of committedListeners) listener(batch);
    },
    onError: (error, context) => logger.error({ err: error }, context),
  });
  const auth = createAuth({ jwtSecret: config.jwtSecret, adminToken: config.adminToken });
  const gateway = await startGateway({ host: config.host, port: config.port, booking, auth, logger, metrics });
  let drained: Promise<void> | undefined;
  return {
    port: gateway.port,
    booking,
    gateway,
    logger,
    drain() {
      drained ??= (async () => {
        gateway.close();
        await booking.drain();
        logger.info('drained');
      })();
      return drained;
    },
  };
};
