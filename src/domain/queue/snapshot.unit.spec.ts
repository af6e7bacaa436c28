import { describe, expect, it } from 'vitest';
import type { QueueEvent } from './events.ts';
import { evolveQueueAll } from './evolve.ts';
import {
  finished,
  granted,
  joined,
  left,
  openedWithFour,
  queueFrom,
  queueObservable,
  released,
  roomSetUp,
  soldOut,
  t,
} from './queueFixture.ts';
import { fromQueueSnapshot, type QueueSnapshot, queueSnapshotFormat, toQueueSnapshot } from './snapshot.ts';

const stock = { available: 100, lapsing: 0 };
const histories: Record<string, readonly QueueEvent[]> = {
  'no room': [],
  'a pre-queue': [roomSetUp(t(-3600)), joined(0, 'a', t(-600), 'prequeue'), joined(1, 'b', t(-500), 'prequeue')],
  'an open line with admissions, finishes and leavers': [
    ...openedWithFour,
    granted([[2, 'c']], t(10), stock),
    finished(2, 'c', t(11)),
    left(1, 'b', t(12)),
    joined(4, 'c', t(13)),
    granted([[0, 'a']], t(40), stock),
  ],
  'a sold-out room': [...openedWithFour, granted([[2, 'c']], t(10), stock), soldOut(3, t(20))],
  'a released room': [...openedWithFour, released(4, t(20))],
};

const roundTrip = (snapshot: QueueSnapshot): QueueSnapshot => JSON.parse(JSON.stringify(snapshot));

describe('waiting room snapshots', () => {
  for (const [name, history] of Object.entries(histories)) {
    it(`restore ${name} exactly, through JSON`, () => {
      const state = queueFrom(history);
      const restored = fromQueueSnapshot(roundTrip(toQueueSnapshot(state)));
      expect(queueObservable(restored)).toEqual(queueObservable(state));
    });
  }

  it('keep deciding as the replayed room does', () => {
    const history = histories['an open line with admissions, finishes and leavers']!;
    const restored = fromQueueSnapshot(roundTrip(toQueueSnapshot(queueFrom(history))));
    const next = [joined(5, 'e', t(50)), left(3, 'd', t(51))];
    // The actor evolves the restored room in place with the events after the snapshot.
    expect(queueObservable(evolveQueueAll(restored, next))).toEqual(queueObservable(queueFrom([...history, ...next])));
  });

  it('refuse another format, and a snapshot whose columns disagree', () => {
    const snapshot = toQueueSnapshot(queueFrom(openedWithFour));
    expect(() => fromQueueSnapshot({ ...snapshot, format: queueSnapshotFormat + 1 })).toThrow(/format/);
    expect(() => fromQueueSnapshot({ ...snapshot, entries: 5 })).toThrow(/user ids/);
    // Entry q0 marked admitted without an admission: the invariants refuse it.
    const status = Buffer.from(snapshot.status, 'base64');
    status[0] = 2;
    expect(() => fromQueueSnapshot({ ...snapshot, status: status.toString('base64') })).toThrow(/unsound/);
  });

  it('keep a million-entry room small: user ids as lines, statuses and the line in base64', () => {
    const snapshot = toQueueSnapshot(queueFrom(openedWithFour));
    expect(snapshot.userIds).toBe('a\nb\nc\nd');
    expect(Buffer.from(snapshot.line, 'base64').length).toBe(16);
  });
});
