import type { Redis } from 'ioredis';
import type { Activations } from '../actors/activations.ts';
import { Placement } from '../cluster/placement.ts';
import type { OwnerLookup } from '../gateway/rest/clusterRoutes.ts';
import type { HeldEpochs, OwnerEpochs } from '../persistence/fence.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * Cluster mode (CLUSTER_MODE=redis): several nodes on one Postgres and one Redis, each event's actor on exactly one
 * of them (docs/operations.md "Cluster"). Absent: a single node, today's behaviour.
 */
export type ClusterConfig = Readonly<{
  mode: 'redis';
  /** This node's name, unique in the cluster and kept across restarts (NODE_ID). */
  nodeId: string;
  /** How the other nodes reach this one (NODE_URL); default `http://<host>:<port>` as the gateway listens. */
  url?: string;
  leaseTtlMs?: number;
  takeoverScanMs?: number;
  /** Events handed to a joining node per scan at most (REBALANCE_MOVES_MAX; 0: no rebalancing). */
  rebalanceMovesMax?: number;
}>;

/** Starts this node's placement once the gateway listens: heartbeat, lease renewals, takeovers. */
export const startPlacement = async (
  config: ClusterConfig,
  deps: Readonly<{
    url: string;
    redis: Redis;
    keyPrefix: string;
    ownerEpochs: OwnerEpochs;
    held: HeldEpochs;
    clock: Clock;
    logger: Logger;
    activations: () => Activations;
  }>,
): Promise<Placement> => {
  const placement = new Placement({
    nodeId: config.nodeId,
    url: config.url ?? deps.url,
    redis: deps.redis,
    keyPrefix: deps.keyPrefix,
    ownerEpochs: deps.ownerEpochs,
    held: deps.held,
    clock: deps.clock,
    ...(config.leaseTtlMs === undefined ? {} : { leaseTtlMs: config.leaseTtlMs }),
    ...(config.takeoverScanMs === undefined ? {} : { takeoverScanMs: config.takeoverScanMs }),
    ...(config.rebalanceMovesMax === undefined ? {} : { rebalanceMovesMax: config.rebalanceMovesMax }),
    evict: (eventId) => deps.activations().evict(eventId),
    activate: async (eventId) => {
      await deps.activations().get(eventId);
    },
    onError: (error, context) => deps.logger.error({ err: error }, context),
    onInfo: (message, fields) => deps.logger.info({ node: config.nodeId, ...fields }, message),
  });
  return placement;
};

/** The owner route's answer: the placement's view in cluster mode, this node alone otherwise. */
export const ownerLookup =
  (placement: () => Placement | undefined): OwnerLookup =>
  async (eventId) => {
    const running = placement();
    if (running === undefined) return { mode: 'single', nodeId: null, epoch: null, preferredNodeId: null };
    return { mode: 'redis', ...(await running.owner(eventId)) };
  };
