import { describe, expect, it } from 'vitest';
import type { QueueCommand } from './commands.ts';
import { decideQueue } from './decide.ts';
import type { AdmissionsGranted, QueueEvent } from './events.ts';
import { evolveQueueAll } from './evolve.ts';
import { queueViolations } from './invariants.ts';
import { admitNext, config, roomSetUp, setUp, T0, t } from './queueFixture.ts';
import { queueEntryOf } from './read.ts';
import { fromQueueSnapshot, toQueueSnapshot } from './snapshot.ts';
import { initialQueueState, type QueueState } from './state.ts';

/**
 * The back of the room: entries the front door found risky (JoinQueue's `atBack`) wait behind everyone else, later
 * arrivals included, and are not admitted before `riskyHeldBackSeconds` after the opening. Never refused: they keep
 * a place and a position.
 */
const heldBackSeconds = 120;
const roomConfig = { ...config, admittedMax: 10, riskyHeldBackSeconds: heldBackSeconds };

const joinAs = (userId: string, now: number, atBack = false): QueueCommand => ({
  type: 'JoinQueue',
  data: atBack ? { userId, now, atBack: true } : { userId, now },
});

/** Runs commands through decide and evolve, checking every invariant after each, and keeps the events. */
const run = (commands: readonly QueueCommand[]) => {
  const state: QueueState = initialQueueState();
  const log: QueueEvent[] = [];
  for (const command of commands) {
    const events = decideQueue(command, state);
    evolveQueueAll(state, events);
    log.push(...events);
    expect(queueViolations(state)).toEqual([]);
  }
  return { state, log };
};

const admittedIn = (events: readonly QueueEvent[]): string[] =>
  events
    .filter((event): event is AdmissionsGranted => event.type === 'AdmissionsGranted')
    .flatMap((event) => event.data.admissions.map((admission) => admission.userId));

const positionOf = (state: QueueState, userId: string, now: number) => queueEntryOf(state, userId, now)?.position;

describe('the back of the waiting room', () => {
  it('records the join as sent to the back, and only then', () => {
    const { log } = run([setUp(t(-3600), roomConfig), joinAs('bot', t(-60), true), joinAs('human', t(-50))]);
    expect(log[1]).toMatchObject({ type: 'QueueJoined', data: { userId: 'bot', atBack: true } });
    expect(log[2]!.data).not.toHaveProperty('atBack');
  });

  it('admits the pre-queue front lane at the opening and holds the back lane back, even with places free', () => {
    const { log } = run([
      setUp(t(-3600), roomConfig),
      joinAs('bot1', t(-60), true),
      joinAs('human1', t(-50)),
      joinAs('bot2', t(-40), true),
      joinAs('human2', t(-30)),
      admitNext(T0, 100),
    ]);
    expect(admittedIn(log).sort()).toEqual(['human1', 'human2']);
  });

  it('puts a later arrival of the front lane ahead of the back lane: positions count the whole front first', () => {
    const { state } = run([
      setUp(t(-3600), { ...roomConfig, admittedMax: 1 }),
      joinAs('bot1', t(-60), true),
      joinAs('human1', t(-50)),
      admitNext(T0, 100),
      joinAs('human2', t(5)),
      joinAs('bot2', t(6), true),
      joinAs('human3', t(7)),
    ]);
    expect(positionOf(state, 'human2', t(8))).toBe(1);
    expect(positionOf(state, 'human3', t(8))).toBe(2);
    expect(positionOf(state, 'bot1', t(8))).toBe(3);
    expect(positionOf(state, 'bot2', t(8))).toBe(4);
  });

  it('admits the back lane once nobody else waits and the hold-back has passed, in its own order', () => {
    const commands = [
      setUp(t(-3600), roomConfig),
      joinAs('bot1', t(-60), true),
      joinAs('human1', t(-50)),
      joinAs('bot2', t(10), true),
      admitNext(T0, 100),
    ];
    const early = run([...commands, admitNext(t(heldBackSeconds - 1), 100)]);
    expect(admittedIn(early.log)).toEqual(['human1']);
    const late = run([...commands, admitNext(t(heldBackSeconds), 100)]);
    expect(admittedIn(late.log)).toEqual(['human1', 'bot1', 'bot2']);
  });

  it('admits the front lane first when the shuffle and the first admissions are one command', () => {
    const { log } = run([
      setUp(t(-3600), { ...roomConfig, riskyHeldBackSeconds: 0, admittedMax: 2 }),
      joinAs('bot1', t(-60), true),
      joinAs('bot2', t(-55), true),
      joinAs('human1', t(-50)),
      admitNext(T0, 100),
    ]);
    const admitted = admittedIn(log);
    expect(admitted[0]).toBe('human1');
    expect(admitted).toHaveLength(2);
  });

  it('keeps the lanes through a snapshot', () => {
    const { state } = run([
      setUp(t(-3600), { ...roomConfig, admittedMax: 1 }),
      joinAs('bot1', t(-60), true),
      joinAs('human1', t(-50)),
      admitNext(T0, 100),
      joinAs('human2', t(5)),
    ]);
    const restored = fromQueueSnapshot(JSON.parse(JSON.stringify(toQueueSnapshot(state))));
    expect(positionOf(restored, 'human2', t(6))).toBe(1);
    expect(positionOf(restored, 'bot1', t(6))).toBe(2);
    const { atBack: _dropped, ...older } = toQueueSnapshot(state);
    expect(positionOf(fromQueueSnapshot(older), 'bot1', t(6))).toBe(1);
  });

  it('rooms logged before the hold-back existed hold nobody back', () => {
    const { riskyHeldBackSeconds: _none, ...older } = roomConfig;
    const { log } = run([
      { type: 'SetUpRoom', data: { config: older, seed: '5eed'.repeat(16), now: t(-3600) } },
      joinAs('bot1', t(-60), true),
      admitNext(T0, 100),
    ]);
    expect(log[0]).toEqual({ ...roomSetUp(t(-3600), older) });
    expect(admittedIn(log)).toEqual(['bot1']);
  });
});
