import { BookingError } from '../domain/bookingError.ts';
import { assertInventorySound } from '../domain/seatMap/invariants.ts';
import { fromSnapshot, type InventorySnapshot, snapshotFormat } from '../domain/seatMap/snapshot.ts';
import {
  assertWaitlistSound,
  type EventSnapshot,
  type EventState,
  type EventStreamEvent,
  evolveEvent,
  fromEventSnapshot,
  initialEventState,
} from '../domain/waitlist/index.ts';
import { initialWaitlistState } from '../domain/waitlist/state.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import { type Clock, repeatTimer } from '../platform/clock.ts';
import {
  type CommittedBatch,
  EventActor,
  type EventActorOptions,
  type RecoveryEvent,
  streamIdOf,
} from './eventActor.ts';

export type ActivationOptions = Readonly<{
  store: EventStore;
  catalog: Catalog;
  clock: Clock;
  actor?: Pick<
    EventActorOptions,
    | 'mailboxLengthMax'
    | 'batchSizeMax'
    | 'appendsInFlightMax'
    | 'snapshotPolicy'
    | 'checkInvariantsEveryBatch'
    | 'sweepIntervalMs'
    | 'appendTimeoutMs'
    | 'reloadAttemptsMax'
    | 'reloadBackoffBaseMs'
    | 'reloadBackoffMaxMs'
    | 'loadTimeoutMs'
    | 'random'
    | 'outboxOf'
  >;
  onCommitted?: (batch: CommittedBatch) => void;
  /**
   * Called with an actor whose state was just built from the store: once per activation, and again after each reload
   * that follows a store failure (payments repeat the side effects its orders still need; a batch that committed after
   * its deadline has had none).
   */
  onActivated?: (actor: EventActor) => void;
  onError?: (error: unknown, context: string) => void;
  onRecovery?: (event: RecoveryEvent) => void;
  /** Events read per round trip while replaying a stream. */
  replayPageSize?: number;
  /** An actor idle this long (see EventActor.isIdle) is stopped, to be activated again on demand. Default 10 min. */
  idleMs?: number;
  /**
   * Cluster mode: makes this node the event's owner before its state is loaded (lease and owner epoch, src/cluster/);
   * rejects when another node owns it, and the activation fails with that error.
   */
  claim?: (eventId: string) => Promise<void>;
  /** The event's actor stopped here and its ownership may go: idle (`passivated`), at shutdown, evicted or retired. */
  released?: (eventId: string, why: ReleaseReason) => void;
}>;

export type ReleaseReason = 'passivated' | 'drained' | 'evicted' | 'retired';

export const idleMsDefault = 10 * 60_000;

/**
 * The state a stored snapshot holds, or undefined when it is of a format this code does not read (the stream alone
 * rebuilds the state then). An inventory-only snapshot was taken before the actor ran the waitlist: no waitlist event
 * precedes it, so its waitlist is empty.
 */
export const fromStoredSnapshot = (
  venue: Parameters<typeof initialEventState>[0],
  config: Parameters<typeof initialEventState>[1],
  stored: unknown,
): EventState | undefined => {
  if (stored === undefined || stored === null) return undefined;
  const both = stored as Partial<EventSnapshot>;
  if (both.inventory !== undefined && both.waitlist !== undefined)
    return both.inventory.format === snapshotFormat
      ? fromEventSnapshot(venue, config, both as EventSnapshot)
      : undefined;
  const alone = stored as InventorySnapshot;
  if (alone.format !== snapshotFormat) return undefined;
  const inventory = fromSnapshot(venue, config, alone);
  return { inventory, waitlist: initialWaitlistState(inventory.layout) };
};

/**
 * Activates an event's actor on first use: catalog → latest snapshot → replay of the events after it.
 * Concurrent first requests share one activation; a failed activation is forgotten so the next request retries.
 * Idle actors are stopped (passivated) so memory holds the events on sale now, not every event ever touched; a
 * request for a stopping event waits for its last snapshot, then activates it again.
 */
export class Activations {
  private readonly actors = new Map<string, Promise<EventActor>>();
  /** The actors of `actors` whose activation has finished: what `running` answers without a turn of the event loop. */
  private readonly settled = new Map<string, EventActor>();
  private readonly stopping = new Map<string, Promise<void>>();
  /** Cancels the passivation timer. */
  private readonly stopPassivation: () => void;

  constructor(private readonly options: ActivationOptions) {
    const idleMs = options.idleMs ?? idleMsDefault;
    this.stopPassivation = repeatTimer(options.clock, Math.max(10, idleMs / 4), () => void this.passivateIdle());
  }

  get(eventId: string): Promise<EventActor> {
    let actor = this.actors.get(eventId);
    if (actor === undefined) {
      const previous = this.stopping.get(eventId) ?? Promise.resolve();
      const activation = previous.then(() => this.activate(eventId));
      this.actors.set(eventId, activation);
      activation.then(
        (activated) => {
          if (this.actors.get(eventId) === activation) this.settled.set(eventId, activated);
        },
        () => this.drop(eventId, activation),
      );
      actor = activation;
    }
    return actor;
  }

  /** The event's actor when its activation has finished and it is still the event's; undefined otherwise. Synchronous. */
  runningNow(eventId: string): EventActor | undefined {
    return this.settled.get(eventId);
  }

  /** Tells every running actor the store answers again: those recovering from a failure reload now. */
  async retryNow(): Promise<void> {
    for (const actor of await this.running()) actor.retryNow();
  }

  /** The event's actor when it is active (or activating) now, without activating it. */
  peek(eventId: string): Promise<EventActor> | undefined {
    return this.actors.get(eventId);
  }

  /** Events whose actor is active or activating now. */
  get activeCount(): number {
    return this.actors.size;
  }

  /**
   * Stops every actor idle for the passivation time; the clock runs this every quarter of it. Resolves once the
   * pass has decided (stopping actors go on in the background; a request for one waits for it).
   */
  async passivateIdle(): Promise<void> {
    const idleMs = this.options.idleMs ?? idleMsDefault;
    for (const [eventId, activation] of [...this.actors]) {
      const actor = await activation.catch(() => undefined);
      // Checked after the await: the map may have changed, and the actor may have woken up.
      if (actor === undefined || this.actors.get(eventId) !== activation || !actor.isIdle(idleMs)) continue;
      this.drop(eventId, activation);
      void this.stopActor(eventId, actor, 'passivated');
    }
  }

  /**
   * Stops the event's actor now, whatever it is doing (cluster mode: this node lost the event's lease); the next
   * request activates it again, wherever the placement says. Resolves once it has stopped.
   */
  async evict(eventId: string): Promise<void> {
    const activation = this.actors.get(eventId);
    if (activation === undefined) return;
    this.drop(eventId, activation);
    const actor = await activation.catch(() => undefined);
    if (actor !== undefined) await this.stopActor(eventId, actor, 'evicted');
  }

  /** Events whose actor is active (or activating) here now. */
  activeEventIds(): string[] {
    return [...this.actors.keys()];
  }

  private stopActor(eventId: string, actor: EventActor, why: ReleaseReason): Promise<void> {
    const stopped = actor
      .stop()
      .catch((error: unknown) => this.options.onError?.(error, `stopping ${eventId} (${why}) failed`))
      .finally(() => {
        if (this.stopping.get(eventId) === stopped) this.stopping.delete(eventId);
        this.options.released?.(eventId, why);
      });
    this.stopping.set(eventId, stopped);
    return stopped;
  }

  /** Actors that are running now (for metrics and shutdown). */
  async running(): Promise<EventActor[]> {
    const settled = await Promise.allSettled(this.actors.values());
    return settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }

  async stopAll(): Promise<void> {
    this.stopPassivation();
    const running = await Promise.all(
      [...this.actors].map(
        async ([eventId, activation]) => [eventId, await activation.catch(() => undefined)] as const,
      ),
    );
    await Promise.all([
      ...running.map(async ([eventId, actor]) => {
        await actor?.stop();
        this.options.released?.(eventId, 'drained');
      }),
      ...this.stopping.values(),
    ]);
  }

  /** Latest durable state of an event: snapshot plus every event after it, checked before use. */
  async load(eventId: string): Promise<EventState> {
    const { catalog, store } = this.options;
    const config = await catalog.getEvent(eventId);
    if (config === undefined) throw new BookingError('NOT_FOUND', `no event ${eventId}`);
    const venue = await catalog.getVenue(config.venueId);
    if (venue === undefined) throw new Error(`event ${eventId} names missing venue ${config.venueId}`);
    const streamId = streamIdOf(eventId);
    const stored = await store.loadSnapshot(streamId);
    const state = fromStoredSnapshot(venue, config, stored?.state) ?? initialEventState(venue, config);
    const pageSize = this.options.replayPageSize ?? 5_000;
    for (;;) {
      const page = await store.readStream(streamId, state.inventory.version, pageSize);
      for (const stored of page) {
        if (stored.streamVersion !== state.inventory.version + 1)
          throw new Error(`stream ${streamId} skips to ${stored.streamVersion}`);
        evolveEvent(state, { type: stored.type, data: stored.data } as EventStreamEvent);
      }
      if (page.length < pageSize) break;
    }
    assertInventorySound(state.inventory);
    assertWaitlistSound(state);
    return state;
  }

  private async activate(eventId: string): Promise<EventActor> {
    await this.options.claim?.(eventId);
    const initial = await this.load(eventId).catch((error: unknown) => {
      // Claimed but not served: the claim is let go, so the next request (here or elsewhere) claims afresh.
      this.options.released?.(eventId, 'retired');
      throw error;
    });
    const { store, clock, actor, onCommitted, onError, onRecovery } = this.options;
    const built = () => {
      try {
        this.options.onActivated?.(activated);
      } catch (error) {
        onError?.(error, 'an activation listener failed');
      }
    };
    const activated: EventActor = new EventActor(initial, {
      eventId,
      store,
      clock,
      load: () => this.load(eventId),
      ...actor,
      ...(onCommitted === undefined ? {} : { onCommitted }),
      ...(onError === undefined ? {} : { onError }),
      ...(onRecovery === undefined ? {} : { onRecovery }),
      onReloaded: built,
      onRetired: () => this.forget(eventId, activated),
    });
    built();
    return activated;
  }

  /** Forgets the event's activation, if it is still `activation`, and its settled actor with it. */
  private drop(eventId: string, activation: Promise<EventActor>): void {
    if (this.actors.get(eventId) !== activation) return;
    this.actors.delete(eventId);
    this.settled.delete(eventId);
  }

  /** Drops a retired actor, if it is still the one registered, so the next request activates a fresh one. */
  private forget(eventId: string, actor: EventActor): void {
    const registered = this.actors.get(eventId);
    if (registered === undefined) return;
    // An activation registered since may be one that fails: its requesters hear that; here it must not be unhandled.
    void registered.then(
      (current) => {
        if (current === actor && this.actors.get(eventId) === registered) {
          this.drop(eventId, registered);
          this.options.released?.(eventId, 'retired');
        }
      },
      () => undefined,
    );
  }
}
