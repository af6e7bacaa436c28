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
      const current = await store.checkpoint(name);
      if (current.transactionId !== from.transactionId || current.position !== from.position)
        throw new CheckpointMovedError(name);
      let kept = docsByProjection.get(name);
      if (kept === undefined) {
        kept = new Map();
        docsByProjection.set(name, kept);
      }
      for (const [key, doc] of docs) kept.set(key, JSON.stringify(doc));
      checkpoints.set(name, { name, ...to, updatedAt: new Date() });
    },
    async reset(name) {
      docsByProjection.delete(name);
      checkpoints.delete(name);
    },
  };
  return store;
};
