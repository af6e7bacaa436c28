import type { StoredEvent } from '../eventStore.ts';
import { groupByBucket, positionsIn, type RefsRow } from '../projectionRefs.ts';
import { type Checkpoint, type CheckpointRow, checkpointStart, type ProjectionStore } from '../projectionStore.ts';

/**
 * Projections over the in-memory log. Appends there are synchronous, so positions are commit order and every event is
 * settled at once: the transaction id of an event is its position. Documents go through JSON, as jsonb would.
 */
export const inMemoryProjections = (readAll: (afterPosition: number, limit: number) => Promise<StoredEvent[]>) => {
  const checkpoints = new Map<string, CheckpointRow>();
  const docsByProjection = new Map<string, Map<string, string>>();
  /** Per log projection, its rows of references, as the SQL store keeps them. */
  const refsByProjection = new Map<string, RefsRow[]>();
  /** Whether the projection's checkpoint is at `from`. */
  const isAt = (name: string, from: Checkpoint): boolean => {
    const current = checkpoints.get(name) ?? checkpointStart;
    return current.transactionId === from.transactionId && current.position === from.position;
  };
  const store: ProjectionStore = {
    async readSettled(after, limit) {
      return (await readAll(after.position, limit)).map((event) => ({
        ...event,
        transactionId: String(event.position),
      }));
    },
    // Appends here are synchronous: whatever has committed is settled.
    async horizon() {
      return { settled: '0', committed: '0' };
    },
    async countSettled(after) {
      return (await readAll(after.position, Number.MAX_SAFE_INTEGER)).length;
    },
    async settledCount(after, limit) {
      // Everything committed is settled: the horizon is past every position (the transaction ids here).
      return { settled: String(Number.MAX_SAFE_INTEGER), count: (await readAll(after.position, limit)).length };
    },
    async checkpoint(name) {
      const row = checkpoints.get(name);
      return row === undefined ? checkpointStart : { transactionId: row.transactionId, position: row.position };
    },
    async checkpoints() {
      return [...checkpoints.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async docs(name, keys) {
      const docs = docsByProjection.get(name);
      const found = new Map<string, unknown>();
      for (const key of keys) {
        const json = docs?.get(key);
        if (json !== undefined) found.set(key, JSON.parse(json));
      }
      return found;
    },
    // Synchronous, so the batches land together as one transaction would; a batch whose checkpoint moved writes nothing.
    async commit(batches) {
      const written = new Set<string>();
      for (const { name, from, to, docs, refs } of batches) {
        if (!isAt(name, from)) continue;
        checkpoints.set(name, { name, transactionId: to.transactionId, position: to.position, updatedAt: new Date() });
        if (docs !== undefined && docs.size > 0) {
          const kept = docsByProjection.get(name) ?? new Map<string, string>();
          docsByProjection.set(name, kept);
          for (const [key, doc] of docs) kept.set(key, JSON.stringify(doc));
        }
        if (refs !== undefined && refs.length > 0) {
          const rows = refsByProjection.get(name) ?? [];
          refsByProjection.set(name, rows);
          rows.push(...groupByBucket(refs));
        }
        written.add(name);
      }
      return written;
    },
    async positionsOf(name, bucket, key) {
      const rows = (refsByProjection.get(name) ?? []).filter((row) => row.bucket === bucket);
      return positionsIn(
        rows.sort((a, b) => a.position - b.position).map((row) => row.refs),
        key,
      );
    },
    async eventsAt(positions) {
      const found = await Promise.all(positions.map((position) => readAll(position - 1, 1)));
      return found.flat().filter((event) => positions.includes(event.position));
    },
    async reset(name) {
      docsByProjection.delete(name);
      refsByProjection.delete(name);
      checkpoints.delete(name);
    },
  };
  return store;
};
