import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { banner, browserUrl } from './app/banner.ts';
import { demoEventId, seedDemoWhenEmpty } from './app/demoSeed.ts';
import { ConfigError, countOf, switchOf, wholeNumberOf } from './app/envValues.ts';
import type { PaymentsConfig } from './app/payments.ts';
import { type ServerConfig, type StoreConfig, startServer } from './app/startServer.ts';
import { storeConfigOf } from './app/storeConfig.ts';
import { type HoldMode, holdModeNames } from './baselines/holdMode.ts';
import { restRequestsPerSecondMaxDefault } from './frontDoor/limits.ts';
import { parseTrustedProxyHops } from './gateway/clientAddress.ts';
import { PortInUseError } from './gateway/server.ts';
import { DataDirInUseError } from './persistence/pglite/dataDirLock.ts';
import { createLogger, type LogLevel, terminalDestination } from './platform/logger.ts';

/**
 * The composition root: the one place that reads the environment. Everything below takes its configuration
 * as arguments, so tests start the same server in-process with their own.
 */
const env = process.env;

// A setting the server cannot start with is an operator's mistake: its one sentence and exit 1, no stack trace. Only
// while the environment is read (below, before the server starts); removed after.
const onConfigError = (error: Error): void => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${error.stack ?? error}\n`);
  process.exit(1);
};
process.on('uncaughtException', onConfigError);

const storeFromEnv = (): StoreConfig => storeConfigOf(env);

/** For the banner: where the data lives, never the credentials in a URL. */
const describeStore = (store: StoreConfig): string => {
  if (store.kind === 'pglite') return `${path.resolve(store.dataDir ?? './data')} (embedded PGlite)`;
  if (store.kind === 'sharded') return `Postgres, ${store.shards.length} shards (DATABASE_URL)`;
  return store.kind === 'postgres' ? 'Postgres (DATABASE_URL)' : 'in memory';
};

const paymentsFromEnv = (): PaymentsConfig => {
  const provider = env.PAYMENT_PROVIDER ?? 'simulated';
  if (provider === 'simulated') return { provider };
  if (provider !== 'stripe') throw new ConfigError(`PAYMENT_PROVIDER must be simulated or stripe, not ${provider}`);
  if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET)
    throw new ConfigError('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
  return {
    provider,
    secretKey: env.STRIPE_SECRET_KEY,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    ...(env.STRIPE_API_BASE ? { apiBase: env.STRIPE_API_BASE } : {}),
    ...(env.STRIPE_PUBLISHABLE_KEY ? { publishableKey: env.STRIPE_PUBLISHABLE_KEY } : {}),
    ...(env.STRIPE_JS_URL ? { jsUrl: env.STRIPE_JS_URL } : {}),
  };
};

/** BENCH_HOLD_MODE picks a benchmark baseline (docs/benchmarks.md); its seats table lives in BENCH_BASELINE_SCHEMA. */
const holdModeFromEnv = (): HoldMode => {
  const name = env.BENCH_HOLD_MODE || 'actor';
  if (!(holdModeNames as readonly string[]).includes(name))
    throw new ConfigError(`BENCH_HOLD_MODE must be one of ${holdModeNames.join(', ')}`);
  if (name === 'actor' || name === 'ceiling') return { kind: name };
  const url = env.DATABASE_URL?.split(',')[0]?.trim();
  if (!url) throw new ConfigError(`BENCH_HOLD_MODE=${name} needs DATABASE_URL`);
  const schema = env.BENCH_BASELINE_SCHEMA || env.DATABASE_SCHEMA;
  const database = { url, ...(schema ? { schema } : {}) };
  if (name === 'optimistic') return { kind: 'optimistic', database };
  return { kind: 'redisLock', database, redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379' };
};

/** REST requests one client address may make per second; TRUST_PROXY (hops) reads the client from X-Forwarded-For. */
const restRateLimit = {
  requestsPerSecondMax:
    countOf('REST_REQUESTS_PER_SECOND_MAX', env.REST_REQUESTS_PER_SECOND_MAX) ?? restRequestsPerSecondMaxDefault,
  trustedProxyHops: parseTrustedProxyHops(env.TRUST_PROXY),
};

/** Full seat maps per client address (REST and socket subscribes): reads under way, bytes per second. */
const readsPerAddressMax = countOf('SEATMAP_READS_PER_ADDRESS_MAX', env.SEATMAP_READS_PER_ADDRESS_MAX);
const bytesPerSecondMax = countOf('SEATMAP_BYTES_PER_SECOND_MAX', env.SEATMAP_BYTES_PER_SECOND_MAX);
const readBudget = {
  ...(readsPerAddressMax === undefined ? {} : { inFlightPerClientMax: readsPerAddressMax }),
  ...(bytesPerSecondMax === undefined ? {} : { bytesPerSecondPerClientMax: bytesPerSecondMax }),
};

/** Socket requests one connection may make per second (default in the socket server); load tests raise it. */
const socketRequestsPerSecondMax = countOf('SOCKET_REQUESTS_PER_SECOND_MAX', env.SOCKET_REQUESTS_PER_SECOND_MAX);

// A person at a terminal gets a banner and readable logs; a pipe or a file gets JSON lines only.
const terminal = process.stdout.isTTY === true;
const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
const logger = createLogger(logLevel, terminal ? terminalDestination() : undefined);

/** METRICS_PORT: `GET /metrics` without a token on a port of its own (keep it off the public network). */
const metricsPort = wholeNumberOf('METRICS_PORT', env.METRICS_PORT, { max: 65_535, meaning: 'a port' });

/** APPENDS_IN_FLIGHT_MAX: batches per event whose appends may be in flight at once (pipelining; docs/architecture.md). */
// How long a waiting room engaged by load must stay calm (under half its threshold) before it is released.
const calmSeconds = wholeNumberOf('WAITING_ROOM_CALM_SECONDS', env.WAITING_ROOM_CALM_SECONDS, { min: 1, max: 86_400 });
const appendsInFlightMax = wholeNumberOf('APPENDS_IN_FLIGHT_MAX', env.APPENDS_IN_FLIGHT_MAX, { min: 1, max: 99 });

/**
 * The read side's background pass. PROJECTIONS_INTERVAL_MS: how often the projections catch up (default 250); 0 turns
 * the pass off, and the projections then catch up only when read (stats, seat history, a buyer's orders).
 * PROJECTIONS_OWN_APPENDS=off: the pass reads this process's appends back from the log too (default on in a single node,
 * off in a cluster: startServer.ts).
 */
const readSideFromEnv = (): { readSide?: { intervalMs?: number; ownAppends?: boolean } } => {
  const intervalMs = wholeNumberOf('PROJECTIONS_INTERVAL_MS', env.PROJECTIONS_INTERVAL_MS, {
    max: 9_999_999,
    meaning: 'ms; 0: off',
  });
  const ownAppends = env.PROJECTIONS_OWN_APPENDS
    ? switchOf('PROJECTIONS_OWN_APPENDS', env.PROJECTIONS_OWN_APPENDS, true)
    : undefined;
  if (intervalMs === undefined && ownAppends === undefined) return {};
  return {
    readSide: {
      ...(intervalMs === undefined ? {} : { intervalMs }),
      ...(ownAppends === undefined ? {} : { ownAppends }),
    },
  };
};

/** SMTP_CONNECTIONS_MAX: SMTP connections kept open and reused (default 10 in smtpChannel.ts). */
const smtpConnectionsMaxFromEnv = (): { connectionsMax?: number } => {
  const connectionsMax = wholeNumberOf('SMTP_CONNECTIONS_MAX', env.SMTP_CONNECTIONS_MAX, { min: 1, max: 99 });
  return connectionsMax === undefined ? {} : { connectionsMax };
};

/**
 * Notifications: the outbox is on unless OUTBOX=off (benchmarks compare both); e-mail when SMTP_URL is set, from
 * MAIL_FROM; Web Push always (VAPID_*); SMS when SMS_WEBHOOK_URL is set; NODE_ID names this node's outbox leases, so a restarted node takes back at once what it held.
 */
const notificationsFromEnv = (): NonNullable<ServerConfig['notifications']> => {
  const outbox = env.OUTBOX ?? 'on';
  if (outbox !== 'on' && outbox !== 'off') throw new ConfigError(`OUTBOX must be on or off, not ${outbox}`);
  return {
    outbox: outbox === 'on',
    ...(env.SMTP_URL
      ? {
          smtp: {
            url: env.SMTP_URL,
            from: env.MAIL_FROM || 'seatactor <tickets@localhost>',
            ...smtpConnectionsMaxFromEnv(),
          },
        }
      : {}),
    ...(env.NODE_ID ? { owner: env.NODE_ID } : {}),
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
    ...webPushFromEnv(),
    ...(env.SMS_WEBHOOK_URL ? { sms: { url: env.SMS_WEBHOOK_URL } } : {}),
  };
};

/**
 * Web Push: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY together (or neither: a pair is generated once and kept with the
 * server's secrets), VAPID_SUBJECT (a mailto: or https: URL; default the https PUBLIC_URL, else mailto: MAIL_FROM).
 */
const webPushFromEnv = (): Pick<NonNullable<ServerConfig['notifications']>, 'webPush'> => {
  const publicKey = env.VAPID_PUBLIC_KEY;
  const privateKey = env.VAPID_PRIVATE_KEY;
  if ((publicKey === undefined) !== (privateKey === undefined))
    throw new ConfigError('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together or not at all');
  const webPush = {
    ...(publicKey === undefined || privateKey === undefined ? {} : { vapid: { publicKey, privateKey } }),
    ...(env.VAPID_SUBJECT ? { subject: env.VAPID_SUBJECT } : {}),
  };
  return Object.keys(webPush).length === 0 ? {} : { webPush };
};

/**
 * ANTIBOT (on by default): proof of work on new sessions (POW_SESSIONS) and waiting-room joins (POW_QUEUE_JOINS), its
 * difficulty between POW_DIFFICULTY_MIN and POW_DIFFICULTY_MAX (counter ranges), the risk stage (sessions per device
 * fingerprint: SESSIONS_PER_DEVICE_MAX in 10 minutes, default 10); off for load tests and trusted networks. Per-user hold and purchase limits hold either way.
 */
const antibotFromEnv = (): ServerConfig['antibot'] => {
  if (!switchOf('ANTIBOT', env.ANTIBOT, true)) return undefined;
  const difficultyMin = countOf('POW_DIFFICULTY_MIN', env.POW_DIFFICULTY_MIN);
  const difficultyMax = countOf('POW_DIFFICULTY_MAX', env.POW_DIFFICULTY_MAX);
  const sessionsPerMinuteMax = countOf('SESSIONS_PER_ADDRESS_PER_MINUTE_MAX', env.SESSIONS_PER_ADDRESS_PER_MINUTE_MAX);
  const connectionsMax = countOf('CONNECTIONS_PER_ADDRESS_MAX', env.CONNECTIONS_PER_ADDRESS_MAX);
  const handshakesPerMinuteMax = countOf(
    'HANDSHAKES_PER_ADDRESS_PER_MINUTE_MAX',
    env.HANDSHAKES_PER_ADDRESS_PER_MINUTE_MAX,
  );
  const sessionsPerDeviceMax = countOf('SESSIONS_PER_DEVICE_MAX', env.SESSIONS_PER_DEVICE_MAX);
  return {
    risk: sessionsPerDeviceMax === undefined ? {} : { sessionsPerDeviceMax },
    perAddress: {
      ...(sessionsPerMinuteMax === undefined ? {} : { sessionsPerMinuteMax }),
      ...(connectionsMax === undefined ? {} : { connectionsMax }),
      ...(handshakesPerMinuteMax === undefined ? {} : { handshakesPerMinuteMax }),
    },
    pow: {
      sessions: switchOf('POW_SESSIONS', env.POW_SESSIONS, true),
      queueJoins: switchOf('POW_QUEUE_JOINS', env.POW_QUEUE_JOINS, true),
      policy: {
        ...(difficultyMin === undefined ? {} : { difficultyMin }),
        ...(difficultyMax === undefined ? {} : { difficultyMax }),
      },
    },
  };
};

const antibot = antibotFromEnv();

/** USER_REQUESTS_PER_SECOND_MAX: one buyer's requests per second over all their sockets and REST (default 50). */
const userRequestsPerSecondMax = countOf('USER_REQUESTS_PER_SECOND_MAX', env.USER_REQUESTS_PER_SECOND_MAX);

/**
 * CLUSTER_MODE: `single` (default: one node serves every event) or `redis` (several nodes on one Postgres and Redis;
 * needs DATABASE_URL, REDIS_URL and NODE_ID; NODE_URL is how the other nodes reach this one, LEASE_TTL_MS how long an
 * owner may be silent before another node takes its events, default 5000), REBALANCE_MOVES_MAX how many events a node
 * hands to a node that joined per scan (default 5; 0: none). docs/operations.md "Cluster".
 */
const clusterFromEnv = (): ServerConfig['cluster'] => {
  const mode = env.CLUSTER_MODE || 'single';
  if (mode === 'single') return undefined;
  if (mode !== 'redis') throw new ConfigError(`CLUSTER_MODE must be single or redis, not ${mode}`);
  if (!env.NODE_ID || !/^[A-Za-z0-9_.-]{1,64}$/.test(env.NODE_ID))
    throw new ConfigError('CLUSTER_MODE=redis needs NODE_ID (letters, digits, _ . -; unique per node)');
  if (!env.REDIS_URL) throw new ConfigError('CLUSTER_MODE=redis needs REDIS_URL');
  if (!env.DATABASE_URL) throw new ConfigError('CLUSTER_MODE=redis needs DATABASE_URL (Postgres shared by every node)');
  const leaseTtlMs = countOf('LEASE_TTL_MS', env.LEASE_TTL_MS);
  const moves = wholeNumberOf('REBALANCE_MOVES_MAX', env.REBALANCE_MOVES_MAX, {
    max: 999_999,
    meaning: '0: no rebalancing',
  });
  return {
    mode,
    nodeId: env.NODE_ID,
    ...(env.NODE_URL ? { url: env.NODE_URL } : {}),
    ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
    ...(moves === undefined ? {} : { rebalanceMovesMax: moves }),
  };
};

const cluster = clusterFromEnv();

const adminToken = env.ADMIN_TOKEN || randomBytes(24).toString('base64url');
const config: ServerConfig = {
  host: env.HOST ?? '0.0.0.0',
  port: wholeNumberOf('PORT', env.PORT, { max: 65_535, meaning: 'a port' }) ?? 8080,
  store: storeFromEnv(),
  adminToken,
  ...(env.JWT_SECRET ? { jwtSecret: env.JWT_SECRET } : {}),
  logLevel,
  logger,
  payments: paymentsFromEnv(),
  notifications: notificationsFromEnv(),
  ...(env.TICKET_SIGNING_KEY ? { ticketSigningKey: env.TICKET_SIGNING_KEY } : {}),
  holdMode: holdModeFromEnv(),
  ...(metricsPort === undefined ? {} : { metricsPort }),
  ...(appendsInFlightMax === undefined ? {} : { actor: { appendsInFlightMax } }),
  ...readSideFromEnv(),
  ...(calmSeconds === undefined ? {} : { queue: { calmSeconds } }),
  restRateLimit,
  readBudget,
  ...(antibot === undefined ? {} : { antibot }),
  ...(userRequestsPerSecondMax === undefined ? {} : { userRequestsPerSecondMax }),
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  ...(env.REDIS_KEY_PREFIX ? { redisKeyPrefix: env.REDIS_KEY_PREFIX } : {}),
  ...(cluster === undefined ? {} : { cluster }),
  ...(socketRequestsPerSecondMax === undefined
    ? {}
    : { socket: { requestsPerWindowMax: socketRequestsPerSecondMax, rateLimitWindowSeconds: 1 } }),
};

process.off('uncaughtException', onConfigError);

// Signals that arrive while the server starts are kept and acted on once it can drain.
let signalled: string | undefined;
let stop = (signal: string) => {
  signalled ??= signal;
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

const server = await startServer(config).catch((error: unknown): never => {
  // A taken port or data folder is an operator's situation, not a bug: one clear sentence, no stack trace.
  if (error instanceof PortInUseError || error instanceof DataDirInUseError) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});
if (!env.ADMIN_TOKEN) server.logger.warn({ adminToken }, 'ADMIN_TOKEN was not set; generated one for this run');
if (!env.JWT_SECRET) server.logger.info('JWT_SECRET was not set; sessions are signed with the key kept in the store');
if (config.store.kind === 'pglite') {
  // A fresh embedded store gets a demo venue and event, so the page at `/` shows a live seat map at once.
  const seeded = await seedDemoWhenEmpty(server.booking, Date.now());
  if (seeded !== undefined) server.logger.info({ eventId: seeded }, 'seeded a demo event');
}
server.logger.info({ port: server.port, store: config.store.kind, pid: process.pid }, 'ready');
if (terminal) {
  const url = browserUrl(config.host, server.port);
  const demo = await server.booking.getEvent(demoEventId).catch(() => undefined);
  process.stdout.write(
    banner({
      url,
      generatedAdminToken: env.ADMIN_TOKEN ? undefined : adminToken,
      store: describeStore(config.store),
      demoEvent:
        demo === undefined
          ? undefined
          : {
              name: demo.name,
              url: `${url}?event=${demo.id}`,
              saleOpensAt:
                demo.saleStartsAtMs !== null && demo.saleStartsAtMs > Date.now()
                  ? new Date(demo.saleStartsAtMs).toISOString()
                  : undefined,
            },
      pid: process.pid,
    }),
  );
}

let stopping = false;
stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.logger.info({ signal }, 'draining');
  server.drain().then(
    () => process.exit(0),
    (error: unknown) => {
      server.logger.error({ err: error }, 'drain failed');
      process.exit(1);
    },
  );
};
if (signalled !== undefined) stop(signalled);
