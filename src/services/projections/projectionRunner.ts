import { type AnyProjection, isLogProjection, type LoggedEvent } from '../../domain/projections/index.ts';
import type { StoredEvent } from '../../persistence/eventStore.ts';
import {
  type Checkpoint,
  type CheckpointRow,
  checkpointStart,
  type ProjectionBatch,
  type ProjectionStore,
  type SettledEvent,
} from '../../persistence/projectionStore.ts';
import { type Clock, repeatTimer } from '../../platform/clock.ts';

export type ProjectionRunnerOptions = Readonly<{
  /** One per database (shard); each is read and written on its own. */
  stores: readonly ProjectionStore[];
  projections: readonly AnyProjection[];
  clock: Clock;
  /**
   * Events read from the log and applied per transaction. Default 1,000. A batch of this process's own appends taken
   * from memory (`ownAppends`) is all of them, as many as memory keeps.
   */
  batchSizeMax?: number;
  /** How often `start` catches every projection up. Default 250 ms; 0: never (projections catch up when read). */
  intervalMs?: number;
  onError?: (error: unknown, context: string) => void;
  /** Longest `catchUpForRead` waits for transactions still open elsewhere. Default 2,000 ms. */
  readWaitMaxMs?: number;
  /**
   * While the background pass runs, take this process's own appends from memory (a store's `recent`) instead of reading
   * them back from the log, whenever the log has no other settled event after the checkpoint. Default false (a
   * process that writes nothing, such as `npm run projections -- follow`, would only pay for the check).
   */
  ownAppends?: boolean;
}>;

export type ProjectionStatus = Readonly<{
  projection: string;
  /** Index of the database (shard) in the store list. */
  store: number;
  checkpoint: Checkpoint;
  updatedAt?: Date;
  /** Settled events after the checkpoint. */
  lagEvents: number;
}>;

/** Orders two places in the log by (transaction id, position): negative when `a` comes first. */
const compareCursors = (a: Checkpoint, b: Checkpoint): number => {
  const [x, y] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  return x === y ? a.position - b.position : x < y ? -1 : 1;
};

const logged = (event: StoredEvent): LoggedEvent => ({
  position: event.position,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  type: event.type,
  data: event.data,
  recordedAt: event.recordedAt.getTime(),
});

/**
 * The shell around the pure projections: reads each database's log from each projection's checkpoint, folds a batch
 * into the documents it touches, and commits documents and checkpoint in one transaction. A crash anywhere leaves the
 * checkpoint where the last commit put it, with exactly that commit's documents, so the next run resumes there and
 * counts nothing twice. Two runners (two nodes) may run at once: the second to commit a batch finds the checkpoint
 * moved, writes nothing, and reads on from the new one.
 *
 * Passes for one projection and database never overlap: a caller that asks while one runs waits for the next one,
 * which starts after it (so it sees everything committed before the call), and callers that ask meanwhile share it.
 */
export class ProjectionRunner {
  private readonly active = new Map<string, Promise<number>>();
  private readonly queued = new Map<string, Promise<number>>();
  private stopTimer: (() => void) | undefined;
  /** Batches taken from this process's appends in memory, and read from the log (the fallback, or no `recent`). */
  readonly batches = { fromMemory: 0, fromLog: 0 };

  constructor(private readonly options: ProjectionRunnerOptions) {}

  get projectionNames(): string[] {
    return this.options.projections.map((projection) => projection.name);
  }

  get stores(): readonly ProjectionStore[] {
    return this.options.stores;
  }

  /** Catches every projection up now and then every `intervalMs` until `stop`; `intervalMs` 0: no background pass. */
  start(): void {
    if (this.stopTimer !== undefined || this.options.intervalMs === 0) return;
    if (this.options.ownAppends === true) for (const store of this.options.stores) store.recent?.follow(true);
    this.stopTimer = repeatTimer(this.options.clock, this.options.intervalMs ?? 250, () => {
      this.catchUp().catch((error: unknown) => this.options.onError?.(error, 'projection catch-up failed'));
    });
  }

  /** Stops the background catch-up; resolves once the passes under way have ended (committed or failed). */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    for (const store of this.options.stores) store.recent?.follow(false);
    await Promise.allSettled([...this.active.values(), ...this.queued.values()]);
  }

  /**
   * Applies every settled event not yet applied, to one projection or all; resolves with how many were applied (an
   * event applied to two projections counts twice). All of them (the background pass) read each database's log once
   * per batch for every projection together.
   */
  async catchUp(name?: string): Promise<number> {
    const runs =
      name === undefined
        ? this.options.stores.map((store, index) => this.schedule(`${index}\u001f*`, () => this.drainAll(store)))
        : this.selected(name).flatMap((projection) =>
            this.options.stores.map((store, index) =>
              this.schedule(`${index}\u001f${projection.name}`, () => this.drain(store, projection)),
            ),
          );
    return (await Promise.all(runs)).reduce((sum, applied) => sum + applied, 0);
  }

  /**
   * Catches a projection up with everything committed before this call, for a read that must see its caller's own
   * writes (a buyer's order just placed). On Postgres a pass reads only settled events (of transactions below the
   * snapshot's xmin, server-wide), so a transaction still open elsewhere can hold back an event committed before the
   * call: this waits until every transaction that was running at the call has ended, then runs the pass. Bounded by
   * `readWaitMaxMs` (default 2 s): past it, the read is served from what is applied.
   */
  async catchUpForRead(name: string): Promise<void> {
    const horizons = () => Promise.all(this.options.stores.map((store) => store.horizon()));
    const targets = await horizons();
    const startedAt = performance.now();
    // The first look is the call's own: with nothing else running (PGlite, memory, a quiet server) no second one.
    let now = targets;
    for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
      const reached = now.every((horizon, index) => BigInt(horizon.settled) >= BigInt(targets[index]!.committed));
      if (reached || performance.now() - startedAt > (this.options.readWaitMaxMs ?? 2_000)) break;
      // Waiting for other transactions of the database to end: not a time the domain keeps, so not the clock's.
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      now = await horizons();
    }
    await this.catchUp(name);
  }

  /** Forgets a projection's documents and checkpoint, then applies the whole log again. */
  async rebuild(name?: string): Promise<number> {
    const resets = this.selected(name).flatMap((projection) =>
      this.options.stores.map((store, index) =>
        this.schedule(`${index}\u001f${projection.name}`, async () => {
          await store.reset(projection.name);
          return 0;
        }),
      ),
    );
    await Promise.all(resets);
    return this.catchUp(name);
  }

  async status(): Promise<ProjectionStatus[]> {
    const rows: ProjectionStatus[] = [];
    for (const [index, store] of this.options.stores.entries()) {
      const saved = new Map<string, CheckpointRow>((await store.checkpoints()).map((row) => [row.name, row]));
      for (const projection of this.options.projections) {
        const row = saved.get(projection.name);
        const checkpoint = row === undefined ? { transactionId: '0', position: 0 } : row;
        rows.push({
          projection: projection.name,
          store: index,
          checkpoint: { transactionId: checkpoint.transactionId, position: checkpoint.position },
          ...(row === undefined ? {} : { updatedAt: row.updatedAt }),
          lagEvents: await store.countSettled(checkpoint),
        });
      }
    }
    return rows;
  }

  /**
   * A log projection's entries under one key, in log order, from every database (an event's entries live on its shard
   * only): the events its references name, read again and passed through `entriesOf`.
   */
  async entries<Entry>(name: string, key: string): Promise<Entry[]> {
    const projection = this.selected(name)[0];
    if (projection === undefined || !isLogProjection(projection))
      throw new RangeError(`${name} is not a log projection`);
    const bucket = projection.bucketOf?.(key) ?? key;
    const found = await Promise.all(
      this.options.stores.map(async (store) => {
        const events = await store.eventsAt(await store.positionsOf(name, bucket, key));
        return events.flatMap((event) =>
          projection.entriesOf(logged(event)).flatMap((keyed) => (keyed.key === key ? [keyed.entry as Entry] : [])),
        );
      }),
    );
    return found.flat();
  }

  /** One document of a projection from every database that has it (an event's documents live on its shard only). */
  async docs<Doc>(name: string, key: string): Promise<Doc[]> {
    const found = await Promise.all(this.options.stores.map((store) => store.docs(name, [key])));
    return found.flatMap((docs) => (docs.has(key) ? [docs.get(key) as Doc] : []));
  }

  private selected(name: string | undefined): readonly AnyProjection[] {
    if (name === undefined) return this.options.projections;
    const projection = this.options.projections.find((candidate) => candidate.name === name);
    if (projection === undefined) throw new RangeError(`no projection named ${name}`);
    return [projection];
  }

  private schedule(key: string, pass: () => Promise<number>): Promise<number> {
    const waiting = this.queued.get(key);
    if (waiting !== undefined) return waiting;
    const before = this.active.get(key) ?? Promise.resolve(0);
    const next: Promise<number> = before
      .catch(() => 0)
      .then(() => {
        this.queued.delete(key);
        this.active.set(key, next);
        return pass();
      })
      .finally(() => {
        if (this.active.get(key) === next) this.active.delete(key);
      });
    this.queued.set(key, next);
    return next;
  }

  /** Batches until the log has no settled event after the checkpoint. */
  private async drain(store: ProjectionStore, projection: AnyProjection): Promise<number> {
    let applied = 0;
    for (;;) {
      const step = await this.step(store, projection);
      // Another runner committed this batch first (nothing written): read on from where it left the checkpoint.
      if (!step.written) continue;
      applied += step.read;
      if (step.drained) return applied;
    }
  }

  /** Batches of every projection together until the log has no settled event after any of their checkpoints. */
  private async drainAll(store: ProjectionStore): Promise<number> {
    let applied = 0;
    for (;;) {
      const step = await this.stepAll(store);
      applied += step.applied;
      if (step.drained) return applied;
    }
  }

  /**
   * One batch for every projection: the log is read once, from the checkpoint furthest behind, each projection folds
   * the events after its own checkpoint, and every projection's batch is committed in one transaction (documents,
   * references and checkpoints together). A projection whose checkpoint another runner moved meanwhile writes nothing
   * this time, while the others' batches are committed; the next batch reads on from where it is now.
   */
  private async stepAll(store: ProjectionStore): Promise<{ applied: number; drained: boolean }> {
    const saved = new Map((await store.checkpoints()).map((row) => [row.name, row]));
    const froms = this.options.projections.map((projection): Checkpoint => {
      const row = saved.get(projection.name);
      return row === undefined ? checkpointStart : { transactionId: row.transactionId, position: row.position };
    });
    const from = froms.reduce((earliest, checkpoint) =>
      compareCursors(checkpoint, earliest) < 0 ? checkpoint : earliest,
    );
    // Every projection is past `from`: what this process kept up to it is no longer needed.
    store.recent?.forget(from);
    const { events, drained } = await this.readSettled(store, from);
    const folded = await Promise.all(
      this.options.projections.map(async (projection, index) => {
        const own = froms[index]!;
        // The log comes in cursor order: the events after this projection's checkpoint are a tail of it (usually all of
        // it, found with one comparison; a filter parsed two transaction ids per event and projection).
        const first = events.findIndex((event) => compareCursors(event, own) > 0);
        const after = first === -1 ? [] : first === 0 ? events : events.slice(first);
        return { batch: await this.fold(store, projection, own, after), applied: after.length };
      }),
    );
    const batches = folded.flatMap(({ batch }) => (batch === undefined ? [] : [batch]));
    const written = await store.commit(batches);
    const applied = folded.reduce(
      (sum, { batch, applied }) => (batch !== undefined && written.has(batch.name) ? sum + applied : sum),
      0,
    );
    return { applied, drained };
  }

  /**
   * One batch: read, fold, commit with the checkpoint. Returns the events read, whether they were written (false:
   * another runner moved the checkpoint meanwhile) and whether the log had no more settled events after them.
   */
  async step(
    store: ProjectionStore,
    projection: AnyProjection,
  ): Promise<{ read: number; written: boolean; drained: boolean }> {
    const from = await store.checkpoint(projection.name);
    const { events, drained } = await this.readSettled(store, from);
    const batch = await this.fold(store, projection, from, events);
    if (batch === undefined) return { read: 0, written: true, drained: true };
    return { read: events.length, written: (await store.commit([batch])).has(projection.name), drained };
  }

  /**
   * The settled events after `from`, in cursor order, and whether the log had no more of them: from this process's
   * appends kept in memory when the log has exactly as many settled events after `from` as are kept (counted in the
   * snapshot whose horizon chooses the kept ones), all of them in one batch (at most what memory keeps: they are in
   * memory already, and each batch costs the database its statements whatever its size); else at most `batchSizeMax`
   * read from the log. The kept appends are committed events of this database with their own transaction ids and
   * positions, so a set of them as large as the log's is the log's: nothing is skipped, and an event of a transaction
   * still open (or one committed out of order, below the horizon later) is in neither.
   */
  private async readSettled(
    store: ProjectionStore,
    from: Checkpoint,
  ): Promise<{ events: readonly SettledEvent[]; drained: boolean }> {
    const limit = this.options.batchSizeMax ?? 1_000;
    const recent = store.recent;
    if (recent?.active === true) {
      // Counted up to one more than memory can hold: appends answered while the count is on its way are kept too.
      const { settled, count } = await store.settledCount(from, recent.maxEvents + 1);
      const kept = recent.settledAfter(from, settled);
      if (kept.length === count) {
        this.batches.fromMemory += 1;
        return { events: kept, drained: true };
      }
    }
    this.batches.fromLog += 1;
    const events = await store.readSettled(from, limit);
    return { events, drained: events.length < limit };
  }

  /**
   * Folds the events into the documents they touch, as a batch to commit with the checkpoint moved past the last one (a
   * log projection's entries are references instead, with nothing read); none when there are no events.
   */
  private async fold(
    store: ProjectionStore,
    projection: AnyProjection,
    from: Checkpoint,
    events: readonly SettledEvent[],
  ): Promise<ProjectionBatch | undefined> {
    const last = events.at(-1);
    if (last === undefined) return undefined;
    const to = { transactionId: last.transactionId, position: last.position };
    const batch = events.map(logged);
    if (isLogProjection(projection)) {
      const bucketOf = projection.bucketOf ?? ((key: string) => key);
      const refs = batch.flatMap((event) =>
        projection.entriesOf(event).map(({ key }) => ({ bucket: bucketOf(key), key, position: event.position })),
      );
      return { name: projection.name, from, to, refs };
    }
    const keysOfEvent = batch.map((event) => projection.keysOf(event));
    const docs = await store.docs(projection.name, [...new Set(keysOfEvent.flat())]);
    batch.forEach((event, index) => {
      for (const key of keysOfEvent[index]!) docs.set(key, projection.evolve(docs.get(key), event, key));
    });
    return { name: projection.name, from, to, docs };
  }
}
