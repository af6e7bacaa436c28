import { BookingError, transientErrorCodes } from '../domain/bookingError.ts';
import { isRoomLive, isRoomTickDue } from '../domain/queue/read.ts';
import { RecentMap } from '../domain/recentMap.ts';
import type { InventoryCommand } from '../domain/seatMap/commands.ts';
import { assertInventorySound } from '../domain/seatMap/invariants.ts';
import { seatMapDiff, seatMapView } from '../domain/seatMap/read.ts';
import { isSameRequest, requestFingerprint } from '../domain/seatMap/requests.ts';
import { type SnapshotPolicy, shouldSnapshot } from '../domain/seatMap/snapshot.ts';
import {
  applyStockChange,
  countStock,
  type StockChange,
  type StockCounter,
  soldOutRefusal,
  stockChangeOf,
} from '../domain/seatMap/soldOut.ts';
import { type InventoryState, type RequestOutcome, requestKey } from '../domain/seatMap/state.ts';
import type { HoldRequest, SeatMapDiff, SeatMapView } from '../domain/seatMap/views.ts';
import { unstorableMessage, unstorableTextPath } from '../domain/storableText.ts';
import {
  assertWaitlistSound,
  type EventCommand,
  type EventSnapshot,
  type EventState,
  type EventStreamEvent,
  handle,
  isWaitlistCommand,
  toEventSnapshot,
} from '../domain/waitlist/index.ts';
import { initialWaitlistState } from '../domain/waitlist/state.ts';
import type { AppendChain, EventStore } from '../persistence/eventStore.ts';
import { isFenced } from '../persistence/fence.ts';
import type { OutboxMessage } from '../persistence/outbox.ts';
import { isStoreUnavailable, StoreUnavailableError } from '../persistence/storeErrors.ts';
import { type Clock, repeatTimer } from '../platform/clock.ts';
import { newId } from '../platform/ids.ts';
import { Mailbox } from './mailbox.ts';

/** What a command's sender gets once its batch is durable. */
export type CommandReply = Readonly<{ events: readonly EventStreamEvent[]; outcome: RequestOutcome | undefined }>;

/** A committed batch: the diff for subscribers and the events for everyone else (orders, outbox, metrics). */
export type CommittedBatch = Readonly<{
  diff: SeatMapDiff;
  events: readonly EventStreamEvent[];
  commandCount: number;
}>;

/**
 * The actor's state as it is loaded: the inventory and the waitlist (an inventory alone, as older callers and specs
 * build it, runs with an empty waitlist).
 */
export type ActorState = EventState | InventoryState;

const asEventState = (state: ActorState): EventState =>
  'inventory' in state && 'waitlist' in state
    ? state
    : { inventory: state, waitlist: initialWaitlistState(state.layout) };

type CommandEnvelope = {
  readonly kind: 'command';
  /** The shell stamps `now` when the command is decided, not when it was posted. */
  readonly command: (now: number) => EventCommand;
  readonly request: Readonly<{ userId: string; requestId: string }> | undefined;
  readonly resolve: (reply: CommandReply) => void;
  readonly reject: (error: Error) => void;
};

/** A read waits for its batch to commit, so it never shows a change that is not durable yet. */
type ReadEnvelope = {
  readonly kind: 'read';
  readonly render: (state: EventState, now: number) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
};

type Envelope = CommandEnvelope | ReadEnvelope;

/** A batch decided and evolved, its append under way. */
type Prepared = Readonly<{
  batch: readonly Envelope[];
  fromVersion: number;
  /** The stream version once this batch is durable: the next batch's expected version. */
  toVersion: number;
  events: readonly EventStreamEvent[];
  answers: readonly (() => void)[];
  /**
   * What must show exactly this batch's state, taken as soon as it was evolved (a later batch may be evolved on top
   * before this one commits) and handed out only once it is durable: the reads' answers, the diff, the snapshot.
   */
  reads: readonly (() => void)[];
  committed: CommittedBatch | undefined;
  stockChange: StockChange | undefined;
  snapshot: EventSnapshot | undefined;
  /**
   * Settles with the failure, or undefined once the events are durable; never rejects. A store that has not answered by
   * the append deadline is a failure (StoreUnavailableError) even though the append may still commit later.
   */
  appended: Promise<unknown>;
  /** Settles when the store has answered the append, whatever the deadline said. */
  settled: Promise<void>;
  /** The id this batch's append was sent with, when pipelined (AppendChain); undefined when nothing was appended. */
  appendId: string | undefined;
  /** Stops waiting for the append (its batch failed with one ahead of it): no deadline fires for it. */
  abandon: () => void;
}>;

/** What happened on the way back from a failed append, for metrics. */
export type RecoveryEvent = 'appendTimedOut' | 'reloaded' | 'reloadFailed' | 'retired' | 'fenced';

export type EventActorOptions = Readonly<{
  eventId: string;
  store: EventStore;
  clock: Clock;
  /** Loads the latest state from the store (snapshot + replay); used at activation and after a failed append. */
  load: () => Promise<ActorState>;
  mailboxLengthMax?: number;
  batchSizeMax?: number;
  /**
   * Batches whose appends may be in flight at once (pipelining): the next batch is decided and its append sent
   * before the one ahead of it is durable, with the stream version that batch will leave as its expected version.
   * 1 sends a batch only once the one before it is durable. Default 1 (see appendsInFlightMaxDefault).
   */
  appendsInFlightMax?: number;
  snapshotPolicy?: SnapshotPolicy;
  sweepIntervalMs?: number;
  rejectionsRememberedMax?: number;
  /**
   * Checks every inventory invariant after each committed batch (O(seats + holds)); tests turn it on so real traffic
   * is checked where it is written. In production the check runs where state is read back: at activation.
   */
  checkInvariantsEveryBatch?: boolean;
  /**
   * An append not durable this long after it was sent fails its batch with UNAVAILABLE, so buyers hear about a hung
   * store in about a second rather than at their own timeout. The append may still commit afterwards: the actor reloads
   * from the store before deciding anything else, and the expected-version check refuses whichever of two writers
   * comes second. Default 800 ms.
   */
  appendTimeoutMs?: number;
  /** Reload attempts after a store failure before the actor gives up (retires) until the next request. Default 8. */
  reloadAttemptsMax?: number;
  /** The backoff before reload attempt n (from 1) is random in [0, min(max, base·2^(n-1))) ("full jitter"). */
  reloadBackoffBaseMs?: number;
  reloadBackoffMaxMs?: number;
  /** The longest one reload (snapshot + replay) may take before it counts as failed. Default 10 s. */
  loadTimeoutMs?: number;
  /** Numbers in [0, 1) for the backoff's jitter; tests give a fixed sequence. Default Math.random. */
  random?: () => number;
  /**
   * The notifications a batch causes (pure: from its events and the state after them), written by the batch's own
   * append, so they commit with the events or not at all (the transactional outbox). Unset: no notifications.
   */
  outboxOf?: (events: readonly EventStreamEvent[], state: InventoryState) => readonly OutboxMessage[];
  onCommitted?: (batch: CommittedBatch) => void;
  onError?: (error: unknown, context: string) => void;
  /** The state was rebuilt from the store after a failure: committed events may have been missed by listeners. */
  onReloaded?: () => void;
  /** The actor gave up reloading and stopped; its owner forgets it, so the next request activates a fresh one. */
  onRetired?: () => void;
  onRecovery?: (event: RecoveryEvent) => void;
}>;

export const appendTimeoutMsDefault = 800;
/**
 * Not pipelined by default: it has not been shown to pay on the shared 2-core machine (docs/benchmarks.md). A pipelined
 * append is chained on the append ahead of it (AppendChain), not only on its version: chained on the version alone,
 * the whole-actor simulation found a batch landing on another incarnation's history at that version (seeds 15 and 92
 * of 1..100; with the chain, 400 seeds pass at 2 in flight).
 */
export const appendsInFlightMaxDefault = 1;
export const reloadAttemptsMaxDefault = 8;
export const reloadBackoffBaseMsDefault = 100;
export const reloadBackoffMaxMsDefault = 5_000;
export const loadTimeoutMsDefault = 10_000;

const abandon = () => {};
/** What a batch with no events (reads and refusals only) has in flight: nothing, already settled. Shared by all. */
const nothingAppended = { appended: Promise.resolve(undefined), settled: Promise.resolve(), abandon } as const;

/** `read`'s renders of the inventory, wrapped once each, so reads of one batch with the same render share a result. */
const inventoryReads = new WeakMap<object, (state: EventState, now: number) => unknown>();

type RememberedRejection = Readonly<{ error: BookingError; fingerprint: string | undefined }>;

const keyReused = (): BookingError =>
  new BookingError(
    'IDEMPOTENCY_KEY_REUSED',
    'this requestId was used before for a different request; a new request needs a new requestId',
  );

/** What the mailbox's wait resolves with when a command or read was posted. */
const posted = Symbol('posted');

export const streamIdOf = (eventId: string): string => `event-${eventId}`;

/**
 * One event on sale: owns its inventory and handles every command through one mailbox, one batch at a time.
 * decide → evolve for each command of a batch, one append for the whole batch, and only then the answers.
 * Nothing is acknowledged that is not durable; an append that fails answers UNAVAILABLE and reloads.
 *
 * Appends are pipelined: while batch N's append is in flight, batch N+1 is decided on N's state and its append sent
 * with N's end version as the expected version, up to `appendsInFlightMax` batches. The store works on N+1 while the
 * actor decides N+2 and the gateway writes N's acknowledgements. Answers go out in batch order, each batch's only once
 * its own append is durable and every batch before it has been answered. The stream has one writer (this actor; the
 * data folder's lock or the cluster's owner epoch see to it), so N+1's expected version is reached only by N
 * committing: if N does not commit, N+1 finds the stream short of it and writes nothing. A failed N fails every batch
 * after it, and the actor reloads from the store once their appends have settled. Everything that must show one
 * batch's state only (the diff, reads, snapshots) is taken as soon as that batch is evolved, and handed out once it is
 * durable.
 */
export class EventActor {
  readonly eventId: string;
  private readonly streamId: string;
  private readonly mailbox: Mailbox<Envelope>;
  private readonly options: EventActorOptions;
  /** The inventory and the waitlist: one state, one log, one batch. */
  private event: EventState;
  /** The stream version that is durable; `state` runs ahead of it while a batch's append is in flight. */
  private committedVersion: number;
  private lastNow = 0;
  /** Clock time of the last command or read posted, for passivation. */
  private lastActiveAt: number;
  /** The version the last snapshot was taken at, whether the store kept it or not. */
  private lastSnapshotVersion: number;
  /** Actor time of the last snapshot; activation counts as one, since it read the latest state. */
  private lastSnapshotAt: number;
  /** The snapshot being saved, if one is. */
  private snapshotSaving: Promise<void> | undefined;
  /** A snapshot was taken of a batch whose append is in flight: it is saved once that batch is durable, or dropped. */
  private snapshotTaken = false;
  private sweepPosted = false;
  private stopped = false;
  /** The state holds events of a batch whose append failed: nothing may be decided, read or snapshotted from it. */
  private suspect = false;
  /**
   * The store failed and a reload has not succeeded yet: every request is answered UNAVAILABLE at once instead of
   * waiting behind a store that is away.
   */
  private recovering = false;
  /** Wakes a backoff wait early (on stop). */
  private wake: (() => void) | undefined;
  /** Cancels the expiry sweep's timer. */
  private readonly stopSweep: () => void;
  /** When the offer-lapse timer fires (the waitlist lane's head), and how to cancel it. */
  private offerLapseAt: number | undefined;
  private cancelOfferLapse: () => void = () => {};
  /**
   * Rejections are not events, so they are remembered here (not durably) for retries of the same request, with the
   * request's fingerprint, so the same request id with another payload is told apart.
   */
  private readonly rejections: RecentMap<string, RememberedRejection>;
  /** Free places by section and tier as of the last committed batch (the sold-out fast path reads it). */
  private stock: StockCounter;
  /** Figures for metrics and benchmarks. */
  readonly stats = {
    batches: 0,
    /** Commands committed (reads that went through the mailbox with them are counted in `reads`). */
    commands: 0,
    reads: 0,
    events: 0,
    appendFailures: 0,
    appendTimeouts: 0,
    reloads: 0,
    reloadFailures: 0,
  };

  constructor(initial: ActorState, options: EventActorOptions) {
    this.options = options;
    this.eventId = options.eventId;
    this.streamId = streamIdOf(options.eventId);
    this.event = asEventState(initial);
    this.committedVersion = this.state.version;
    this.stock = countStock(this.state);
    this.lastSnapshotVersion = this.state.version;
    this.lastSnapshotAt = options.clock.now();
    this.lastActiveAt = options.clock.now();
    this.rejections = new RecentMap(options.rejectionsRememberedMax ?? 10_000);
    this.mailbox = new Mailbox(options.mailboxLengthMax ?? 10_000, options.batchSizeMax ?? 512, () => this.run());
    this.stopSweep = repeatTimer(options.clock, options.sweepIntervalMs ?? 250, () => this.sweep());
    this.armOfferLapse();
  }

  /** The inventory part of the state (the seats, holds, orders and waiting room). */
  private get state(): InventoryState {
    return this.event.inventory;
  }

  /** The committed stream version. */
  get version(): number {
    return this.committedVersion;
  }

  get mailboxLength(): number {
    return this.mailbox.length;
  }

  /**
   * Reads committed state: answered in the mailbox's order, after the batch it joins is durable and before the
   * next batch changes anything, so a reader never sees what a failed append will take back. `render` must copy
   * what it returns (the state changes afterwards); reads of one batch with the same `render` share one result.
   */
  read<T>(render: (state: InventoryState, now: number) => T): Promise<T> {
    let wrapped = inventoryReads.get(render);
    if (wrapped === undefined) {
      wrapped = (state: EventState, now: number) => render(state.inventory, now);
      inventoryReads.set(render, wrapped);
    }
    return this.readEvent(wrapped as (state: EventState, now: number) => T);
  }

  /** Like `read`, of the whole state: the inventory and the waitlist. */
  readEvent<T>(render: (state: EventState, now: number) => T): Promise<T> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    this.lastActiveAt = this.options.clock.now();
    return new Promise((resolve, reject) =>
      this.mailbox.post({ kind: 'read', render, resolve: resolve as (value: unknown) => void, reject }),
    );
  }

  /**
   * SOLD_OUT for a hold that the committed stock counter shows cannot be met, answered without entering the mailbox;
   * undefined whenever the actor must decide: a request id it remembers (the first answer stands), text it would refuse
   * as unstorable, an actor that is not sound, and every case `soldOutRefusal` leaves to `decide`. Such a refusal is not
   * remembered as the request's answer: a retry after seats come back is decided anew.
   */
  soldOutRefusal(userId: string, requestId: string, request: HoldRequest): BookingError | undefined {
    if (this.stopped || this.suspect || this.recovering) return undefined;
    // The counter first: it answers nothing for most holds (every hold of named seats, every hold while seats are
    // left), and then the request's memory and its text need not be looked at. Every check here is a pure read, so
    // their order does not change the answer; the two request-map lookups cost ~1 µs on a 50,000-entry map.
    const { config } = this.state;
    const refusal = soldOutRefusal(
      this.stock,
      config.saleStartsAtMs,
      config.maxSeatsPerUser,
      request,
      this.options.clock.now(),
    );
    if (refusal === undefined) return undefined;
    const key = requestKey(userId, requestId);
    if (this.state.requests.get(key) !== undefined || this.rejections.get(key) !== undefined) return undefined;
    if (unstorableTextPath({ userId, requestId, request }) !== undefined) return undefined;
    return refusal;
  }

  /** The seat map as committed. */
  seatMap(): Promise<SeatMapView> {
    return this.read(seatMapView);
  }

  /**
   * Queues a command. With a request (buyer + requestId), a retry gets the first answer: from the inventory
   * when the first attempt committed, from memory when it was rejected.
   */
  send(
    command: (now: number) => EventCommand,
    request?: Readonly<{ userId: string; requestId: string }>,
  ): Promise<CommandReply> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    this.lastActiveAt = this.options.clock.now();
    return new Promise((resolve, reject) => this.mailbox.post({ kind: 'command', command, request, resolve, reject }));
  }

  /**
   * The store answers again (its health check says so): a reload waiting out its backoff runs now, so the event comes
   * back with the store rather than up to a backoff later. Nothing happens unless the actor is recovering.
   */
  retryNow(): void {
    if (this.recovering && !this.stopped) this.wake?.();
  }

  /** Why a request cannot be queued now, if it cannot. */
  private refusal(): BookingError | undefined {
    if (this.recovering)
      return new BookingError(
        'UNAVAILABLE',
        'the event store is unavailable; retry with the same requestId (a request answered this way may have been recorded)',
      );
    if (this.stopped) return new BookingError('UNAVAILABLE', 'the event is shutting down');
    return undefined;
  }

  /**
   * Nothing asked of it for `idleMs`, nothing in flight, and nothing its timer must do (no live hold, no open
   * payment): it can be stopped and activated again on the next request without anyone noticing.
   */
  isIdle(idleMs: number): boolean {
    return (
      !this.stopped &&
      !this.recovering &&
      !this.mailbox.busy &&
      this.state.expiryQueue.size === 0 &&
      this.state.waitlistExpiryQueue.size === 0 &&
      this.state.paymentDeadlines.size === 0 &&
      !isRoomLive(this.state.queue) &&
      this.options.clock.now() - this.lastActiveAt >= idleMs
    );
  }

  /** Stops the timer, lets queued commands commit, and takes a last snapshot. */
  async stop(): Promise<void> {
    this.halt();
    this.wake?.();
    await this.mailbox.idle();
    await this.snapshotSaving;
    const snapshot = this.takeSnapshot(true);
    if (snapshot !== undefined) await this.saveSnapshot(snapshot);
  }

  private now(): number {
    // Time never runs backwards inside an actor, so holds join the expiry queue in expiry order.
    this.lastNow = Math.max(this.lastNow, this.options.clock.now());
    return this.lastNow;
  }

  /**
   * The mailbox's loop: keeps up to `appendsInFlightMax` batches' appends in flight, and answers the oldest once it is
   * durable. While the pipeline has room it also wakes for new commands, which then go out at once as a batch of their
   * own; when it is full, they wait and form the next batch.
   */
  private async run(): Promise<void> {
    const inFlight: Prepared[] = [];
    const inFlightMax = Math.max(1, this.options.appendsInFlightMax ?? appendsInFlightMaxDefault);
    for (;;) {
      this.fill(inFlight, inFlightMax);
      const head = inFlight[0];
      if (head === undefined) return;
      const failure =
        inFlight.length < inFlightMax && !this.suspect
          ? await Promise.race([head.appended, this.mailbox.nextPost(posted)])
          : await head.appended;
      if (failure === posted) continue;
      inFlight.shift();
      if (failure !== undefined) {
        // Every batch behind the failed one was decided on its state: they fail with it.
        if (!(await this.fail([head, ...inFlight.splice(0)], failure))) return;
        continue;
      }
      const announce = this.commit(head);
      // The next batch's append goes out before this one's answers are written.
      this.fill(inFlight, inFlightMax);
      announce();
    }
  }

  /** Prepares batches from the mailbox until the pipeline is full; never on a suspect state. */
  private fill(inFlight: Prepared[], inFlightMax: number): void {
    while (inFlight.length < inFlightMax && this.mailbox.length > 0 && !this.suspect)
      inFlight.push(this.prepare(this.mailbox.takeBatch(), inFlightMax > 1 ? this.chainFor(inFlight) : undefined));
  }

  /** decide → evolve for every command of the batch, then one append for all their events (not awaited). */
  /**
   * A pipelined append names itself, and the append ahead of it still in flight, if any: it then lands only right after
   * that one, never on another writer's events at the same version.
   */
  private chainFor(inFlight: readonly Prepared[]): AppendChain {
    const ahead = inFlight.findLast((prepared) => prepared.appendId !== undefined);
    return { id: newId('append'), ...(ahead === undefined ? {} : { after: ahead.appendId }) };
  }

  private prepare(batch: readonly Envelope[], chain?: AppendChain): Prepared {
    const fromVersion = this.state.version;
    const now = this.now();
    const events: EventStreamEvent[] = [];
    const answers: (() => void)[] = [];
    let outbox: readonly OutboxMessage[] = [];
    try {
      for (const envelope of batch) {
        if (envelope.kind === 'read') continue;
        const command = envelope.command(now);
        // One buyer's unstorable string (a lone surrogate, NUL) would fail the append of everyone's batch, so the
        // command is refused on its own before it is decided. A command has a few short strings: this is cheap.
        const unstorable = unstorableTextPath(command.data);
        if (unstorable !== undefined) {
          const error = new BookingError('INVALID_INPUT', `${unstorable || command.type}: ${unstorableMessage}`);
          answers.push(() => envelope.reject(error));
          continue;
        }
        // The key is built once per command: building and hashing it was a visible share of the hot path.
        const key = envelope.request && requestKey(envelope.request.userId, envelope.request.requestId);
        const first = key === undefined ? undefined : this.state.requests.get(key);
        if (first !== undefined) {
          if (!isWaitlistCommand(command) && isSameRequest(command, first))
            answers.push(() => envelope.resolve({ events: [], outcome: first }));
          else answers.push(() => envelope.reject(keyReused()));
          continue;
        }
        const rejected = key === undefined ? undefined : this.rejections.get(key);
        if (rejected !== undefined) {
          const same = !isWaitlistCommand(command) && rejected.fingerprint === requestFingerprint(command);
          answers.push(() => envelope.reject(same ? rejected.error : keyReused()));
          continue;
        }
        // Both deciders on one state: the command's own, then the waitlist's reaction (offers, lapses), evolved in
        // place. Lapsed holds expired on the way stand even when the command is refused (eventDecider.ts).
        const { events: decided, rejection } = handle(this.event, command);
        events.push(...decided);
        if (rejection !== undefined) {
          // Only final answers are remembered: a transient refusal (the sale not open yet) is decided anew. A join
          // remembers its own request (recallJoin), so its refusals are not kept here.
          const remembered =
            key === undefined || transientErrorCodes.has(rejection.code) || isWaitlistCommand(command)
              ? undefined
              : { error: rejection, fingerprint: requestFingerprint(command) };
          answers.push(() => {
            if (remembered !== undefined) this.rejections.set(key!, remembered);
            envelope.reject(rejection);
          });
          continue;
        }
        const outcome = key === undefined ? undefined : this.state.requests.get(key);
        answers.push(() => envelope.resolve({ events: decided, outcome }));
      }
      // An unsound inventory is a programmer error too, caught before its events can become durable.
      if (this.options.checkInvariantsEveryBatch) {
        assertInventorySound(this.state);
        assertWaitlistSound(this.event);
      }
      if (events.length > 0) outbox = this.options.outboxOf?.(events, this.state) ?? [];
    } catch (error) {
      // A programmer error half-way through the batch: the state is suspect, so nothing is appended (nor prepared on
      // top of it) and the batch fails like an append would, reloading the actor from the store.
      this.suspect = true;
      const failed = Promise.resolve(error);
      const nothing = {
        reads: [],
        committed: undefined,
        stockChange: undefined,
        snapshot: undefined,
        settled: nothingAppended.settled,
        abandon,
        appendId: undefined,
      };
      return { batch, fromVersion, toVersion: fromVersion, events, answers, ...nothing, appended: failed };
    }
    const toVersion = this.state.version;
    const reads = this.renderReads(batch, now);
    let committed: CommittedBatch | undefined;
    let stockChange: StockChange | undefined;
    if (events.length > 0) {
      const { changes, general } = seatMapDiff(this.state, events, now);
      const diff: SeatMapDiff = { eventId: this.eventId, fromVersion, version: toVersion, changes, general };
      committed = { diff, events, commandCount: batch.length };
      const { seats } = this.state.layout;
      stockChange = stockChangeOf(
        this.state,
        changes.map((change) => seats.indexOf(change.seatId)!),
      );
    }
    const snapshot = this.takeSnapshot(false);
    // Written out, not `{ ...prepared, appendId, ...this.append() }`: in this V8 a literal that starts with a spread
    // and adds keys gets a hidden class of its own, built anew each time (see endedHold in src/domain/seatMap/holds.ts).
    const appending = events.length === 0 ? nothingAppended : this.append(fromVersion, events, outbox, chain);
    return {
      batch,
      fromVersion,
      toVersion,
      events,
      answers,
      reads,
      committed,
      stockChange,
      snapshot,
      appendId: appending === nothingAppended ? undefined : chain?.id,
      appended: appending.appended,
      settled: appending.settled,
      abandon: appending.abandon,
    };
  }

  /** Sends the batch's append and races it against the append deadline on the clock. */
  private append(
    fromVersion: number,
    events: readonly EventStreamEvent[],
    outbox: readonly OutboxMessage[],
    chain: AppendChain | undefined,
  ): Pick<Prepared, 'appended' | 'settled' | 'abandon'> {
    const answered = this.options.store.append(this.streamId, fromVersion, events, outbox, chain).then(
      () => undefined,
      (error: unknown) => error ?? new Error('append failed'),
    );
    const timeoutMs = this.options.appendTimeoutMs ?? appendTimeoutMsDefault;
    let decided = false;
    let cancel = () => {};
    const appended = new Promise<unknown>((resolve) => {
      cancel = this.options.clock.setTimer(timeoutMs, () => {
        // A reply that reached the process in the same turn as the deadline wins: timers run before I/O callbacks,
        // and setImmediate runs after them, so a busy event loop does not fail appends the store answered in time.
        setImmediate(() => {
          if (decided) return;
          decided = true;
          this.stats.appendTimeouts += 1;
          this.options.onRecovery?.('appendTimedOut');
          resolve(new StoreUnavailableError(`the append was not durable within ${timeoutMs} ms`));
        });
      });
      void answered.then((failure) => {
        if (decided) return;
        decided = true;
        cancel();
        resolve(failure);
      });
    });
    const abandon = () => {
      decided = true;
      cancel();
    };
    return { appended, settled: answered.then(() => undefined), abandon };
  }

  /** The batch is durable: answers its reads now, and returns what writes its answers and diff out. */
  private commit({ batch, toVersion, events, answers, reads, committed, stockChange, snapshot }: Prepared): () => void {
    this.committedVersion = toVersion;
    this.stats.batches += 1;
    // One answer per read of the batch (renderReads).
    this.stats.commands += batch.length - reads.length;
    this.stats.reads += reads.length;
    this.stats.events += events.length;
    if (stockChange !== undefined) applyStockChange(this.stock, stockChange);
    for (const read of reads) read();
    return () => {
      for (const answer of answers) answer();
      if (committed !== undefined) {
        try {
          this.options.onCommitted?.(committed);
        } catch (error) {
          this.options.onError?.(error, 'a subscriber failed');
        }
      }
      if (snapshot !== undefined) void this.saveSnapshot(snapshot);
      this.armOfferLapse();
    };
  }

  /** No more batches, sweeps or offer lapses: the actor is stopping, retiring, or fenced. */
  private halt(): void {
    this.stopped = true;
    this.stopSweep();
    this.cancelOfferLapse();
    this.cancelOfferLapse = () => {};
    this.offerLapseAt = undefined;
  }

  /**
   * A waitlist offer passes to the next entry the moment it lapses, not up to a sweep interval later: a timer is kept
   * at the head of the waitlist's expiry lane (the earliest offer's deadline), moved whenever a committed batch changes
   * that head, and it runs the sweep. Ordinary holds keep the interval sweep: nobody is waiting for them.
   */
  private armOfferLapse(): void {
    const at = this.stopped ? undefined : this.state.waitlistExpiryQueue.firstExpiresAt();
    if (at === this.offerLapseAt) return;
    this.cancelOfferLapse();
    this.cancelOfferLapse = () => {};
    this.offerLapseAt = at;
    if (at === undefined) return;
    // One millisecond past the deadline: the sweep ends holds whose deadline has passed.
    this.cancelOfferLapse = this.options.clock.setTimer(Math.max(0, at - this.options.clock.now()) + 1, () => {
      this.offerLapseAt = undefined;
      this.cancelOfferLapse = () => {};
      this.sweep();
    });
  }

  /**
   * A batch's append failed (or its inventory is unsound), and with it every batch behind it (`failed`, oldest first):
   * their commands are answered UNAVAILABLE at once, and the state, which holds their events, is rebuilt from the
   * store. When the store answered (a version conflict, a bug), one reload runs as soon as the failed appends have
   * settled (bounded by the append deadline), with the queue waiting behind it, and true is returned: carry on. When the
   * store is away (StoreUnavailableError, the append deadline included), or that reload fails, everything queued is
   * answered UNAVAILABLE, new requests are refused at once, reloads continue in the background with backoff, and false
   * is returned: the loop stops until the actor is back.
   */
  private async fail(failed: readonly Prepared[], failure: unknown): Promise<boolean> {
    this.stats.appendFailures += 1;
    this.suspect = true;
    this.options.onError?.(failure, `batch at version ${failed[0]!.fromVersion} failed; reloading`);
    const unavailable = new BookingError(
      'UNAVAILABLE',
      'the booking could not be confirmed; retry with the same requestId for its outcome',
    );
    for (const { batch, snapshot, abandon } of failed) {
      abandon();
      // A snapshot taken of a batch that never became durable is dropped unsaved.
      if (snapshot !== undefined) this.snapshotTaken = false;
      for (const envelope of batch) {
        if (envelope.kind === 'command') envelope.reject(unavailable);
      }
    }
    // A reload must not run while an append of ours may still land: it would read the stream short of it.
    const settled = Promise.all(failed.map((prepared) => prepared.settled)).then(() => undefined);
    if (isFenced(failure)) {
      this.retireFenced(failed, unavailable);
      return false;
    }
    if (!isStoreUnavailable(failure)) {
      await this.settledOrDeadline(settled);
      if (await this.reloadOnce()) {
        for (const { batch } of failed) this.answerReads(batch);
        return true;
      }
    }
    this.recovering = true;
    for (const { batch } of failed) {
      for (const envelope of batch) {
        if (envelope.kind === 'read') envelope.reject(unavailable);
      }
    }
    while (this.mailbox.length > 0) {
      for (const envelope of this.mailbox.takeBatch()) envelope.reject(unavailable);
    }
    void this.recover(settled);
    return false;
  }

  /**
   * Another node owns the event now (cluster mode: its epoch is newer than ours). This actor may not write again and
   * its state may be stale, so it stops at once: everything waiting is answered UNAVAILABLE (a retry reaches the new
   * owner, whose log answers it), nothing is reloaded or snapshotted, and its owner forgets it.
   */
  private retireFenced(failed: readonly Prepared[], unavailable: BookingError): void {
    this.halt();
    this.recovering = true;
    for (const { batch } of failed) {
      for (const envelope of batch) {
        if (envelope.kind === 'read') envelope.reject(unavailable);
      }
    }
    while (this.mailbox.length > 0) {
      for (const envelope of this.mailbox.takeBatch()) envelope.reject(unavailable);
    }
    this.options.onRecovery?.('fenced');
    this.options.onRetired?.();
  }

  /** Waits until `settled`, or one append deadline on the clock, whichever comes first. */
  private async settledOrDeadline(settled: Promise<void>): Promise<void> {
    let cancelWait = () => {};
    const waited = new Promise<void>((resolve) => {
      cancelWait = this.options.clock.setTimer(this.options.appendTimeoutMs ?? appendTimeoutMsDefault, resolve);
    });
    await Promise.race([settled, waited]);
    cancelWait();
  }

  /**
   * Reloads with bounded retries: attempt n waits a random time below min(max, base·2^(n-1)) first (full jitter, so
   * the actors of a store that comes back do not all reload in the same instant), all on the clock. Before the first
   * attempt it lets the failed appends settle (bounded by the append deadline again): an append that commits late is
   * then in what the reload reads. Out of attempts, the actor retires and the next request activates a fresh one.
   */
  private async recover(settled: Promise<void>): Promise<void> {
    const attemptsMax = this.options.reloadAttemptsMax ?? reloadAttemptsMaxDefault;
    const baseMs = this.options.reloadBackoffBaseMs ?? reloadBackoffBaseMsDefault;
    const maxMs = this.options.reloadBackoffMaxMs ?? reloadBackoffMaxMsDefault;
    const random = this.options.random ?? Math.random;
    await this.settledOrDeadline(settled);
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      if (attempt > 1) await this.delay(Math.floor(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 2))));
      if (this.stopped) return;
      if (await this.reloadOnce()) {
        this.recovering = false;
        return;
      }
    }
    this.halt();
    this.options.onRecovery?.('retired');
    this.options.onError?.(
      new StoreUnavailableError(`no reload succeeded in ${attemptsMax} attempts`),
      `event ${this.eventId} retired; the next request activates it again`,
    );
    this.options.onRetired?.();
  }

  /** Waits `ms` on the clock, or less when the actor stops. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.options.clock.setTimer(ms, () => {
        this.wake = undefined;
        resolve();
      });
      this.wake = () => {
        cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** One reload from the store, bounded by the load deadline; false when it failed. */
  private async reloadOnce(): Promise<boolean> {
    const timeoutMs = this.options.loadTimeoutMs ?? loadTimeoutMsDefault;
    let cancel = () => {};
    try {
      const deadline = new Promise<never>((_, reject) => {
        cancel = this.options.clock.setTimer(timeoutMs, () =>
          reject(new StoreUnavailableError(`the reload did not finish within ${timeoutMs} ms`)),
        );
      });
      this.event = asEventState(await Promise.race([this.options.load(), deadline]));
    } catch (error) {
      this.stats.reloadFailures += 1;
      this.options.onRecovery?.('reloadFailed');
      this.options.onError?.(error, `reloading event ${this.eventId} failed`);
      return false;
    } finally {
      cancel();
    }
    this.suspect = false;
    this.committedVersion = this.state.version;
    this.stock = countStock(this.state);
    this.lastSnapshotVersion = Math.min(this.lastSnapshotVersion, this.state.version);
    this.stats.reloads += 1;
    this.options.onRecovery?.('reloaded');
    try {
      this.options.onReloaded?.();
    } catch (error) {
      this.options.onError?.(error, 'a reload listener failed');
    }
    return true;
  }

  /** Answers the batch's reads from the state as it is now, which the caller guarantees is committed. */
  private answerReads(batch: readonly Envelope[]): void {
    for (const answer of this.renderReads(batch, this.options.clock.now())) answer();
  }

  /**
   * Renders the batch's reads from the state as it is now, and returns what answers them; reads with the same `render`
   * share one result.
   */
  private renderReads(batch: readonly Envelope[], now: number): (() => void)[] {
    const answers: (() => void)[] = [];
    let rendered: Map<ReadEnvelope['render'], unknown> | undefined;
    for (const envelope of batch) {
      if (envelope.kind !== 'read') continue;
      rendered ??= new Map();
      try {
        if (!rendered.has(envelope.render)) rendered.set(envelope.render, envelope.render(this.event, now));
        const value = rendered.get(envelope.render);
        answers.push(() => envelope.resolve(value));
      } catch (error) {
        answers.push(() => envelope.reject(error as Error));
      }
    }
    return answers;
  }

  /**
   * The sweep that makes expiry active: lapsed holds and timed-out payments leave the log and reach subscribers
   * without any read. Both queues are in deadline order, so only their heads are looked at. The waiting room ticks
   * here too: its shuffle at the opening, admissions by stock, expired admissions, the sell-out.
   */
  private sweep(): void {
    if (this.sweepPosted || this.stopped || this.recovering) return;
    const nowMs = this.options.clock.now();
    const hold = this.state.expiryQueue.firstExpiresAt();
    // Waitlist holds (offers, seats gathered for an entry) lapse in their own lane; only this sweep ends them, and the
    // waitlist's reaction passes their seats on to the next entry in the same batch.
    const offer = this.state.waitlistExpiryQueue.firstExpiresAt();
    const payment = this.state.paymentDeadlines.values().next();
    const commands: ((now: number) => InventoryCommand)[] = [];
    if ((hold !== undefined && hold <= nowMs) || (offer !== undefined && offer <= nowMs))
      commands.push((now) => ({ type: 'ExpireHolds', data: { now } }));
    if (!payment.done && payment.value <= nowMs) commands.push((now) => ({ type: 'TimeOutPayments', data: { now } }));
    if (isRoomTickDue(this.state.queue, nowMs)) commands.push((now) => ({ type: 'TickRoom', data: { now } }));
    if (commands.length === 0) return;
    this.sweepPosted = true;
    Promise.all(commands.map((command) => this.send(command)))
      .catch((error) => this.options.onError?.(error, 'expiry sweep failed'))
      .finally(() => {
        this.sweepPosted = false;
      });
  }

  /**
   * The snapshot, when the policy says one is due, taken from the state as it is now: committed (at stop), or the state
   * of the batch just evolved, saved only once that batch is durable.
   */
  private takeSnapshot(force: boolean): EventSnapshot | undefined {
    const due = force
      ? this.state.version > this.lastSnapshotVersion
      : shouldSnapshot(
          {
            version: this.state.version,
            now: this.lastNow,
            lastVersion: this.lastSnapshotVersion,
            lastAt: this.lastSnapshotAt,
          },
          this.options.snapshotPolicy,
        );
    // A suspect state holds events that are not durable: a snapshot of it would make them so.
    if (!due || this.snapshotTaken || this.snapshotSaving !== undefined || this.suspect) return undefined;
    // Counted from the attempt, stored or not: a snapshot the store refuses is retried a policy interval later,
    // not after every batch (it is an optimisation; the events are the truth).
    this.lastSnapshotVersion = this.state.version;
    this.lastSnapshotAt = this.lastNow;
    // No other is taken until this one is saved, or dropped with its batch.
    this.snapshotTaken = true;
    return toEventSnapshot(this.event);
  }

  private saveSnapshot(snapshot: EventSnapshot): Promise<void> {
    this.snapshotTaken = false;
    const saving: Promise<void> = this.options.store
      .saveSnapshot(this.streamId, snapshot.inventory.version, snapshot)
      .catch((error: unknown) => this.options.onError?.(error, 'snapshot failed'))
      .finally(() => {
        if (this.snapshotSaving === saving) this.snapshotSaving = undefined;
      });
    this.snapshotSaving = saving;
    return saving;
  }
}
