import type { SeatMapDiff } from '../../domain/seatMap/views.ts';

export const diffsRememberedMaxDefault = 1_000;

/**
 * The last committed diffs of one event, oldest first, so a client that missed some (a gap, a reconnect) resumes
 * from its version without a full map. Bounded: past `diffsRememberedMax` the oldest diff is dropped.
 */
export class DiffRing {
  private readonly diffs: (SeatMapDiff | undefined)[];
  private start = 0;
  private length = 0;

  constructor(private readonly diffsRememberedMax: number = diffsRememberedMaxDefault) {
    this.diffs = new Array(diffsRememberedMax);
  }

  push(diff: SeatMapDiff): void {
    const last = this.at(this.length - 1);
    // A diff that does not continue the ring (the actor reloaded after a failed append, say) starts it afresh.
    if (last !== undefined && last.version !== diff.fromVersion) this.length = 0;
    if (this.length < this.diffsRememberedMax) {
      this.diffs[(this.start + this.length) % this.diffsRememberedMax] = diff;
      this.length += 1;
    } else {
      this.diffs[this.start] = diff;
      this.start = (this.start + 1) % this.diffsRememberedMax;
    }
  }

  /** Version of the newest diff remembered. */
  get version(): number | undefined {
    return this.at(this.length - 1)?.version;
  }

  /**
   * Every diff after `sinceVersion` up to `toVersion`, in order and contiguous, or undefined when the ring no longer
   * holds them all. An empty array means the client is already at `toVersion`.
   */
  since(sinceVersion: number, toVersion: number): SeatMapDiff[] | undefined {
    if (sinceVersion === toVersion) return [];
    if (sinceVersion > toVersion) return undefined;
    const out: SeatMapDiff[] = [];
    let expected = sinceVersion;
    for (let i = 0; i < this.length; i++) {
      const diff = this.at(i)!;
      if (diff.version <= sinceVersion) continue;
      if (diff.fromVersion !== expected) return undefined;
      out.push(diff);
      expected = diff.version;
      if (expected === toVersion) return out;
    }
    return undefined;
  }

  private at(index: number): SeatMapDiff | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.diffs[(this.start + index) % this.diffsRememberedMax];
  }
}
