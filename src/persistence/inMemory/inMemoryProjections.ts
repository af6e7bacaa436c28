import type { StoredEvent } from '../eventStore.ts';
import {
  type Checkpoint,
  CheckpointMovedError,
  type CheckpointRow,
  checkpointStart,
  type ProjectionStore,
} from '../projectionStore.ts';

/**
 * Projections over the in-memory log. Appends there are synchronous, so positions are commit order and every event is
 * settled at once: the transaction id of an event is its position. Documents go through JSON, as jsonb would.
 */
export const inMemoryProjections = (readAll: (afterPosition: number, limit: number) => Promise<StoredEvent[]>) => {
  const checkpoints = new Map<string, CheckpointRow>();
  const docsByProjection = new Map<string, Map<string, string>>();
  /** Per projection and key, entries as JSON by position (a replayed position is not added twice). */
  const entriesByProjection = new Map<string, Map<string, Map<number, string>>>();
  const moveCheckpoint = (name: string, from: Checkpoint, to: Checkpoint): void => {
    const row = checkpoints.get(name);
    const current = row === undefined ? checkpointStart : row;
    if (current.transactionId !== from.transactionId || current.position !== from.position)
      throw new CheckpointMovedError(name);
    checkpoints.set(name, { name, transactionId: to.transactionId, position: to.position, updatedAt: new Date() });
  };
  const store: ProjectionStore = {
    async readSettled(after, limit) {
      return (await readAll(after.position, limit)).map((event) => ({
        ...event,
        transactionId: String(event.position),
      }));
    },
    async countSettled(after) {
      return (await readAll(after.position, Number.MAX_SAFE_INTEGER)).length;
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
    async commit(name, from: Checkpoint, to: Checkpoint, docs) {
      moveCheckpoint(name, from, to);
      let kept = docsByProjection.get(name);
      if (kept === undefined) {
        kept = new Map();
        docsByProjection.set(name, kept);
      }
      for (const [key, doc] of docs) kept.set(key, JSON.stringify(doc));
    },
    async append(name, from, to, entries) {
      moveCheckpoint(name, from, to);
      let kept = entriesByProjection.get(name);
      if (kept === undefined) {
        kept = new Map();
        entriesByProjection.set(name, kept);
      }
      for (const { key, position, entry } of entries) {
        let ofKey = kept.get(key);
        if (ofKey === undefined) {
          ofKey = new Map();
          kept.set(key, ofKey);
        }
        if (!ofKey.has(position)) ofKey.set(position, JSON.stringify(entry));
      }
    },
    async entries(name, key) {
      const ofKey = entriesByProjection.get(name)?.get(key);
      if (ofKey === undefined) return [];
      return [...ofKey].sort(([a], [b]) => a - b).map(([, json]) => JSON.parse(json));
    },
    async reset(name) {
      docsByProjection.delete(name);
      entriesByProjection.delete(name);
      checkpoints.delete(name);
    },
  };
  return store;
};
