import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BookingErrorCode, isBookingError } from '../bookingError.ts';
import type { QueueCommand } from './commands.ts';
import { decideQueue } from './decide.ts';
import type { QueueEvent } from './events.ts';
import { evolveQueue, evolveQueueAll } from './evolve.ts';
import { queueViolations } from './invariants.ts';
import { queueFrom, queueObservable, referenceShuffle, seed, T0 } from './queueFixture.ts';
import { fairnessRecord, queueEntryOf } from './read.ts';
import { type RoomConfig, roomConfigOf } from './room.ts';
import { verifyFairness } from './shuffle.ts';
import { fromQueueSnapshot, toQueueSnapshot } from './snapshot.ts';
import { type EntryStatus, initialQueueState } from './state.ts';

/**
 * A seeded simulation of the waiting room: buyers join (before and after the opening), leave, get admitted, order,
 * give up or let their admission lapse, while ticks bring random stock, the clock jumps, and the room sells out or
 * is switched off and on. Beside the real room it keeps a naive model fed only by the emitted events (entries in an
 * array, the line as a list, the shuffle recomputed by a second implementation written from docs/fairness.md), and
 * it checks every answer and every event against it. Replay a failure with SIM_SEED=<seed>.
 */
const simSeed = Number(process.env.SIM_SEED ?? 42);
const numRuns = Number(process.env.SIM_RUNS ?? 100);

const users = Array.from({ length: 24 }, (_, i) => `u_${i}`);

type Intent =
  | { kind: 'join'; user: number }
  | { kind: 'leave'; user: number }
  | { kind: 'finish'; user: number; outcome: 'ordered' | 'gaveUp' }
  | { kind: 'tick'; available: number; lapsing: number }
  | { kind: 'expire' }
  | { kind: 'shuffle' }
  | { kind: 'soldOut' }
  | { kind: 'engage' }
  | { kind: 'release' }
  | { kind: 'advance'; ms: number };

const user = fc.integer({ min: 0, max: users.length - 1 });
const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('join' as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('leave' as const), user }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('finish' as const),
      user,
      outcome: fc.constantFrom('ordered' as const, 'gaveUp' as const),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      available: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 })),
      lapsing: fc.integer({ min: 0, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'shuffle' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'engage' as const }) },
  // Rare, because each ends a run's interesting part.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 9 }).map((n): Intent => (n === 0 ? { kind: 'soldOut' } : { kind: 'expire' })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 4 }).map((n): Intent => (n === 0 ? { kind: 'release' } : { kind: 'expire' })),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Mostly seconds, sometimes whole admissions, sometimes past the pre-queue's half hour.
      ms: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 200_000 }), fc.constant(600_000)),
    }),
  },
);

const configArb: fc.Arbitrary<RoomConfig> = fc
  .record({
    enabled: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    admittedMax: fc.integer({ min: 1, max: 6 }),
    admissionSeconds: fc.constantFrom(30, 60, 120),
    seatsPerBuyerExpected: fc.constantFrom(1, 1.5, 2, 4),
  })
  .map((settings) => roomConfigOf({ ...settings, saleStartsAt: T0 }));

const liveStatuses: ReadonlySet<EntryStatus> = new Set(['prequeue', 'queued', 'admitted']);

/** The naive model: what the events say, in the plainest data. */
class Model {
  readonly entries: { userId: string; status: EntryStatus; afterOpening: boolean }[] = [];
  /** Entry numbers in admission order: the shuffled pre-queue, then later arrivals as they came. */
  line: number[] = [];
  readonly admitted = new Map<number, number>();
  shuffled = false;
  soldOut = false;
  engaged: boolean;
  /** Every pre-queue order the model computed, to compare with the published record. */
  preQueueOrder: string[] | undefined;

  constructor(readonly config: RoomConfig) {
    this.engaged = config.enabled;
  }

  latest(userId: string): number {
    for (let entry = this.entries.length - 1; entry >= 0; entry--)
      if (this.entries[entry]!.userId === userId) return entry;
    return -1;
  }

  queuedInLine(): number[] {
    return this.line.filter((entry) => this.entries[entry]!.status === 'queued');
  }

  position(entry: number): number | undefined {
    const index = this.queuedInLine().indexOf(entry);
    return index < 0 ? undefined : index + 1;
  }

  waiting(): number {
    return this.entries.filter((entry) => entry.status === 'prequeue' || entry.status === 'queued').length;
  }

  apply(event: QueueEvent): void {
    const entryOf = (queueId: string): number => Number(queueId.slice(1));
    switch (event.type) {
      case 'RoomSetUp':
        break;
      case 'QueueJoined': {
        const { queueId, userId, state } = event.data;
        expect(entryOf(queueId)).toBe(this.entries.length);
        this.entries.push({ userId, status: state, afterOpening: state === 'queued' });
        if (state === 'queued') this.line.push(this.entries.length - 1);
        break;
      }
      case 'QueueLeft':
        this.entries[entryOf(event.data.queueId)]!.status = 'left';
        break;
      case 'PreQueueShuffled': {
        expect(event.data.seed).toBe(seed);
        const joins = this.entries.flatMap((entry, i) => (entry.status === 'prequeue' ? [`q${i}`] : []));
        expect(event.data.count).toBe(joins.length);
        this.preQueueOrder = referenceShuffle(event.data.seed, joins);
        this.line = this.preQueueOrder.map(entryOf);
        for (const entry of this.line) this.entries[entry]!.status = 'queued';
        this.shuffled = true;
        break;
      }
      case 'AdmissionsGranted':
        for (const { queueId, expiresAt } of event.data.admissions) {
          this.entries[entryOf(queueId)]!.status = 'admitted';
          this.admitted.set(entryOf(queueId), expiresAt);
        }
        break;
      case 'AdmissionsExpired':
        for (const { queueId } of event.data.admissions) {
          this.entries[entryOf(queueId)]!.status = 'expired';
          this.admitted.delete(entryOf(queueId));
        }
        break;
      case 'AdmissionFinished':
        this.entries[entryOf(event.data.queueId)]!.status = 'finished';
        this.admitted.delete(entryOf(event.data.queueId));
        break;
      case 'QueueSoldOut':
      case 'RoomReleased':
        expect(event.data.waiting).toBe(this.waiting());
        for (const entry of this.entries) {
          if (entry.status === 'prequeue' || entry.status === 'queued') {
            entry.status = event.type === 'QueueSoldOut' ? 'soldout' : 'released';
          }
        }
        if (event.type === 'QueueSoldOut') this.soldOut = true;
        else this.engaged = false;
        break;
      case 'RoomEngaged':
        this.engaged = true;
        break;
      default: {
        const _exhaustive: never = event;
        throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
      }
    }
  }

  /** The refusal a join must get, or 'ok'. */
  joinAnswer(userId: string, now: number): 'ok' | BookingErrorCode {
    const latest = this.latest(userId);
    if (latest >= 0 && liveStatuses.has(this.entries[latest]!.status)) return 'ok';
    if (this.soldOut) return latest >= 0 && this.entries[latest]!.status === 'soldout' ? 'ok' : 'SOLD_OUT';
    if (!this.engaged) return 'QUEUE_CLOSED';
    if (now < this.config.preQueueOpensAt) return 'SALE_NOT_OPEN';
    return 'ok';
  }
}

const commandOf = (intent: Intent, now: number): QueueCommand | undefined => {
  switch (intent.kind) {
    case 'join':
      return { type: 'JoinQueue', data: { userId: users[intent.user]!, now } };
    case 'leave':
      return { type: 'LeaveQueue', data: { userId: users[intent.user]!, now } };
    case 'finish':
      return { type: 'FinishAdmission', data: { userId: users[intent.user]!, outcome: intent.outcome, now } };
    case 'tick':
      return { type: 'AdmitNext', data: { stock: { available: intent.available, lapsing: intent.lapsing }, now } };
    case 'expire':
      return { type: 'ExpireAdmissions', data: { now } };
    case 'shuffle':
      return { type: 'ShufflePreQueue', data: { now } };
    case 'soldOut':
      return { type: 'DeclareSoldOut', data: { now } };
    case 'engage':
      return { type: 'EngageRoom', data: { now } };
    case 'release':
      return { type: 'ReleaseRoom', data: { now } };
    case 'advance':
      return undefined;
  }
};

/** What one run saw, for the check that the generator reaches every event and every refusal. */
const seen = new Set<string>();

const run = (config: RoomConfig, intents: readonly Intent[], snapshotAt: number): void => {
  const state = initialQueueState();
  const model = new Model(config);
  const log: QueueEvent[] = [];
  let snapshot: { json: string; logLength: number } | undefined;
  let now = T0 - 35 * 60 * 1000;
  const setUp = decideQueue({ type: 'SetUpRoom', data: { config, seed, now } }, state);
  for (const event of setUp) {
    evolveQueue(state, event);
    model.apply(event);
    log.push(event);
  }
  intents.forEach((intent, step) => {
    if (step === snapshotAt) snapshot = { json: JSON.stringify(toQueueSnapshot(state)), logLength: log.length };
    const command = commandOf(intent, now);
    if (command === undefined) {
      now += (intent as { ms: number }).ms;
      return;
    }
    let events: QueueEvent[];
    try {
      events = decideQueue(command, state);
    } catch (error) {
      if (!isBookingError(error)) throw error;
      seen.add(error.code);
      if (command.type === 'JoinQueue') expect(error.code).toBe(model.joinAnswer(command.data.userId, now));
      else if (command.type === 'LeaveQueue') expect(error.code).toBe('NOT_FOUND');
      else if (command.type === 'ShufflePreQueue') expect(error.code).toBe('SALE_NOT_OPEN');
      else throw error;
      return;
    }
    if (command.type === 'JoinQueue') expect(model.joinAnswer(command.data.userId, now)).toBe('ok');
    if (command.type === 'LeaveQueue') expect(model.latest(command.data.userId)).toBeGreaterThanOrEqual(0);
    for (const event of events) {
      seen.add(event.type);
      expect(event.data.at).toBe(now);
      if (event.type === 'AdmissionsGranted') {
        const { admissions, stock } = event.data;
        // Nobody before the opening; always the head of the line, in order: no FIFO inversion, no skipping.
        expect(now).toBeGreaterThanOrEqual(config.saleStartsAt);
        expect(admissions.map((admission) => Number(admission.queueId.slice(1)))).toEqual(
          model.queuedInLine().slice(0, admissions.length),
        );
        // Admitted while (choosing × expected) was below the sellable stock, and never beyond the cap.
        const choosing = model.admitted.size;
        expect((choosing + admissions.length - 1) * config.seatsPerBuyerExpected).toBeLessThan(
          stock.available + stock.lapsing,
        );
        expect(choosing + admissions.length).toBeLessThanOrEqual(config.admittedMax);
      }
      if (event.type === 'QueueJoined' && event.data.state === 'prequeue')
        expect(now).toBeLessThan(config.saleStartsAt);
      if (event.type === 'QueueJoined') {
        // One entry per buyer: a buyer with a live entry never gets a second one.
        const latest = model.latest(event.data.userId);
        expect(latest < 0 || !liveStatuses.has(model.entries[latest]!.status)).toBe(true);
      }
      evolveQueue(state, event);
      model.apply(event);
      log.push(event);
      expect(queueViolations(state)).toEqual([]);
    }
    // Positions always equal a naive recount, for every buyer; later arrivals stand in the order they came.
    for (const userId of users) {
      const entry = model.latest(userId);
      const view = queueEntryOf(state, userId, now);
      if (entry < 0) {
        expect(view).toBeUndefined();
        continue;
      }
      expect(view).toMatchObject({ queueId: `q${entry}`, state: model.entries[entry]!.status });
      expect(view?.position).toBe(model.position(entry));
    }
    const afterOpening = model.queuedInLine().filter((entry) => model.entries[entry]!.afterOpening);
    expect(afterOpening).toEqual([...afterOpening].sort((a, b) => a - b));
  });

  // The pre-queue order is the recomputed shuffle of the revealed seed, and the published record checks out.
  const record = fairnessRecord(state)!;
  if (model.shuffled) {
    expect(record.seed).toBe(seed);
    expect(record.order).toEqual(model.preQueueOrder);
    expect(verifyFairness(record)).toEqual([]);
  } else expect(record.seed).toBeUndefined();

  // Replay equals the live room, and so does a snapshot taken mid-run plus the events after it.
  const final = queueObservable(state);
  expect(queueObservable(queueFrom(log))).toEqual(final);
  if (snapshot !== undefined) {
    const restored = fromQueueSnapshot(JSON.parse(snapshot.json));
    expect(queueObservable(evolveQueueAll(restored, log.slice(snapshot.logLength)))).toEqual(final);
  }
};

describe(`waiting room simulation (SIM_SEED=${simSeed})`, () => {
  it('keeps every invariant, agrees with a naive model, and rebuilds from the log and from a snapshot', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(intentArb, { minLength: 20, maxLength: 160 }),
        fc.nat({ max: 160 }),
        (config, intents, snapshotAt) => run(config, intents, snapshotAt),
      ),
      { seed: simSeed, numRuns },
    );
    // About two seconds of CPU at the default 100 runs; the timeout leaves room for a busy machine and SIM_RUNS soaks.
  }, 120_000);

  it('reaches every event and every refusal (the generator is not vacuous)', () => {
    const expected = [
      'QueueJoined',
      'QueueLeft',
      'PreQueueShuffled',
      'AdmissionsGranted',
      'AdmissionsExpired',
      'AdmissionFinished',
      'QueueSoldOut',
      'RoomEngaged',
      'RoomReleased',
      'SALE_NOT_OPEN',
      'QUEUE_CLOSED',
      'SOLD_OUT',
      'NOT_FOUND',
    ];
    expect(expected.filter((name) => !seen.has(name))).toEqual([]);
  });
});
