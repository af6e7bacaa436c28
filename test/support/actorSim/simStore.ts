import {
  type AppendChain,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type Snapshot,
  type StoredEvent,
  WrongExpectedVersionError,
} from '../../../src/persistence/eventStore.ts';
import { StoreUnavailableError } from '../../../src/persistence/storeErrors.ts';
import type { ManualClock } from '../../../src/platform/clock.ts';
import type { Rng } from './random.ts';

/** One run of the server process: everything it started dies with it. */
export type Incarnation = { readonly id: number; alive: boolean };

/**
 * Deliberate breakage, to show the simulation catches it. `ackBeforeDurable`: an append answers success at once and
 * is written when the disk gets to it (or never, if the process dies first or another write got there): group commit
 * acknowledging what is not durable. `noVersionCheck`: appends ignore the expected version.
 */
export type StoreMutation = 'ackBeforeDurable' | 'noVersionCheck';

export type StoreFaults = {
  /** A call fails before it does anything. */
  failRate: number;
  /** An append is written, then its answer is lost (the connection drops after the commit). */
  ambiguousRate: number;
  /** A call takes 0.1 to 3 s: past the append deadline, so late commits and reordered completions happen. */
  stallRate: number;
};

export const noFaults: StoreFaults = { failRate: 0, ambiguousRate: 0, stallRate: 0 };

type Pending = { readonly incarnation: Incarnation; readonly kind: string; readonly crash: () => void };

/**
 * The event store as the simulation sees it: durable data in memory, and every call completed later on the manual
 * clock, after a latency the seed draws, so completions come back in any order. Calls may fail, stall, commit without
 * answering, or meet an outage; a crash of the process decides, for each call in flight, whether it reached the disk.
 */
export class SimStore {
  readonly streams = new Map<string, StoredEvent[]>();
  private readonly snapshots = new Map<string, Snapshot>();
  /** The id of the append that ended at a stream version (AppendChain), by `stream\u001fversion`. */
  private readonly appendIds = new Map<string, string>();
  private position = 0;
  private readonly pending = new Set<Pending>();
  private outageUntil = Number.NEGATIVE_INFINITY;
  faults: StoreFaults;
  readonly counts = { calls: 0, failed: 0, ambiguous: 0, stalled: 0, conflicts: 0, lostInCrash: 0, keptInCrash: 0 };

  constructor(
    private readonly clock: ManualClock,
    private readonly rng: Rng,
    faults: StoreFaults,
    private readonly mutation: StoreMutation | undefined,
  ) {
    this.faults = faults;
  }

  /** Every call fails fast until `ms` from now. */
  outage(ms: number): void {
    this.outageUntil = Math.max(this.outageUntil, this.clock.now() + ms);
  }

  get down(): boolean {
    return this.clock.now() < this.outageUntil;
  }

  /**
   * The process died: each of its writes in flight reaches the disk (at once or a little later) or not, at random;
   * none is answered.
   */
  crash(incarnation: Incarnation): void {
    for (const call of [...this.pending]) {
      if (call.incarnation !== incarnation) continue;
      this.pending.delete(call);
      call.crash();
    }
  }

  /** The store as one process sees it: calls from a dead process never return. */
  eventStore(incarnation: Incarnation): EventStore {
    return {
      append: (streamId, expectedVersion, events, _outbox, chain) =>
        this.call(incarnation, 'append', () => this.write(streamId, expectedVersion, events, chain), true),
      readStream: (streamId, afterVersion = 0, limit) =>
        this.call(incarnation, 'readStream', () => {
          const stream = this.streams.get(streamId) ?? [];
          return copy(stream.slice(afterVersion, limit === undefined ? undefined : afterVersion + limit));
        }),
      readStreamVersions: (streamId, versions) =>
        this.call(incarnation, 'readStreamVersions', () => {
          const stream = this.streams.get(streamId) ?? [];
          return copy([...new Set(versions)].sort((a, b) => a - b).flatMap((v) => stream[v - 1] ?? []));
        }),
      readAll: (afterPosition, limit) =>
        this.call(incarnation, 'readAll', () =>
          copy(
            [...this.streams.values()]
              .flat()
              .sort((a, b) => a.position - b.position)
              .filter((event) => event.position > afterPosition)
              .slice(0, limit),
          ),
        ),
      saveSnapshot: (streamId, version, state) =>
        this.call(incarnation, 'saveSnapshot', () => {
          const current = this.snapshots.get(streamId);
          if (current !== undefined && current.version > version) return;
          this.snapshots.set(streamId, { streamId, version, state: json(state), takenAt: new Date(this.clock.now()) });
        }),
      loadSnapshot: (streamId) =>
        this.call(incarnation, 'loadSnapshot', () => {
          const snapshot = this.snapshots.get(streamId);
          return snapshot === undefined ? undefined : { ...snapshot, state: json(snapshot.state) };
        }),
      // The simulation keeps no snapshot history: an older instant replays from the start.
      loadSnapshotAt: (streamId, maxVersion) =>
        this.call(incarnation, 'loadSnapshot', () => {
          const snapshot = this.snapshots.get(streamId);
          return snapshot === undefined || snapshot.version > maxVersion
            ? undefined
            : { ...snapshot, state: json(snapshot.state) };
        }),
      close: async () => {},
    };
  }

  /** The durable stream, for the checker. */
  log(streamId: string): readonly StoredEvent[] {
    return copy(this.streams.get(streamId) ?? []);
  }

  private write(
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    chain: AppendChain | undefined,
  ): AppendResult {
    const stream = this.streams.get(streamId) ?? [];
    const key = (version: number) => `${streamId}\u001f${version}`;
    if (
      this.mutation !== 'noVersionCheck' &&
      (stream.length !== expectedVersion ||
        (chain?.after !== undefined && this.appendIds.get(key(expectedVersion)) !== chain.after))
    ) {
      this.counts.conflicts += 1;
      throw new WrongExpectedVersionError(streamId, expectedVersion);
    }
    if (chain !== undefined) this.appendIds.set(key(expectedVersion + events.length), chain.id);
    const from = stream.length;
    const stored = events.map(
      (event, i): StoredEvent => ({
        position: ++this.position,
        streamId,
        streamVersion: from + i + 1,
        type: event.type,
        data: json(event.data ?? null),
        recordedAt: new Date(this.clock.now()),
      }),
    );
    this.streams.set(streamId, [...stream, ...stored]);
    return { fromVersion: from + 1, toVersion: from + events.length, lastPosition: this.position };
  }

  /**
   * Runs `effect` after a latency drawn now, with the outcome drawn now too (so a seed fixes both): fail before it,
   * run it and lose the answer (writes only), or run it and answer. A dead process gets no answer.
   */
  private call<T>(incarnation: Incarnation, kind: string, effect: () => T, isWrite = false): Promise<T> {
    if (!incarnation.alive) return new Promise(() => {});
    this.counts.calls += 1;
    const { failRate, ambiguousRate, stallRate } = this.faults;
    const stalled = this.rng.chance(stallRate);
    const latencyMs = stalled ? this.rng.int(100, 3_000) : this.rng.int(0, 5);
    const roll = this.rng.next();
    const outcome = roll < failRate ? 'fail' : isWrite && roll < failRate + ambiguousRate ? 'ambiguous' : 'ok';
    const keptInCrash = this.rng.chance(0.5);
    const landsAfterCrashMs = this.rng.int(0, 3_000);
    if (stalled) this.counts.stalled += 1;
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        this.pending.delete(call);
        if (this.down || outcome === 'fail') {
          this.counts.failed += 1;
          reject(new StoreUnavailableError(`simulated ${kind} failure`));
          return;
        }
        let value: T;
        try {
          value = effect();
        } catch (error) {
          reject(error);
          return;
        }
        if (outcome === 'ambiguous') {
          this.counts.ambiguous += 1;
          reject(new StoreUnavailableError(`simulated connection loss after the ${kind} committed`));
        } else resolve(value);
      };
      const cancel = this.clock.setTimer(latencyMs, settle);
      const call: Pending = {
        incarnation,
        kind,
        crash: () => {
          cancel();
          if (!isWrite || this.down || outcome === 'fail') return;
          if (keptInCrash) {
            // The database carries on with a statement whose client died: it commits up to 3 s later, maybe after
            // the next process has loaded the stream and written to it.
            this.counts.keptInCrash += 1;
            this.clock.setTimer(landsAfterCrashMs, () => {
              try {
                effect();
              } catch {
                // A conflicting write was refused by the version check: nothing was written.
              }
            });
          } else this.counts.lostInCrash += 1;
        },
      };
      this.pending.add(call);
      if (this.mutation === 'ackBeforeDurable' && isWrite && kind === 'append') {
        // The mutation: success now, the write when (and if) the disk gets to it.
        const writeLater = effect;
        effect = (() => {
          try {
            writeLater();
          } catch {
            // Lost: the caller was told it was written.
          }
          return undefined;
        }) as () => T;
        resolve({ fromVersion: 0, toVersion: 0, lastPosition: 0 } as T);
      }
    });
  }
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const copy = (events: readonly StoredEvent[]): StoredEvent[] =>
  events.map((event) => ({ ...event, data: json(event.data), recordedAt: new Date(event.recordedAt) }));
