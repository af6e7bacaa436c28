import { Redis } from 'ioredis';
import type { ActivationOptions, ReleaseReason } from '../actors/activations.ts';
import { createActorMetrics } from '../actors/actorMetrics.ts';
import type { CommittedBatch, EventActor } from '../actors/eventActor.ts';
import type { SeatMapCacheOptions } from '../actors/seatMapCache.ts';
import { type HoldMode, openHoldMode } from '../baselines/holdMode.ts';
import { Forwarder } from '../cluster/forwarding.ts';
import type { Placement } from '../cluster/placement.ts';
import { openPushAdapter } from '../cluster/pushAdapter.ts';
import { BookingError } from '../domain/bookingError.ts';
import { createAdmissionStage } from '../frontDoor/admission.ts';
import { createReadBudget, type ReadBudgetOptions } from '../frontDoor/readBudget.ts';
import { type AuthOptions, createAuth, loadOrCreateSessionSecret } from '../gateway/auth.ts';
import { startMetricsServer } from '../gateway/metricsServer.ts';
import { registerClusterRoutes } from '../gateway/rest/clusterRoutes.ts';
import {
  clusterBuyerItems,
  createRestForward,
  forwardedHolds,
  forwardedQueue,
  forwardedWaitlist,
  remoteDiffsOf,
  remoteOf,
} from '../gateway/rest/forwarding.ts';
import { registerMeRoutes } from '../gateway/rest/meRoutes.ts';
import { registerNotificationRoutes } from '../gateway/rest/notificationRoutes.ts';
import { registerOrderRoutes } from '../gateway/rest/orderRoutes.ts';
import { registerQueueRoutes } from '../gateway/rest/queueRoutes.ts';
import { registerRiskRoutes } from '../gateway/rest/riskRoutes.ts';
import type { RestRateLimit } from '../gateway/rest/routes.ts';
import { registerWaitlistRoutes } from '../gateway/rest/waitlistRoutes.ts';
import { buildFrontDoor, type Gateway, startGateway } from '../gateway/server.ts';
import { withRemoteSeatMaps } from '../gateway/socket/remoteSeatMaps.ts';
import { attachSocketServer, type SocketOptions, type SocketServer } from '../gateway/socket/socketServer.ts';
import { registerWebRoutes } from '../gateway/web/webAssets.ts';
import { type Fence, HeldEpochs } from '../persistence/fence.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { openPgliteStore } from '../persistence/pglite/pgliteStore.ts';
import { openPostgresStore } from '../persistence/postgres/postgresStore.ts';
import { type Store, shardedStore } from '../persistence/shardedStore.ts';
import type { Clock } from '../platform/clock.ts';
import { systemClock } from '../platform/clock.ts';
import { createLogger, type Logger, type LogLevel } from '../platform/logger.ts';
import { createMetrics, type GatewayMetrics } from '../platform/metrics.ts';
import { createStoreMetrics } from '../platform/storeMetrics.ts';
import { createAdmissionTokens, loadOrCreateAdmissionSecret } from '../services/admissionTokens.ts';
import { startAutoEngage } from '../services/autoEngage.ts';
import { type BookingCore, createBookingCore } from '../services/bookingCore.ts';
import type { SocketHolds } from '../services/bookingService.ts';
import { createBuyerItems, LiveHolders } from '../services/buyerItems.ts';
import { outboxOf } from '../services/notifications/outboxOf.ts';
import { startPrewarm } from '../services/prewarm.ts';
import type { ProjectionRunner } from '../services/projections/projectionRunner.ts';
import { createQueueMetrics } from '../services/queueMetrics.ts';
import { createQueueService, type QueueService } from '../services/queueService.ts';
import { createWaitlistService, type WaitlistService } from '../services/waitlistService.ts';
import { type AntibotConfig, startAntibot } from './antibot.ts';
import { type ClusterConfig, ownerLookup, startPlacement } from './cluster.ts';
import { type NotificationsConfig, startNotifications } from './notifications.ts';
import { type OrderServices, type PaymentsConfig, startPayments } from './payments.ts';
import { type ReadSide, type ReadSideConfig, startReadSide } from './readSide.ts';
import { monitorStore } from './storeHealth.ts';

export type StoreConfig =
  | Readonly<{ kind: 'pglite'; dataDir: string | undefined }>
  | Readonly<{ kind: 'postgres'; url: string; schema?: string; fence?: Fence }>
  | Readonly<{ kind: 'memory' }>
  /** Several Postgres databases: each event lives on one, chosen by a stable hash of its id. */
  | Readonly<{ kind: 'sharded'; shards: readonly StoreConfig[] }>;

export type ServerConfig = Readonly<{
  host: string;
  port: number;
  store: StoreConfig;
  adminToken: string;
  /** HS256 key of buyer sessions; unset: generated once and kept in the store, so sessions survive a restart. */
  jwtSecret?: string;
  logLevel: LogLevel;
  clock?: Clock;
  logger?: Logger;
  actor?: ActivationOptions['actor'];
  /** How often a seat map may be rendered (share of time, longest wait for a newer one), and a render listener. */
  seatMapCache?: Pick<SeatMapCacheOptions, 'renderShareMax' | 'frameSpacingMaxMs' | 'onRendered'>;
  /** Session lifetime and renewal grace (defaults: 12 h, 7 days). */
  sessions?: Pick<AuthOptions, 'sessionTtlSeconds' | 'renewalGraceSeconds'>;
  /** socket.io limits (rate limit per connection, diffs remembered for resync). */
  socket?: SocketOptions;
  /** REST rate limit per client address (default 100 requests per second). */
  restRateLimit?: RestRateLimit;
  /** Full seat maps per client address, REST and sockets together: reads under way, bytes per second. */
  readBudget?: ReadBudgetOptions;
  /** Serves the live seat-map page at `/` (bundled with esbuild at start); default true. */
  web?: boolean;
  /** Default: the simulated provider. */
  payments?: PaymentsConfig;
  /** Ed25519 PKCS#8 (PEM or base64); unset: generated once and kept in the store. */
  ticketSigningKey?: string;
  /** Serves `GET /metrics` without a token on this port too (0 picks one); unset, only the admin's /metrics on `port`. */
  metricsPort?: number;
  /** The outbox and its channels (e-mail over SMTP when configured); default: outbox on, socket pushes only. */
  notifications?: NotificationsConfig;
  /** Who answers socket holds: the actors (default) or a benchmark baseline (src/baselines/, docs/benchmarks.md). */
  holdMode?: HoldMode;
  /**
   * Waiting rooms: how often positions are pushed (default 1,000 ms, on the clock), and how long a room engaged by load
   * must stay calm before it is released (default 30 s).
   */
  queue?: Readonly<{ tickMs?: number; calmSeconds?: number }>;
  /**
   * The anti-bot stages (proof of work, per-person limits); absent: off. src/main.ts turns them on unless ANTIBOT=off;
   * integration tests that are not about them leave them out (startTestServer).
   */
  antibot?: AntibotConfig;
  /** The projections' background catch-up (issue #13). */
  readSide?: ReadSideConfig;
  /** Redis, for what every node shares (spent proof-of-work solutions, per-person budgets); absent: kept in memory. */
  redisUrl?: string;
  /** What this deployment's Redis keys start with (every node of one cluster the same). Default `seatactor:`. */
  redisKeyPrefix?: string;
  /** Requests one buyer may make per second over all their sockets and REST together (default 50). */
  userRequestsPerSecondMax?: number;
  /** The window that budget is averaged over (default 1 s). */
  userRequestsWindowSeconds?: number;
  /** Cluster mode (needs `redisUrl` and a Postgres store); absent: one node serves every event. */
  cluster?: ClusterConfig;
}>;

export type RunningServer = Readonly<{
  port: number;
  /** Where `GET /metrics` is served without a token, when `metricsPort` was set. */
  metricsPort?: number;
  booking: BookingCore;
  gateway: Gateway;
  /** socket.io on the gateway's app; `sockets.notifyUser` pushes to one buyer's sockets. */
  sockets: SocketServer;
  /** Orders, payments, tickets and check-ins. */
  orders: OrderServices;
  /** Waiting rooms: joins, reads and pushes. */
  queue: QueueService;
  /** Waitlists: joins, reads, leaves and the offer and position pushes. */
  waitlist: WaitlistService;
  /** The projections' runner (status, catch-up, rebuild). */
  projections: ProjectionRunner;
  logger: Logger;
  /** Stops taking requests, lets in-flight batches commit, closes the store. */
  drain(): Promise<void>;
}>;

/** `onLockLost`: the embedded store lost its lock on DATA_DIR and stopped writing (pgliteStore.ts). */
export const openStore = async (config: StoreConfig, onLockLost?: (error: Error) => void): Promise<Store> => {
  switch (config.kind) {
    case 'pglite':
      return openPgliteStore({
        ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
        ...(onLockLost === undefined ? {} : { onLockLost }),
      });
    case 'postgres':
      return openPostgresStore({
        connectionString: config.url,
        ...(config.schema === undefined ? {} : { schema: config.schema }),
        ...(config.fence === undefined ? {} : { fence: config.fence }),
      });
    case 'memory':
      return openInMemoryStore();
    case 'sharded': {
      const opened = await Promise.allSettled(config.shards.map((shard) => openStore(shard)));
      const shards = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failed = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed !== undefined) {
        await Promise.all(shards.map((shard) => shard.close()));
        throw failed.reason;
      }
      return shardedStore(shards);
    }
    default: {
      const _exhaustive: never = config;
      throw new Error(`unknown store ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/**
 * The store, watched (storeHealth.ts): everything reaches it through the monitor, so every call it cannot answer is
 * counted, readiness follows its health, and going down or coming back is logged once.
 */
const openWatchedStore = async (
  config: StoreConfig,
  deps: Readonly<{ clock: Clock; logger: Logger; metrics: GatewayMetrics; storeBack: () => void }>,
) => {
  const storeMetrics = createStoreMetrics(deps.metrics.registry);
  return monitorStore({
    store: await openStore(config, (error) =>
      deps.logger.fatal({ err: error }, 'lost the lock on DATA_DIR: this server stopped writing; restart it'),
    ),
    clock: deps.clock,
    onChange: (up, cause) => {
      storeMetrics.up(up);
      if (!up) {
        deps.logger.error({ err: cause }, 'the store is unavailable: not ready, answering UNAVAILABLE');
        return;
      }
      deps.logger.warn('the store answers again: ready');
      deps.storeBack();
    },
    onUnavailable: storeMetrics.unavailable,
  });
};

/** The store config with every Postgres append fenced by `fence` (cluster mode); the embedded stores cannot be. */
const withFence = (store: StoreConfig, fence: Fence): StoreConfig => {
  switch (store.kind) {
    case 'postgres':
      return { ...store, fence };
    case 'sharded':
      return { ...store, shards: store.shards.map((shard) => withFence(shard, fence)) };
    case 'pglite':
    case 'memory':
      throw new Error('cluster mode needs Postgres (DATABASE_URL): every node must reach the same store');
    default: {
      const _exhaustive: never = store;
      throw new Error(`unknown store ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** Wires the store, the actors and the gateway from explicit configuration (src/main.ts reads the environment). */
export const startServer = async (config: ServerConfig): Promise<RunningServer> => {
  const logger = config.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const clock = config.clock ?? systemClock;
  /** Set once the actors exist: those recovering from an outage reload as soon as the store answers again. */
  let storeBack = () => {};
  /** Set once the actors exist; closeStore stops it first. */
  let readSide: ReadSide | undefined;
  if (config.cluster !== undefined && config.redisUrl === undefined) throw new Error('cluster mode needs REDIS_URL');
  // Cluster mode: the epochs this node holds fence its appends; the placement sets them as it claims events.
  const heldEpochs = config.cluster === undefined ? undefined : new HeldEpochs();
  const { store, health } = await openWatchedStore(
    heldEpochs === undefined ? config.store : withFence(config.store, heldEpochs),
    {
      clock,
      logger,
      metrics,
      storeBack: () => storeBack(),
    },
  );
  // Shared by every node: spent proof-of-work solutions and the person's budgets (rate-limiter-flexible's Redis store),
  // and in cluster mode the leases and node heartbeats.
  const redis =
    config.redisUrl === undefined
      ? undefined
      : new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis?.connect().catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const redisKeyPrefix = config.redisKeyPrefix ?? 'seatactor:';
  if (heldEpochs !== undefined && store.ownerEpochs === undefined) {
    await store.close();
    throw new Error('cluster mode needs a store that keeps owner epochs (Postgres)');
  }
  // Cluster mode: room broadcasts cross nodes through Redis (socket.io's adapter), on two connections of its own that
  // are ready before anything is published on them (pushAdapter.ts: a publish on a connection still opening can
  // overtake the ones queued before it).
  const pushAdapter =
    config.cluster === undefined || redis === undefined
      ? undefined
      : await openPushAdapter(redis, `${redisKeyPrefix}socket.io`).catch(async (error: unknown) => {
          redis.disconnect();
          await store.close();
          throw error;
        });
  let placement: Placement | undefined;
  const actorMetrics = createActorMetrics(metrics.registry);
  // Registered before anything can activate an actor, so the buyer-recovery index sees every activation.
  const holders = new LiveHolders();
  const committedListeners = new Set<(batch: CommittedBatch) => void>([actorMetrics.observe, holders.onCommitted]);
  const activatedListeners = new Set<(actor: EventActor) => void>([
    (actor) => holders.seed(actor).catch((error: unknown) => logger.error({ err: error }, 'buyer index seed failed')),
  ]);
  const booking = createBookingCore({
    store: store.eventStore,
    catalog: store.catalog,
    clock,
    // After the actors stopped, before the store closes: the outbox dispatcher still reads and writes the store. The
    // notifications of the actors' last batches are in the outbox: delivered by a look under way, or at the next start.
    closeStore: async () => {
      await readSide?.stop();
      await notifications?.stop();
      health.stop();
      await store.close();
    },
    storeUp: health.up,
    onSoldOutRefused: () => metrics.soldOutFastRefusals.inc(),
    seatMapCache: {
      ...config.seatMapCache,
      onRendered: (form, frame) => {
        metrics.seatMapRenders.inc({ form });
        config.seatMapCache?.onRendered?.(form, frame);
      },
    },
    // The notifications of a batch are written by the batch's own append (the transactional outbox).
    actor: { ...config.actor, ...(config.notifications?.outbox === false ? {} : { outboxOf }) },
    onCommitted: (batch) => {
      for (const listener of committedListeners) listener(batch);
    },
    onActivated: (actor) => {
      for (const listener of activatedListeners) listener(actor);
    },
    onError: (error, context) => logger.error({ err: error }, context),
    ...(heldEpochs === undefined
      ? {}
      : {
          claim: async (eventId: string) => {
            if (placement === undefined)
              throw new BookingError('UNAVAILABLE', 'this node is still joining the cluster');
            await placement.claim(eventId);
          },
          released: (eventId: string, why: ReleaseReason) => placement?.released(eventId, why),
        }),
    onRecovery: (event) => {
      actorMetrics.recovery(event);
      // An append that outlived its deadline is the first sign of a hung store: check now, not at the next interval.
      if (event === 'appendTimedOut') void health.check();
    },
  });
  storeBack = () => void booking.activations.retryNow();
  // The projections read the log the actors write; started with the server, stopped before the store closes.
  readSide = startReadSide({
    stores: store.projections,
    activations: booking.activations,
    catalog: store.catalog,
    clock,
    logger,
    registry: metrics.registry,
    // In a cluster every node's pass also sees the other nodes' appends, so memory would never hold all of them: the
    // pass reads the log there (unless told otherwise), and spares the count it would pay each pass for nothing.
    config: { ownAppends: config.cluster === undefined, ...config.readSide },
  });
  const jwtSecret = config.jwtSecret ?? (await loadOrCreateSessionSecret(store.catalog));
  const auth = createAuth({
    jwtSecret,
    adminToken: config.adminToken,
    nowMs: () => clock.now(),
    ...(config.sessions === undefined ? {} : config.sessions),
  });
  const admissionTokens = createAdmissionTokens(await loadOrCreateAdmissionSecret(store.catalog), () => clock.now());
  const holdMode = await openHoldMode(config.holdMode ?? { kind: 'actor' }, booking);
  // One front door for REST and sockets: the same limits count both, and holds from either reach the same service.
  // The hybrid switch counts the holds and queue joins that reach the application, per event.
  const autoEngage = startAutoEngage({
    activations: booking.activations,
    clock,
    ...(config.queue?.calmSeconds === undefined ? {} : { calmSeconds: config.queue.calmSeconds }),
    onError: (error, context) => logger.error({ err: error }, context),
  });
  const holds = holdMode.holds ?? booking;
  const antibot =
    config.antibot === undefined
      ? undefined
      : await startAntibot(config.antibot, {
          catalog: store.catalog,
          clock,
          event: (eventId) => booking.getEvent(eventId),
          redisKeyPrefix,
          ...(redis === undefined ? {} : { redis }),
        });
  // Holds served by this node's actors (and the internal routes other nodes forward socket holds to).
  const localHolds: SocketHolds = {
    hold: (eventId, ...rest) => {
      autoEngage.observe(eventId);
      return holds.hold(eventId, ...rest);
    },
    release: (holdId, userId, requestId) => holds.release(holdId, userId, requestId),
  };
  // Cluster mode: requests for events another node owns go there, once this node has joined (placement below).
  let forwarder: Forwarder | undefined;
  const restForward = config.cluster === undefined ? undefined : createRestForward(() => forwarder);
  const frontDoor = buildFrontDoor({
    auth,
    holds: config.cluster === undefined ? localHolds : forwardedHolds(localHolds, () => forwarder),
    clock,
    readBudget: createReadBudget(config.readBudget),
    admission: createAdmissionStage(admissionTokens),
    ...(antibot === undefined
      ? {}
      : { challenge: antibot.challenge, perAddress: antibot.perAddress, risk: antibot.risk }),
    ...(redis === undefined ? {} : { limiterStore: { kind: 'redis', redis, keyPrefix: redisKeyPrefix } as const }),
    ...(config.userRequestsPerSecondMax === undefined
      ? {}
      : { userRequestsPerSecondMax: config.userRequestsPerSecondMax }),
    ...(config.userRequestsWindowSeconds === undefined
      ? {}
      : { userRequestsWindowSeconds: config.userRequestsWindowSeconds }),
    ...(config.restRateLimit === undefined ? {} : { rateLimit: config.restRateLimit }),
    ...(config.socket === undefined ? {} : { socket: config.socket }),
  });
  const gateway = await startGateway({
    host: config.host,
    port: config.port,
    booking,
    auth,
    logger,
    metrics,
    frontDoor,
    ...(config.restRateLimit === undefined ? {} : { rateLimit: config.restRateLimit }),
    ...(restForward === undefined ? {} : { forward: restForward }),
  }).catch(async (error: unknown) => {
    // A taken port: let go of the store (and its DATA_DIR lock) before saying so.
    autoEngage.stop();
    await holdMode.close();
    pushAdapter?.close();
    redis?.disconnect();
    await store.close();
    throw error;
  });
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer({
          host: config.host,
          port: config.metricsPort,
          registry: metrics.registry,
          logger,
        }).catch(async (error: unknown) => {
          gateway.close();
          autoEngage.stop();
          await holdMode.close();
          pushAdapter?.close();
          redis?.disconnect();
          await store.close();
          throw error;
        });
  const waitlist = createWaitlistService({
    activations: booking.activations,
    clock,
    onError: (error, context) => logger.error({ err: error }, context),
  });
  const queue = createQueueService({
    activations: booking.activations,
    clock,
    tokens: admissionTokens,
    metrics: createQueueMetrics(metrics.registry),
    onJoin: autoEngage.observe,
    // At a sell-out, everyone still waiting is offered the event's waitlist in the same push.
    waitlistOf: waitlist.availability,
    ...(config.queue?.tickMs === undefined ? {} : { tickMs: config.queue.tickMs }),
    onError: (error, context) => logger.error({ err: error }, context),
  });
  const sockets = attachSocketServer({
    app: gateway.app,
    booking: config.cluster === undefined ? booking : withRemoteSeatMaps(booking, () => forwarder),
    ...(pushAdapter === undefined ? {} : { adapter: pushAdapter.adapter }),
    auth,
    logger,
    clock,
    frontDoor,
    // Cluster mode: a socket's queue and waitlist requests for an event another node owns go to its internal routes.
    queue: config.cluster === undefined ? queue : forwardedQueue(queue, () => forwarder),
    waitlist: config.cluster === undefined ? waitlist : forwardedWaitlist(waitlist, () => forwarder),
    trustedProxyHops: config.restRateLimit?.trustedProxyHops ?? 0,
    ...(config.socket === undefined ? {} : { options: config.socket }),
    // Cluster mode: a subscriber resuming here gets the diffs since its version from the owner's ring.
    ...(config.cluster === undefined ? {} : { remoteDiffs: remoteDiffsOf(() => forwarder) }),
  });
  committedListeners.add(sockets.onCommitted);
  // The adapter's subscriptions are in force before this node is ready: a subscriber here gets every diff after it.
  await pushAdapter?.subscribed();
  committedListeners.add(queue.onCommitted);
  registerQueueRoutes(gateway.route, { auth, queue, frontDoor });
  registerRiskRoutes(gateway.route, {
    auth,
    event: (eventId) => booking.getEvent(eventId),
    ...(antibot === undefined ? {} : { risk: antibot.risk }),
  });
  queue.start(sockets.queuePushes);
  committedListeners.add(waitlist.onCommitted);
  registerWaitlistRoutes(gateway.route, { auth, waitlist });
  waitlist.start({
    offer: (userId, push) => sockets.notifyUser(userId, 'waitlist:offer', push),
    position: (userId, push) => sockets.notifyUser(userId, 'waitlist:position', push),
  });
  const orders = await startPayments({
    config: config.payments ?? { provider: 'simulated' },
    ticketSigningKey: config.ticketSigningKey,
    activations: booking.activations,
    clock,
    store: store.eventStore,
    catalog: store.catalog,
    logger,
    onOrderUpdated: (userId, order) => sockets.notifyUser(userId, 'order:updated', order),
  });
  committedListeners.add(orders.saga.onCommitted);
  const notifications =
    config.notifications?.outbox === false
      ? undefined
      : await startNotifications({
          config: config.notifications ?? {},
          outboxes: store.outboxes,
          contacts: store.contacts,
          catalog: store.catalog,
          signer: orders.signer,
          clock,
          logger,
          registry: metrics.registry,
          push: (userId, notification) => sockets.notifyUser(userId, 'notification', notification),
        });
  if (notifications !== undefined) {
    committedListeners.add(notifications.onCommitted);
    registerNotificationRoutes(gateway.route, {
      auth,
      vapidPublicKey: notifications.vapidPublicKey,
      deadLetters: notifications.deadLetters,
    });
  }
  if (config.cluster !== undefined && heldEpochs !== undefined && redis !== undefined && store.ownerEpochs) {
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    placement = await startPlacement(config.cluster, {
      url: `http://${host}:${gateway.port}`,
      redis,
      keyPrefix: redisKeyPrefix,
      ownerEpochs: store.ownerEpochs,
      held: heldEpochs,
      clock,
      logger,
      activations: () => booking.activations,
    });
    await placement.start();
    forwarder = new Forwarder(placement, jwtSecret);
  }
  const projected = readSide;
  const buyerItems = createBuyerItems(
    { activations: booking.activations, orderIndex: projected.orderIndex, getOrder: orders.views.getOrder },
    holders,
  );
  registerClusterRoutes(gateway.route, {
    auth,
    owner: ownerLookup(() => placement),
    eventExists: (eventId) => booking.getEvent(eventId),
    holds: localHolds,
    queue,
    waitlist,
    buyerHolds: buyerItems,
    buyerOrders: buyerItems,
    diffsSince: (eventId, sinceVersion) => sockets.diffsSince(eventId, sinceVersion),
    forward: restForward,
  });
  registerOrderRoutes(gateway.route, orders);
  projected.registerRoutes(gateway.route, auth);
  registerMeRoutes(gateway.route, {
    contacts: store.contacts,
    // Cluster mode: a buyer's holds are asked of every node (each knows the events it runs), their orders of the nodes
    // that run their events.
    items: config.cluster === undefined ? buyerItems : clusterBuyerItems(buyerItems, () => forwarder),
  });
  activatedListeners.add(orders.saga.recover);
  if (config.web !== false) await registerWebRoutes(gateway.route);
  projected.start();
  // The gateway listens before the payment and page routes exist; /readyz says ready only now.
  booking.markStarted();
  // Events whose sale opens within minutes are activated and their maps rendered before the opening.
  const prewarm = startPrewarm({
    booking,
    clock,
    // Cluster mode: only the events this node runs or is preferred for (the others' nodes warm theirs).
    ...(config.cluster === undefined
      ? {}
      : { servesHere: async (eventId: string) => (await remoteOf(() => forwarder, eventId)) === undefined }),
    onError: (error, context) => logger.error({ err: error }, context),
  });
  prewarm.first.catch((error: unknown) => logger.error({ err: error }, 'pre-warming failed'));
  let drained: Promise<void> | undefined;
  return {
    port: gateway.port,
    ...(metricsServer === undefined ? {} : { metricsPort: metricsServer.port }),
    booking,
    gateway,
    sockets,
    orders,
    queue,
    waitlist,
    projections: projected.runner,
    logger,
    drain() {
      drained ??= (async () => {
        gateway.close();
        prewarm.stop();
        autoEngage.stop();
        queue.stop();
        waitlist.stop();
        // Stops the actors, then the outbox dispatcher (closeStore above), then closes the store.
        await booking.drain();
        // After the actors: their leases are let go (the others take their events over at once), then the heartbeat.
        await placement?.stop();
        // After the actors: their last batches' diffs still reach subscribers, then every socket is closed.
        await sockets.close();
        await holdMode.close();
        pushAdapter?.close();
        redis?.disconnect();
        await metricsServer?.close();
        logger.info('drained');
      })();
      return drained;
    },
  };
};
