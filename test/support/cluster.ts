import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { fetchWithin, within } from './bounded.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './postgres.ts';
import { adminToken, type ServerProcess, startServerProcess } from './serverProcess.ts';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export type ClusterNode = ServerProcess & Readonly<{ nodeId: string; pid: number }>;

export type TestCluster = Readonly<{
  nodes: ClusterNode[];
  schema: string;
  keyPrefix: string;
  /** Starts one more node (or a node again, under an id it had) on the same schema and prefix. */
  startNode: (nodeId: string, env?: Record<string, string>) => Promise<ClusterNode>;
  /** Kills what is still running, drops the schema and deletes the prefix's keys. */
  close: () => Promise<void>;
}>;

/**
 * Cluster nodes as real processes (`src/main.ts`, CLUSTER_MODE=redis) on one Postgres schema and one Redis key prefix
 * of their own, so runs never meet on the shared servers. `leaseTtlMs` is short so takeovers fit a test.
 */
export const startCluster = async (
  nodeIds: readonly string[],
  options: Readonly<{ leaseTtlMs?: number; env?: Record<string, string> }> = {},
): Promise<TestCluster> => {
  const schema = uniqueSchema('cluster');
  const keyPrefix = `test:cluster:${randomBytes(4).toString('hex')}:`;
  const started: ClusterNode[] = [];
  const startNode = async (nodeId: string, env: Record<string, string> = {}): Promise<ClusterNode> => {
    const node = await startServerProcess(
      {
        CLUSTER_MODE: 'redis',
        NODE_ID: nodeId,
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: schema,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        LEASE_TTL_MS: String(options.leaseTtlMs ?? 2_000),
        OUTBOX: 'off',
        LOG_LEVEL: 'info',
        ...options.env,
        ...env,
      },
      [],
      45_000,
    );
    const clusterNode = { ...node, nodeId, pid: node.child.pid ?? 0 };
    started.push(clusterNode);
    return clusterNode;
  };
  // The first node migrates the schema; the others then start together.
  const [first, ...rest] = nodeIds;
  const nodes = first === undefined ? [] : [await startNode(first)];
  nodes.push(...(await Promise.all(rest.map((nodeId) => startNode(nodeId)))));
  return {
    nodes,
    schema,
    keyPrefix,
    startNode,
    async close() {
      for (const node of started) {
        if (node.child.exitCode === null && node.child.signalCode === null) {
          node.child.kill('SIGCONT');
          node.child.kill('SIGKILL');
        }
      }
      await dropSchema(schema);
      // A Redis that does not answer fails the cleanup after 10 s instead of holding the hook to its timeout.
      const redis = new Redis(redisUrl, { commandTimeout: 10_000, maxRetriesPerRequest: 1 });
      try {
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
};

export type Owner = {
  eventId: string;
  mode: string;
  nodeId: string | null;
  epoch: number | null;
  preferredNodeId: string | null;
};

export const ownerOf = async (baseUrl: string, eventId: string): Promise<Owner> => {
  const { status, text } = await fetchWithin(
    `${baseUrl}/v1/events/${eventId}/owner`,
    { headers: { authorization: `Bearer ${adminToken}` } },
    async (response) => ({ status: response.status, text: await response.text() }),
  );
  if (status !== 200) throw new Error(`owner: ${status} ${text}`);
  return JSON.parse(text) as Owner;
};

/**
 * Polls `check` every 25 ms until it returns a value, or throws after `timeoutMs`; a check that does not settle by the
 * deadline counts as no value (so a hung request ends the wait too).
 */
export const waitFor = async <T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await within(what, check(), Math.max(1, deadline - Date.now())).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};
