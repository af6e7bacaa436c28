import { hash53 } from '../hash.ts';

/**
 * Where an event's actor should run, and whether a node may still serve one it holds. Pure: the cluster shell
 * (src/cluster/) reads Redis, Postgres and the clock, then asks these functions.
 */

/** A node's weight for an event: the same on every node, for the same ids, in every version. */
const weightOf = (nodeId: string, eventId: string): string => hash53(`${nodeId}\u0000${eventId}`).padStart(11, '0');

/**
 * Rendezvous (highest random weight) hashing: the live node with the highest weight for the event, or undefined when
 * none is live. A node that leaves moves only the events it was preferred for; a node that joins takes only the
 * events it now weighs most for (about 1/n of them). Ties (equal weights) go to the smaller node id, so every node
 * agrees.
 */
export const preferredOwner = (eventId: string, liveNodeIds: readonly string[]): string | undefined => {
  let best: string | undefined;
  let bestWeight = '';
  for (const nodeId of liveNodeIds) {
    const weight = weightOf(nodeId, eventId);
    if (best === undefined || weight > bestWeight || (weight === bestWeight && nodeId < best)) {
      best = nodeId;
      bestWeight = weight;
    }
  }
  return best;
};

/** Who holds an event's lease now, as Redis says (undefined: nobody). */
export type LeaseHolder = string | undefined;

/**
 * What a node does with a request for an event: serve it (it holds the lease), claim it (nobody holds it and this
 * node is the preferred live owner, or the preferred node is this one's only way forward), or send it on.
 */
export type RouteDecision =
  | Readonly<{ kind: 'local' }>
  | Readonly<{ kind: 'claim' }>
  | Readonly<{ kind: 'forward'; nodeId: string }>;

export const routeFor = (
  eventId: string,
  selfId: string,
  holder: LeaseHolder,
  liveNodeIds: readonly string[],
): RouteDecision => {
  if (holder === selfId) return { kind: 'local' };
  if (holder !== undefined) return { kind: 'forward', nodeId: holder };
  // Nobody holds it: the preferred live node claims it. This node counts as live even when its own heartbeat has not
  // reached Redis yet, so a lone node starting up serves its events.
  const preferred = preferredOwner(eventId, liveNodeIds.includes(selfId) ? liveNodeIds : [...liveNodeIds, selfId]);
  return preferred === undefined || preferred === selfId ? { kind: 'claim' } : { kind: 'forward', nodeId: preferred };
};

/**
 * Whether a lease this node renewed at `renewedAtMs` may still be relied on at `nowMs`. The node stops serving the
 * event `safetyMs` before Redis would let the lease lapse, so its clock running a little slow, or a renewal that
 * Redis applied late, does not leave two nodes serving at once: `renew` while time remains, `lapsed` after.
 * Writes never depend on this (the owner epoch fences them in Postgres); reads and pushes do.
 */
export type LeaseStanding = 'held' | 'renew' | 'lapsed';

export const leaseStanding = (
  renewedAtMs: number,
  nowMs: number,
  policy: Readonly<{ leaseTtlMs: number; renewEveryMs: number; safetyMs: number }>,
): LeaseStanding => {
  const age = nowMs - renewedAtMs;
  if (age >= policy.leaseTtlMs - policy.safetyMs) return 'lapsed';
  return age >= policy.renewEveryMs ? 'renew' : 'held';
};

/**
 * Events to take over now: those whose owner row names a node but whose lease is gone (the node died or was paused
 * past its lease) and for which this node is the preferred live owner. Events that were put to sleep on purpose have
 * no node in their row and wait for their next request. At most `takeoversMax` per pass, so a node that joins or
 * survives a big failure does not activate hundreds of events in one burst.
 */
export const takeoversFor = (
  selfId: string,
  owned: readonly Readonly<{ eventId: string; leaseHolder: LeaseHolder }>[],
  liveNodeIds: readonly string[],
  takeoversMax: number,
): string[] => {
  const live = liveNodeIds.includes(selfId) ? liveNodeIds : [...liveNodeIds, selfId];
  const chosen: string[] = [];
  for (const { eventId, leaseHolder } of owned) {
    if (chosen.length >= takeoversMax) break;
    if (leaseHolder === undefined && preferredOwner(eventId, live) === selfId) chosen.push(eventId);
  }
  return chosen;
};

/**
 * Rebalancing after a node joins: the events this node holds whose preferred live node is now another, at most
 * `movesMax` of them (in event id order, so a scan's choice is stable), to hand to that node. None while this node
 * does not see itself live (its own heartbeat missing: the live set is not to be trusted) or with a cap of 0.
 */
export const movesFor = (
  selfId: string,
  heldEventIds: readonly string[],
  liveNodeIds: readonly string[],
  movesMax: number,
): string[] => {
  if (movesMax <= 0 || !liveNodeIds.includes(selfId)) return [];
  const moves: string[] = [];
  for (const eventId of [...heldEventIds].sort()) {
    if (moves.length >= movesMax) break;
    if (preferredOwner(eventId, liveNodeIds) !== selfId) moves.push(eventId);
  }
  return moves;
};
