import type { EntryRef } from './projectionStore.ts';

/** One stored row of a log projection's references: a bucket's references of one batch. */
export type RefsRow = Readonly<{ bucket: string; position: number; refs: string }>;

/**
 * A batch's references grouped into one row per bucket, keyed by the bucket's first position in the batch (batches do
 * not overlap, so no two rows of a bucket share one); the references as JSON text `[[key, position], ...]`.
 */
export const groupByBucket = (refs: readonly EntryRef[]): RefsRow[] => {
  const byBucket = new Map<string, { position: number; refs: [string, number][] }>();
  for (const { bucket, key, position } of refs) {
    const row = byBucket.get(bucket);
    if (row === undefined) byBucket.set(bucket, { position, refs: [[key, position]] });
    else {
      row.position = Math.min(row.position, position);
      row.refs.push([key, position]);
    }
  }
  return [...byBucket].map(([bucket, row]) => ({ bucket, position: row.position, refs: JSON.stringify(row.refs) }));
};

/** The positions under `key` in a bucket's rows (oldest row first), in log order, each once. */
export const positionsIn = (rows: readonly string[], key: string): number[] => {
  const positions = new Set<number>();
  for (const text of rows) {
    for (const [refKey, position] of JSON.parse(text) as [string, number][])
      if (refKey === key) positions.add(position);
  }
  return [...positions].sort((a, b) => a - b);
};
