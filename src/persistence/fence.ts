/**
 * Fencing an event store in cluster mode: each event's stream has one owner at a time, named with an epoch that only
 * rises (Postgres hands it out: OwnerEpochs.claim). A fenced store writes a stream only under the epoch this process
 * holds for it, checked in the append's own statement, so a node that lost an event (paused past its lease,
 * partitioned, slow) can never write to it again: its append fails with FencedError and nothing is written.
 */
export interface Fence {
  /** The epoch this process holds for the stream, or undefined when it owns no such stream (nothing may be appended). */
  epochOf(streamId: string): number | undefined;
}

/** The epochs this process holds, one per owned stream: what the placement sets and the fenced store reads. */
export class HeldEpochs implements Fence {
  private readonly epochs = new Map<string, number>();

  epochOf(streamId: string): number | undefined {
    return this.epochs.get(streamId);
  }

  hold(streamId: string, epoch: number): void {
    this.epochs.set(streamId, epoch);
  }

  /** Forgets the stream, only if it is still held at `epoch` (a later claim's epoch stays). */
  drop(streamId: string, epoch?: number): void {
    if (epoch === undefined || this.epochs.get(streamId) === epoch) this.epochs.delete(streamId);
  }

  get size(): number {
    return this.epochs.size;
  }
}

/** The append was refused because another node owns the stream under a newer epoch (or this one holds none). */
export class FencedError extends Error {
  constructor(
    readonly streamId: string,
    readonly epoch: number | undefined,
    readonly currentEpoch: number | undefined,
  ) {
    super(
      epoch === undefined
        ? `stream ${streamId} is not owned by this node`
        : `stream ${streamId} is owned under epoch ${currentEpoch ?? 'none'}, not ${epoch}: this node was deposed`,
    );
    this.name = 'FencedError';
  }
}

export const isFenced = (error: unknown): error is FencedError => error instanceof FencedError;

/** An event stream's owner as Postgres records it. `node` is null when the last owner let it go on purpose. */
export type OwnerRecord = Readonly<{ streamId: string; epoch: number; node: string | null }>;

/** The owner epochs, kept in the database of the streams they fence. */
export interface OwnerEpochs {
  /** Makes `node` the stream's owner under a new epoch (one above any before it) and returns that epoch. */
  claim(streamId: string, node: string): Promise<number>;
  current(streamId: string): Promise<OwnerRecord | undefined>;
  /** Streams whose record names a node (owned now, or by a node that died). */
  owned(limit: number): Promise<OwnerRecord[]>;
  /** The owner lets the stream go (passivated): its record keeps the epoch and names no node. */
  vacate(streamId: string, node: string, epoch: number): Promise<void>;
}
