import { randomBytes } from 'node:crypto';
import { type ServerConfig, type StoreConfig, startServer } from './app/startServer.ts';
import type { LogLevel } from './gateway/logger.ts';

/**
 * The composition root: the one place that reads the environment. Everything below takes its configuration
 * as arguments, so tests start the same server in-process with their own.
 */
const env = process.env;

const storeFromEnv = (): StoreConfig => {
  const url = env.DATABASE_URL?.split(',')[0]?.trim();
  if (url) return { kind: 'postgres', url, ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}) };
  return { kind: 'pglite', dataDir: env.DATA_DIR ?? './data' };
};

const adminToken = env.ADMIN_TOKEN || randomBytes(24).toString('base64url');
const config: ServerConfig = {
  host: env.HOST ?? '0.0.0.0',
  port: Number(env.PORT ?? 8080),
  store: storeFromEnv(),
  adminToken,
  jwtSecret: env.JWT_SECRET || randomBytes(32).toString('base64url'),
  logLevel: (env.LOG_LEVEL ?? 'info') as LogLevel,
};

const server = await startServer(config);
if (!env.ADMIN_TOKEN) server.logger.warn({ adminToken }, 'ADMIN_TOKEN was not set; generated one for this run');
if (!env.JWT_SECRET) server.logger.warn('JWT_SECRET was not set; sessions will not survive a restart');
server.logger.info({ port: server.port, store: config.store.kind }, 'ready');

let stopping = false;
const stop = (signal: string) => {
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
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
