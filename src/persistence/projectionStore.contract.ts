import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Checkpoint, CheckpointMovedError, checkpointStart, type ProjectionStore } from './projectionStore.ts';

export type ProjectionStoreUnderTest = Readonly<{
  projections: readonly ProjectionStore[];
  close: () => Promise<void>;
}>;

const at = (position: number): Checkpoint => ({ transactionId: '100', position });

/**
 * What every adapter's projection store must do when two runners (two nodes, or a read's catch-up beside the
 * background pass) write the same batch: the checkpoint moves once, the second writer gets CheckpointMovedError (the
 * runner reads on from where it is; any other error fails the read that asked) and writes nothing.
 */
export function projectionStoreContract(name: string, open: () => Promise<ProjectionStoreUnderTest>): void {
  describe(`${name} moves a projection's checkpoint once`, () => {
    let store: ProjectionStoreUnderTest;
    let projections: ProjectionStore;
    beforeEach(async () => {
      store = await open();
      projections = store.projections[0]!;
    });
    afterEach(async () => {
      await store.close();
    });

    it('refuses a commit from a checkpoint that moved with CheckpointMovedError, writing nothing', async () => {
      await projections.commit('p', checkpointStart, at(1), new Map([['k', { n: 1 }]]));
      const stale = projections.commit('p', checkpointStart, at(2), new Map([['k', { n: 2 }]]));
      await expect(stale).rejects.toBeInstanceOf(CheckpointMovedError);
      expect(await projections.checkpoint('p')).toEqual(at(1));
      expect(await projections.docs('p', ['k'])).toEqual(new Map([['k', { n: 1 }]]));
    });

    it('refuses a log projection batch from a checkpoint that moved with CheckpointMovedError, writing nothing', async () => {
      await projections.append('log', checkpointStart, at(1), [{ bucket: 'b', key: 'k', position: 1 }]);
      const stale = projections.append('log', checkpointStart, at(2), [{ bucket: 'b', key: 'k', position: 2 }]);
      await expect(stale).rejects.toBeInstanceOf(CheckpointMovedError);
      expect(await projections.checkpoint('log')).toEqual(at(1));
      expect(await projections.positionsOf('log', 'b', 'k')).toEqual([1]);
    });

    it('lets exactly one of two writers of the same batch commit; the other gets CheckpointMovedError', async () => {
      await projections.commit('p', checkpointStart, at(1), new Map([['k', { n: 1 }]]));
      const outcomes = await Promise.allSettled([
        projections.commit('p', at(1), at(2), new Map([['k', { n: 2, by: 'a' }]])),
        projections.commit('p', at(1), at(2), new Map([['k', { n: 2, by: 'b' }]])),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointMovedError);
      expect(await projections.checkpoint('p')).toEqual(at(2));
    });
  });
}
