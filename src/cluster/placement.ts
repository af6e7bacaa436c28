import type { Redis } from 'ioredis';
import { BookingError } from '../domain/bookingError.ts';
import {
  leaseStanding,
  movesFor,
  preferredOwner,
  type RouteDecision,
  routeFor,
  takeoversFor,
} from '../domain/cluster/placement.ts';
import { eventIdOfStream, eventStreamId as streamIdOf } from '../persistence/eventStore.ts';
import type { HeldEpochs, OwnerEpochs } from '../persistence/fence.ts';
import { type Clock, repeatTimer } from '../platform/clock.ts';

/**
 * Cluster placement: which node runs each event's actor. Liveness is a Redis lease per event (`SET NX PX`, renewed
 * by its holder); safety is the owner epoch Postgres hands out at each claim (OwnerEpochs), which the fenced store
 * checks in every append. Redis says who should serve; Postgres decides who can write.
 *
 * Keys, under the deployment's prefix: `cluster:lease:<eventId>` (the holder's node id), `cluster:node:<nodeId>`
 * (the node's URL, expiring like a lease: its heartbeat), and the set `cluster:nodes` of node ids ever seen.
 */
export type PlacementOptions = Readonly<{
  nodeId: string;
  /** How the other nodes reach this one over HTTP (forwarding). */
  url: string;
  redis: Redis;
  keyPrefix: string;
  ownerEpochs: OwnerEpochs;
  held: HeldEpochs;
  clock: Clock;
  /** A lease not renewed this long lapses in Redis, and another node may take the event. Default 5 s. */
  leaseTtlMs?: number;
  /** How often held leases and the node's heartbeat are renewed. Default a third of the TTL. */
  renewEveryMs?: number;
  /** How long before the TTL a node that could not renew checks Postgres, or stops serving. Default a fifth of it. */
  safetyMs?: number;
  /** How often a node looks for events whose owner died. Default 1 s. */
  takeoverScanMs?: number;
  /** Events one node takes over per scan at most. Default 20. */
  takeoversMax?: number;
  /**
   * Events one node hands to their preferred node per scan at most, after a node joined (rebalancing). Default 5;
   * 0: never (events then move only when their owner leaves or lets them go).
   */
  rebalanceMovesMax?: number;
  /** Stops the event's actor here (the lease was lost). */
  evict: (eventId: string) => Promise<void>;
  /** Activates the event here (a takeover); rejects when another node was faster. */
  activate: (eventId: string) => Promise<void>;
  onError: (error: unknown, context: string) => void;
  onInfo?: (message: string, fields: Record<string, unknown>) => void;
}>;

export const leaseTtlMsDefault = 5_000;
export const rebalanceMovesMaxDefault = 5;

/** Another node serves the event now; the request belongs there (`ownerId`). */
export class NotOwnerError extends BookingError {
  constructor(
    readonly eventId: string,
    readonly ownerId: string | undefined,
  ) {
    super('UNAVAILABLE', `event ${eventId} is served by node ${ownerId ?? '(none yet)'}; retry`);
  }
}

export type NodeInfo = Readonly<{ id: string; url: string }>;
export type OwnerView = Readonly<{
  nodeId: string | null;
  epoch: number | null;
  preferredNodeId: string | null;
}>;

type Held = { epoch: number; renewedAtMs: number };

/**
 * Renews a lease that is ours (1); takes it back when it is gone, as after a Redis restart (2: the caller checks with
 * Postgres that its epoch still stands); says 0 when another node holds it.
 */
const renewScript = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`;

/** Deletes a lease only if it is still ours. */
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class Placement {
  private readonly held = new Map<string, Held>();
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly safetyMs: number;
  private readonly stopTimers: (() => void)[] = [];
  private liveCache: { atMs: number; nodes: Promise<NodeInfo[]> } | undefined;
  private stopped = false;
  /** Lease releases under way, awaited by stop(). */
  private readonly releasing = new Set<Promise<void>>();
  /**
   * Events being handed to their preferred node (`to`): not claimed here again until it has had one lease TTL to
   * claim, unless it has left the cluster meanwhile.
   */
  private readonly handingOff = new Map<string, { to: string | undefined; cancel: () => void }>();

  constructor(private readonly options: PlacementOptions) {
    this.ttlMs = options.leaseTtlMs ?? leaseTtlMsDefault;
    this.renewEveryMs = options.renewEveryMs ?? Math.floor(this.ttlMs / 3);
    this.safetyMs = options.safetyMs ?? Math.floor(this.ttlMs / 5);
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** Joins the cluster (heartbeat) and starts renewing and scanning for takeovers. */
  async start(): Promise<void> {
    await this.heartbeat();
    const { clock } = this.options;
    // Renewals run at a quarter of their interval, so each lease is renewed within `renewEveryMs` of falling due.
    this.stopTimers.push(
      repeatTimer(clock, Math.max(50, Math.floor(this.renewEveryMs / 4)), () => void this.renewDue()),
      repeatTimer(clock, this.renewEveryMs, () => void this.heartbeat().catch((e) => this.fail(e, 'heartbeat'))),
      repeatTimer(clock, this.options.takeoverScanMs ?? 1_000, () => void this.scan()),
    );
  }

  /** Leaves the cluster: stops the timers and removes the heartbeat (the leases go as the actors are released). */
  async stop(): Promise<void> {
    for (const stop of this.stopTimers.splice(0)) stop();
    for (const { cancel } of this.handingOff.values()) cancel();
    await Promise.all(this.releasing);
    this.stopped = true;
    const { redis, nodeId } = this.options;
    await Promise.all([redis.del(this.nodeKey(nodeId)), redis.srem(this.key('nodes'), nodeId)]).catch((error) =>
      this.fail(error, 'leaving the cluster'),
    );
  }

  /**
   * Makes this node the event's owner, for an activation: the lease first (refused, NotOwnerError, while another
   * node holds it), then a new epoch from Postgres, which fences out every earlier owner.
   */
  async claim(eventId: string): Promise<void> {
    const { redis, nodeId, clock } = this.options;
    const handing = this.handingOff.get(eventId);
    if (handing !== undefined) {
      // The node it was handed to left before claiming it (a restart, a failed join): nobody else will take it sooner.
      const live = await this.liveNodes();
      if (live.some((node) => node.id === handing.to)) throw new NotOwnerError(eventId, handing.to);
      handing.cancel();
      this.handingOff.delete(eventId);
    }
    const key = this.leaseKey(eventId);
    const taken = await redis.set(key, nodeId, 'PX', this.ttlMs, 'NX');
    if (taken !== 'OK') {
      const holder = await redis.get(key);
      if (holder !== nodeId) throw new NotOwnerError(eventId, holder ?? undefined);
      await redis.pexpire(key, this.ttlMs);
    }
    const renewedAtMs = clock.now();
    const streamId = streamIdOf(eventId);
    const epoch = await this.options.ownerEpochs.claim(streamId, nodeId).catch(async (error: unknown) => {
      await this.releaseLease(eventId);
      throw error;
    });
    this.options.held.hold(streamId, epoch);
    this.held.set(eventId, { epoch, renewedAtMs });
    this.options.onInfo?.('claimed an event', { eventId, epoch });
  }

  /**
   * The event's actor stopped here. Idle: its record names no node any more, so nobody takes it over until it is asked
   * for. At shutdown the record keeps naming this node, so another node takes it over at its next scan, without
   * waiting for the lease: the lease is deleted either way.
   */
  released(eventId: string, why: 'passivated' | 'drained' | 'evicted' | 'retired'): void {
    const held = this.held.get(eventId);
    if (held === undefined) return;
    this.held.delete(eventId);
    const streamId = streamIdOf(eventId);
    this.options.held.drop(streamId, held.epoch);
    const releasing = (async () => {
      if (why === 'passivated') await this.options.ownerEpochs.vacate(streamId, this.options.nodeId, held.epoch);
      if (why !== 'evicted') await this.releaseLease(eventId);
    })()
      .catch((error: unknown) => this.fail(error, `releasing ${eventId}`))
      .finally(() => this.releasing.delete(releasing));
    this.releasing.add(releasing);
  }

  /** Where a request for the event goes: here (held or to claim), or to the node that serves it. */
  async route(eventId: string): Promise<RouteDecision & { url?: string }> {
    if (this.held.has(eventId)) return { kind: 'local' };
    const [holder, live] = await Promise.all([this.options.redis.get(this.leaseKey(eventId)), this.liveNodes()]);
    // While handing it off, this node's lease (until it is deleted) does not keep the event here.
    const standing =
      holder === null || (holder === this.options.nodeId && this.handingOff.has(eventId)) ? undefined : holder;
    const decision = routeFor(
      eventId,
      this.options.nodeId,
      standing,
      live.map((node) => node.id),
    );
    if (decision.kind !== 'forward') return decision;
    const url = live.find((node) => node.id === decision.nodeId)?.url;
    // A holder without a heartbeat is dying: its lease will lapse and the preferred live node will claim.
    if (url === undefined) throw new NotOwnerError(eventId, decision.nodeId);
    return { ...decision, url };
  }

  /** The event's owner as the cluster sees it now (GET /v1/events/:id/owner). */
  async owner(eventId: string): Promise<OwnerView> {
    const [holder, record, live] = await Promise.all([
      this.options.redis.get(this.leaseKey(eventId)),
      this.options.ownerEpochs.current(streamIdOf(eventId)),
      this.liveNodes(),
    ]);
    return {
      nodeId: holder,
      epoch: holder !== null && record !== undefined && record.node === holder ? record.epoch : null,
      preferredNodeId:
        preferredOwner(
          eventId,
          live.map((node) => node.id),
        ) ?? null,
    };
  }

  /** Nodes whose heartbeat has not lapsed, cached for a fraction of the renewal interval. */
  liveNodes(): Promise<NodeInfo[]> {
    const now = this.options.clock.now();
    if (this.liveCache !== undefined && now - this.liveCache.atMs < Math.min(500, this.renewEveryMs / 2))
      return this.liveCache.nodes;
    const nodes = (async () => {
      const { redis } = this.options;
      const ids = (await redis.smembers(this.key('nodes'))).sort();
      if (ids.length === 0) return [];
      const urls = await redis.mget(ids.map((id) => this.nodeKey(id)));
      return ids.flatMap((id, index) => (urls[index] ? [{ id, url: urls[index] }] : []));
    })();
    this.liveCache = { atMs: now, nodes };
    nodes.catch(() => {
      if (this.liveCache?.nodes === nodes) this.liveCache = undefined;
    });
    return nodes;
  }

  /** Events this node holds now. */
  heldEventIds(): string[] {
    return [...this.held.keys()];
  }

  private async heartbeat(): Promise<void> {
    const { redis, nodeId, url } = this.options;
    await redis.multi().set(this.nodeKey(nodeId), url, 'PX', this.ttlMs).sadd(this.key('nodes'), nodeId).exec();
  }

  /**
   * Renews the leases due, in one round trip. A lease another node holds now is lost: the actor stops at once. A lease
   * found missing (Redis restarted) is taken back, and kept only if Postgres still names this node under its epoch. A
   * lease Redis could not renew (unreachable) stays served while Postgres still confirms the epoch; when neither
   * answers before it lapses, the actor stops (it refuses rather than risk serving a stale map).
   */
  private async renewDue(): Promise<void> {
    if (this.stopped) return;
    const { redis, nodeId, clock } = this.options;
    const policy = { leaseTtlMs: this.ttlMs, renewEveryMs: this.renewEveryMs, safetyMs: this.safetyMs };
    const now = clock.now();
    const due = [...this.held].filter(([, held]) => leaseStanding(held.renewedAtMs, now, policy) !== 'held');
    if (due.length === 0) return;
    const pipeline = redis.pipeline();
    for (const [eventId] of due) pipeline.eval(renewScript, 1, this.leaseKey(eventId), nodeId, this.ttlMs);
    const results = await pipeline.exec().catch((error: unknown) => {
      this.fail(error, 'renewing leases');
      return null;
    });
    await Promise.all(
      due.map(async ([eventId, held], index) => {
        const [error, answer] = results?.[index] ?? [new Error('Redis did not answer'), null];
        if (this.held.get(eventId) !== held) return;
        if (error === null && answer === 1) {
          held.renewedAtMs = now;
          return;
        }
        if (error === null && answer === 0) {
          await this.lose(eventId, 'another node holds its lease');
          return;
        }
        // Taken back after a Redis restart, or Redis did not answer: Postgres, the source of truth, decides.
        const record = await this.options.ownerEpochs.current(streamIdOf(eventId)).catch(() => undefined);
        if (this.held.get(eventId) !== held) return;
        if (record !== undefined && record.epoch === held.epoch && record.node === nodeId) {
          held.renewedAtMs = now;
          return;
        }
        if (record !== undefined || leaseStanding(held.renewedAtMs, clock.now(), policy) === 'lapsed')
          await this.lose(eventId, record === undefined ? 'its lease lapsed unconfirmed' : 'a newer epoch exists');
      }),
    );
  }

  private async lose(eventId: string, why: string): Promise<void> {
    const held = this.held.get(eventId);
    if (held === undefined) return;
    this.held.delete(eventId);
    this.options.held.drop(streamIdOf(eventId), held.epoch);
    this.options.onInfo?.('lost an event; stopping its actor', { eventId, epoch: held.epoch, why });
    await this.options.evict(eventId).catch((error: unknown) => this.fail(error, `evicting ${eventId}`));
  }

  /** Takes over the events whose owner died and for which this node is now the preferred live node; rebalances. */
  private async scan(): Promise<void> {
    if (this.stopped) return;
    await this.takeOver();
    await this.rebalance();
  }

  /**
   * Hands the events whose preferred live node is now another (a node joined) to it, at most `rebalanceMovesMax` per
   * scan: the actor stops at a batch boundary (what it acknowledged is in the log), the lease is deleted and the owner
   * row keeps naming this node (as at a drain), so the preferred node's next takeover scan claims the event with a new
   * epoch, which fences any append of this node's still in flight. Requests meanwhile are answered UNAVAILABLE here or
   * sent to the preferred node; a retry with the same requestId gets the first answer from the log.
   */
  private async rebalance(): Promise<void> {
    if (this.stopped) return;
    try {
      const live = (await this.liveNodes()).map((node) => node.id);
      const moves = movesFor(
        this.options.nodeId,
        [...this.held.keys()].filter((eventId) => !this.handingOff.has(eventId)),
        live,
        this.options.rebalanceMovesMax ?? rebalanceMovesMaxDefault,
      );
      await Promise.all(moves.map((eventId) => this.handOff(eventId, preferredOwner(eventId, live))));
    } catch (error) {
      this.fail(error, 'rebalancing');
    }
  }

  private async handOff(eventId: string, to: string | undefined): Promise<void> {
    const held = this.held.get(eventId);
    if (held === undefined) return;
    this.handingOff.set(eventId, {
      to,
      cancel: this.options.clock.setTimer(this.ttlMs, () => this.handingOff.delete(eventId)),
    });
    this.options.onInfo?.('handing an event to its preferred node', { eventId, epoch: held.epoch, to });
    // The actor stops after its last batch (released() then lets its epoch go); only then is the lease deleted.
    await this.options.evict(eventId).catch((error: unknown) => this.fail(error, `stopping ${eventId} to hand it off`));
    if (this.held.get(eventId) === held) {
      this.held.delete(eventId);
      this.options.held.drop(streamIdOf(eventId), held.epoch);
    }
    await this.releaseLease(eventId).catch((error: unknown) => this.fail(error, `handing ${eventId} off`));
  }

  private async takeOver(): Promise<void> {
    try {
      const owned = (await this.options.ownerEpochs.owned(10_000)).filter((record) => record.node !== null);
      if (owned.length === 0) return;
      const eventIds = owned.map((record) => eventIdOfStream(record.streamId));
      const [holders, live] = await Promise.all([
        this.options.redis.mget(eventIds.map((eventId) => this.leaseKey(eventId))),
        this.liveNodes(),
      ]);
      const candidates = eventIds.map((eventId, index) => ({ eventId, leaseHolder: holders[index] ?? undefined }));
      const chosen = takeoversFor(
        this.options.nodeId,
        candidates,
        live.map((node) => node.id),
        this.options.takeoversMax ?? 20,
      ).filter((eventId) => !this.held.has(eventId));
      await Promise.all(
        chosen.map((eventId) =>
          this.options.activate(eventId).then(
            () => this.options.onInfo?.('took an event over', { eventId }),
            (error: unknown) => {
              if (!(error instanceof NotOwnerError)) this.fail(error, `taking ${eventId} over`);
            },
          ),
        ),
      );
    } catch (error) {
      this.fail(error, 'scanning for takeovers');
    }
  }

  private async releaseLease(eventId: string): Promise<void> {
    await this.options.redis.eval(releaseScript, 1, this.leaseKey(eventId), this.options.nodeId);
  }

  private fail(error: unknown, context: string): void {
    if (!this.stopped) this.options.onError(error, `cluster: ${context} failed`);
  }

  private key(name: string): string {
    return `${this.options.keyPrefix}cluster:${name}`;
  }

  private leaseKey(eventId: string): string {
    return this.key(`lease:${eventId}`);
  }

  private nodeKey(nodeId: string): string {
    return this.key(`node:${nodeId}`);
  }
}
