import { fnv1a } from '../domain/hash.ts';
import type { Catalog } from './catalog.ts';
import type { Contacts } from './contacts.ts';
import type { EventStore } from './eventStore.ts';
import type { OwnerEpochs } from './fence.ts';
import { newestFirst, type OrderIndex } from './orderIndex.ts';
import type { Outbox } from './outbox.ts';
import type { ProjectionStore } from './projectionStore.ts';

export type Store = Readonly<{
  eventStore: EventStore;
  catalog: Catalog;
  /** Resolves when the store answers a trivial query now; rejects (StoreUnavailableError) when it cannot. */
  ping: () => Promise<void>;
  orderIndex: OrderIndex;
  /**
   * The notification outboxes: one per database, since an event's notifications are written with its events, on its
   * shard. A dispatcher serves each.
   */
  outboxes: readonly Outbox[];
  /** The projections: one per database, each reading its own log (positions are per database). */
  projections: readonly ProjectionStore[];
  /** Where buyers may be notified; global, on the first shard like the catalog. */
  contacts: Contacts;
  /** The owner epochs of cluster mode (Postgres only): each stream's in the database that holds the stream. */
  ownerEpochs?: OwnerEpochs;
  close: () => Promise<void>;
}>;

/** The shard of a key: stable across processes, versions and machines, so an event never moves. */
export const shardOf = (key: string, shardCount: number): number => fnv1a(key) % shardCount;

/** An event's stream is placed by the event's id, so everything of one event lives on one shard. */
const shardKey = (streamId: string): string =>
  streamId.startsWith('event-') ? streamId.slice('event-'.length) : streamId;

/**
 * Several stores as one: every stream lives on exactly one shard, chosen by a stable hash of its event's id; the
 * catalog (venues, events, server secrets: small and global) lives on the first. An event actor's appends go to one
 * database, so group commit and the expected-version check work as on a single store. Positions are per shard, so
 * `readAll` is only offered with one shard: projections read each shard's store.
 */
export const shardedStore = (shards: readonly Store[]): Store => {
  const first = shards[0];
  if (first === undefined) throw new Error('a sharded store needs at least one shard');
  if (shards.length === 1) return first;
  const on = (streamId: string): EventStore => shards[shardOf(shardKey(streamId), shards.length)]!.eventStore;
  const close = async () => {
    await Promise.all(shards.map((shard) => shard.close()));
  };
  const epochsOn = (streamId: string): OwnerEpochs => {
    const epochs = shards[shardOf(shardKey(streamId), shards.length)]!.ownerEpochs;
    if (epochs === undefined) throw new Error('this store keeps no owner epochs');
    return epochs;
  };
  const everyShardKeepsEpochs = shards.every((shard) => shard.ownerEpochs !== undefined);
  return {
    ...(everyShardKeepsEpochs
      ? {
          ownerEpochs: {
            claim: (streamId, node) => epochsOn(streamId).claim(streamId, node),
            current: (streamId) => epochsOn(streamId).current(streamId),
            async owned(limit) {
              const found = await Promise.all(shards.map((shard) => shard.ownerEpochs!.owned(limit)));
              return found.flat().slice(0, limit);
            },
            vacate: (streamId, node, epoch) => epochsOn(streamId).vacate(streamId, node, epoch),
          } satisfies OwnerEpochs,
        }
      : {}),
    catalog: first.catalog,
    contacts: first.contacts,
    outboxes: shards.flatMap((shard) => shard.outboxes),
    projections: shards.flatMap((shard) => shard.projections),
    // Every shard holds some events: the store is up only when all of them answer.
    ping: async () => {
      await Promise.all(shards.map((shard) => shard.ping()));
    },
    close,
    // A buyer's orders live on the shards of their events: each shard's newest `limit`, merged, newest `limit` kept.
    orderIndex: {
      async ordersOf(userId, query) {
        const targets =
          query.streamId === undefined ? shards : [shards[shardOf(shardKey(query.streamId), shards.length)]!];
        const found = await Promise.all(targets.map((shard) => shard.orderIndex.ordersOf(userId, query)));
        return found.flat().sort(newestFirst).slice(0, query.limit);
      },
    },
    eventStore: {
      append: (streamId, expectedVersion, events, outbox, chain) =>
        on(streamId).append(streamId, expectedVersion, events, outbox, chain),
      readStream: (streamId, afterVersion, limit) => on(streamId).readStream(streamId, afterVersion, limit),
      readStreamVersions: (streamId, versions) => on(streamId).readStreamVersions(streamId, versions),
      readAll: () => Promise.reject(new Error('readAll spans shards: read each shard’s store')),
      saveSnapshot: (streamId, version, state) => on(streamId).saveSnapshot(streamId, version, state),
      loadSnapshot: (streamId) => on(streamId).loadSnapshot(streamId),
      loadSnapshotAt: (streamId, maxVersion) => on(streamId).loadSnapshotAt(streamId, maxVersion),
      close,
    },
  };
};
