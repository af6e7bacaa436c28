import { randomUUID } from 'node:crypto';
import { type RunningServer, type ServerConfig, startServer } from '../../src/app/startServer.ts';
import { api } from './api.ts';
import { adminToken, jwtSecret } from './serverProcess.ts';

/**
 * The real server in-process on a free loopback port: memory store, no page, silent logs unless a test says
 * otherwise. Every integration test starts its server through here, so the defaults live in one place.
 */
export const startTestServer = async (
  overrides: Partial<ServerConfig> = {},
): Promise<{ server: RunningServer; baseUrl: string; client: ReturnType<typeof api> }> => {
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    store: { kind: 'memory' },
    adminToken,
    jwtSecret,
    logLevel: 'silent',
    web: false,
    // Every test client shares 127.0.0.1: the per-address limit is tested on its own, not in every test.
    restRateLimit: { requestsPerSecondMax: 1_000_000 },
    // Likewise one buyer's budget over all their connections (test/antibot.int.spec.ts tests it).
    userRequestsPerSecondMax: 1_000_000,
    // Each test server counts in Redis under keys of its own (REDIS_URL is shared by every test run).
    redisKeyPrefix: `test:${randomUUID()}:`,
    readBudget: { inFlightPerClientMax: 1_000_000, bytesPerSecondPerClientMax: 1e12 },
    ...overrides,
    // Every batch of every test's traffic is checked against the inventory invariants where it is written.
    actor: { checkInvariantsEveryBatch: true, ...overrides.actor },
  });
  const baseUrl = `http://127.0.0.1:${server.port}`;
  return { server, baseUrl, client: api(baseUrl) };
};
