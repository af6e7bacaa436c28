/**
 * A waiting room and builders for its commands and events, shared by the queue specs. Test support only: nothing
 * outside *.spec.ts files imports it.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { BookingErrorCode } from '../bookingError.ts';
import { errorCodeOf } from '../seatMap/inventoryFixture.ts';
import type { QueueCommand, Stock } from './commands.ts';
import { decideQueue } from './decide.ts';
import type { QueueEvent } from './events.ts';
import { evolveQueueAll } from './evolve.ts';
import { queueViolations } from './invariants.ts';
import { type RoomConfig, roomConfigOf } from './room.ts';
import { commitmentOf } from './shuffle.ts';
import { initialQueueState, positionOf, type QueueState } from './state.ts';

export { errorCodeOf };

/**
 * The shuffle written again from docs/fairness.md alone, on Node's own SHA-256 and in the plainest code, so the
 * shipped one (on @noble/hashes) is checked against the words of the documentation, not against itself.
 */
export const referenceDraws = (seedHex: string) => {
  const seedBytes = Buffer.from(seedHex, 'hex');
  let block = 0n;
  let words: number[] = [];
  const nextWord = (): number => {
    if (words.length === 0) {
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(block);
      block += 1n;
      const digest = createHash('sha256')
        .update(Buffer.concat([seedBytes, counter]))
        .digest();
      words = Array.from({ length: 8 }, (_, k) => digest.readUInt32BE(4 * k));
    }
    return words.shift()!;
  };
  return (m: number): number => {
    const limit = 2 ** 32 - (2 ** 32 % m);
    for (;;) {
      const word = nextWord();
      if (word < limit) return word % m;
    }
  };
};

export const referenceShuffle = (seedHex: string, joins: readonly string[]): string[] => {
  const uniform = referenceDraws(seedHex);
  const order = [...joins];
  for (let i = order.length - 1; i >= 1; i--) {
    const j = uniform(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
};

/** The sale opens at T0; the pre-queue 30 minutes before. */
export const T0 = Date.UTC(2030, 0, 1, 10, 0, 0);
export const t = (seconds: number): number => T0 + seconds * 1000;
export const admissionMs = 60_000;

export const seed = '5eed'.repeat(16);
export const commitment = commitmentOf(seed);

/** Three admitted at most, for a minute each, two seats expected per buyer. */
export const config: RoomConfig = roomConfigOf({
  enabled: true,
  saleStartsAt: T0,
  admittedMax: 3,
  admissionSeconds: admissionMs / 1000,
  seatsPerBuyerExpected: 2,
});

// Commands.
/** `roomSeed` null: the command carries no seed (a change of settings keeps the committed one). */
export const setUp = (now: number, roomConfig: RoomConfig = config, roomSeed: string | null = seed): QueueCommand => ({
  type: 'SetUpRoom',
  data: roomSeed === null ? { config: roomConfig, now } : { config: roomConfig, seed: roomSeed, now },
});
export const join = (userId: string, now: number): QueueCommand => ({ type: 'JoinQueue', data: { userId, now } });
export const leave = (userId: string, now: number): QueueCommand => ({ type: 'LeaveQueue', data: { userId, now } });
export const shuffle = (now: number): QueueCommand => ({ type: 'ShufflePreQueue', data: { now } });
export const admitNext = (now: number, available: number, lapsing = 0): QueueCommand => ({
  type: 'AdmitNext',
  data: { stock: { available, lapsing }, now },
});
export const expireAdmissions = (now: number): QueueCommand => ({ type: 'ExpireAdmissions', data: { now } });
export const finish = (userId: string, now: number, outcome: 'ordered' | 'gaveUp' = 'ordered'): QueueCommand => ({
  type: 'FinishAdmission',
  data: { userId, outcome, now },
});
export const declareSoldOut = (now: number): QueueCommand => ({ type: 'DeclareSoldOut', data: { now } });
export const engage = (now: number): QueueCommand => ({ type: 'EngageRoom', data: { now } });
export const release = (now: number): QueueCommand => ({ type: 'ReleaseRoom', data: { now } });

// Events, as decide writes them.
export const roomSetUp = (at: number, roomConfig: RoomConfig = config): QueueEvent => ({
  type: 'RoomSetUp',
  data: { config: roomConfig, seed, commitment, at },
});
export const joined = (
  entry: number,
  userId: string,
  at: number,
  state: 'prequeue' | 'queued' = 'queued',
): QueueEvent => ({
  type: 'QueueJoined',
  data: { queueId: `q${entry}`, userId, state, at },
});
export const left = (entry: number, userId: string, at: number): QueueEvent => ({
  type: 'QueueLeft',
  data: { queueId: `q${entry}`, userId, at },
});
export const shuffled = (count: number, at: number): QueueEvent => ({
  type: 'PreQueueShuffled',
  data: { seed, count, at },
});
export const granted = (
  admitted: readonly (readonly [number, string])[],
  at: number,
  stock: Stock,
  expiresAt = at + admissionMs,
): QueueEvent => ({
  type: 'AdmissionsGranted',
  data: { admissions: admitted.map(([entry, userId]) => ({ queueId: `q${entry}`, userId, expiresAt })), stock, at },
});
export const expired = (admitted: readonly (readonly [number, string])[], at: number): QueueEvent => ({
  type: 'AdmissionsExpired',
  data: { admissions: admitted.map(([entry, userId]) => ({ queueId: `q${entry}`, userId })), at },
});
export const finished = (
  entry: number,
  userId: string,
  at: number,
  outcome: 'ordered' | 'gaveUp' | 'left' = 'ordered',
): QueueEvent => ({ type: 'AdmissionFinished', data: { queueId: `q${entry}`, userId, outcome, at } });
export const soldOut = (waiting: number, at: number): QueueEvent => ({ type: 'QueueSoldOut', data: { waiting, at } });
export const engaged = (at: number): QueueEvent => ({ type: 'RoomEngaged', data: { at } });
export const released = (waiting: number, at: number): QueueEvent => ({ type: 'RoomReleased', data: { waiting, at } });

/** Set up at -1 h; buyers a, b, c joined the pre-queue; the sale opened and shuffled them; d joined after. */
export const openedWithFour: readonly QueueEvent[] = [
  roomSetUp(t(-3600)),
  joined(0, 'a', t(-600), 'prequeue'),
  joined(1, 'b', t(-500), 'prequeue'),
  joined(2, 'c', t(-400), 'prequeue'),
  shuffled(3, t(0)),
  joined(3, 'd', t(5)),
];

/**
 * Everything a buyer or a later decision can observe, as plain comparable data: every entry with its buyer, status
 * and position, the line, the admissions, the counters, the rates and the pacing.
 */
export const queueObservable = (state: QueueState) => ({
  room: state.room,
  engaged: state.engaged,
  shuffled: state.shuffled,
  shuffledCount: state.shuffledCount,
  soldOut: state.soldOut,
  entries: Array.from({ length: state.users.count }, (_, entry) => [
    state.users.userIdOf(entry),
    state.status[entry],
    positionOf(state, entry),
    state.users.latestOf(state.users.userIdOf(entry)),
  ]),
  line: [...state.line.subarray(0, state.lineLength)],
  counts: [...state.counts],
  admitted: [...state.admitted],
  admittedTotal: state.admittedTotal,
  admissionRate: state.admissionRate,
  finishRate: state.finishRate,
  paceCredit: state.paceCredit,
  paceAt: state.paceAt,
  replacementsOwed: state.replacementsOwed,
});

export const queueFrom = (events: readonly QueueEvent[]): QueueState => evolveQueueAll(initialQueueState(), events);

/**
 * given(events).when(command).then(events | errorCode): the room is rebuilt from the events alone, the command is
 * decided, and on success the events are applied too, so every spec also checks that evolve accepts what decide
 * wrote and that the result is sound.
 */
export const given = (history: readonly QueueEvent[]) => ({
  when: (command: QueueCommand) => {
    const run = (): QueueEvent[] => decideQueue(command, queueFrom(history));
    return {
      // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the specification; nothing awaits it.
      then: (expected: readonly QueueEvent[] | BookingErrorCode): QueueState | undefined => {
        if (typeof expected === 'string') {
          expect(errorCodeOf(run)).toBe(expected);
          return undefined;
        }
        const events = run();
        expect(events).toEqual(expected);
        const state = evolveQueueAll(queueFrom(history), events);
        expect(queueViolations(state)).toEqual([]);
        return state;
      },
    };
  },
});
