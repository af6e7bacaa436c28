import { describe, expect, it } from 'vitest';
import { decideQueue } from './decide.ts';
import type { QueueEvent } from './events.ts';
import { evolveQueueAll } from './evolve.ts';
import {
  admissionMs,
  admitNext,
  commitment,
  config,
  declareSoldOut,
  engage,
  engaged,
  errorCodeOf,
  expireAdmissions,
  expired,
  finish,
  finished,
  given,
  granted,
  join,
  joined,
  leave,
  left,
  openedWithFour,
  queueFrom,
  release,
  released,
  roomSetUp,
  seed,
  setUp,
  shuffle,
  shuffled,
  soldOut,
  T0,
  t,
} from './queueFixture.ts';
import { queueEntryOf } from './read.ts';
import { roomConfigOf } from './room.ts';
import { recomputeOrder } from './shuffle.ts';

const setUpOnly = [roomSetUp(t(-3600))];

describe('SetUpRoom', () => {
  it('sets the room up and publishes the SHA-256 of the seed as its commitment', () => {
    given([])
      .when(setUp(t(-3600)))
      .then([roomSetUp(t(-3600))]);
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a new room without a seed, or with one that is not 32 bytes of lowercase hex', () => {
    given([])
      .when(setUp(t(-3600), config, null))
      .then('INVALID_INPUT');
    given([])
      .when(setUp(t(-3600), config, 'abc'))
      .then('INVALID_INPUT');
    given([])
      .when(setUp(t(-3600), config, seed.toUpperCase()))
      .then('INVALID_INPUT');
  });

  it('refuses settings that cannot work, and says why', () => {
    const opensAfterSale = { ...config, preQueueOpensAt: T0 + 1 };
    given([])
      .when(setUp(t(-3600), opensAfterSale))
      .then('INVALID_INPUT');
    given([])
      .when(setUp(t(-3600), { ...config, admittedMax: 0 }))
      .then('INVALID_INPUT');
    given([])
      .when(setUp(t(-3600), { ...config, seatsPerBuyerExpected: Number.NaN }))
      .then('INVALID_INPUT');
    expect(() => decideQueue(setUp(t(-3600), { ...config, admissionSeconds: 1.5 }), queueFrom([]))).toThrow(
      /admissionSeconds must be a whole number/,
    );
  });

  it('fills the documented defaults: pre-queue 30 min before the sale, 600 s admissions', () => {
    const filled = roomConfigOf({ enabled: true, saleStartsAt: T0 });
    expect(filled.preQueueOpensAt).toBe(T0 - 30 * 60 * 1000);
    expect(filled.admissionSeconds).toBe(600);
  });

  it('answers the same set-up again with no events, so the shell may send it on every activation', () => {
    given(setUpOnly)
      .when(setUp(t(-10)))
      .then([]);
    given(setUpOnly)
      .when(setUp(t(-10), config, null))
      .then([]);
  });

  it('changes settings before the sale opens, keeping the committed seed', () => {
    const later = { ...config, saleStartsAt: T0 + 3_600_000, admittedMax: 10 };
    given([...setUpOnly, joined(0, 'a', t(-600), 'prequeue')])
      .when(setUp(t(-60), later, null))
      .then([{ type: 'RoomSetUp', data: { config: later, seed, commitment, at: t(-60) } }]);
  });

  it('refuses another seed: a published commitment never changes', () => {
    given(setUpOnly)
      .when(setUp(t(-10), config, 'ab'.repeat(32)))
      .then('INVALID_INPUT');
  });

  it('refuses new settings once the sale opened', () => {
    given(openedWithFour)
      .when(setUp(t(10), { ...config, admittedMax: 10 }))
      .then('INVALID_INPUT');
  });

  it('refuses to switch a room with buyers between scheduled and hybrid: that is EngageRoom/ReleaseRoom', () => {
    given([...setUpOnly, joined(0, 'a', t(-600), 'prequeue')])
      .when(setUp(t(-60), { ...config, enabled: false }))
      .then('INVALID_INPUT');
  });
});

describe('JoinQueue', () => {
  it('refuses QUEUE_CLOSED when the event has no room', () => {
    given([])
      .when(join('a', t(-600)))
      .then('QUEUE_CLOSED');
  });

  it('refuses SALE_NOT_OPEN before the pre-queue opens', () => {
    given(setUpOnly)
      .when(join('a', config.preQueueOpensAt - 1))
      .then('SALE_NOT_OPEN');
  });

  it('puts a buyer who comes before the sale in the pre-queue, numbered in the order of arrival', () => {
    given(setUpOnly)
      .when(join('a', config.preQueueOpensAt))
      .then([joined(0, 'a', config.preQueueOpensAt, 'prequeue')]);
    given([...setUpOnly, joined(0, 'a', t(-600), 'prequeue')])
      .when(join('b', t(-1)))
      .then([joined(1, 'b', t(-1), 'prequeue')]);
  });

  it('answers a buyer who joins again with their entry and no events: one entry per buyer', () => {
    const history = [...setUpOnly, joined(0, 'a', t(-600), 'prequeue')];
    given(history)
      .when(join('a', t(-500)))
      .then([]);
    expect(queueEntryOf(queueFrom(history), 'a', t(-500))).toEqual({ queueId: 'q0', state: 'prequeue' });
    given(openedWithFour)
      .when(join('d', t(6)))
      .then([]);
  });

  it('shuffles the pre-queue first when the first command after the opening is a join, then queues behind it', () => {
    const history = [...setUpOnly, joined(0, 'a', t(-600), 'prequeue'), joined(1, 'b', t(-500), 'prequeue')];
    const state = given(history)
      .when(join('c', t(0)))
      .then([shuffled(2, t(0)), joined(2, 'c', t(0))]);
    expect(queueEntryOf(state!, 'c', t(0))).toMatchObject({ queueId: 'q2', state: 'queued', position: 3 });
  });

  it('queues later arrivals first come, first served', () => {
    const state = given(openedWithFour)
      .when(join('e', t(6)))
      .then([joined(4, 'e', t(6))]);
    expect(queueEntryOf(state!, 'd', t(6))?.position).toBe(4);
    expect(queueEntryOf(state!, 'e', t(6))?.position).toBe(5);
  });

  it('refuses QUEUE_CLOSED in a hybrid room that is not engaged', () => {
    given([roomSetUp(t(-3600), { ...config, enabled: false })])
      .when(join('a', t(10)))
      .then('QUEUE_CLOSED');
  });

  it('refuses SOLD_OUT after the sell-out, but answers a buyer who was waiting with their sold-out entry', () => {
    const history = [...openedWithFour, soldOut(4, t(20))];
    given(history)
      .when(join('z', t(30)))
      .then('SOLD_OUT');
    given(history)
      .when(join('a', t(30)))
      .then([]);
    expect(queueEntryOf(queueFrom(history), 'a', t(30))).toEqual({ queueId: 'q0', state: 'soldout' });
  });

  it('gives a buyer whose entry ended a new entry at the back of the line', () => {
    const history = [...openedWithFour, left(2, 'c', t(10))];
    const state = given(history)
      .when(join('c', t(11)))
      .then([joined(4, 'c', t(11))]);
    expect(queueEntryOf(state!, 'c', t(11))).toMatchObject({ queueId: 'q4', state: 'queued', position: 4 });
  });

  it('refuses a user id that could not be stored with INVALID_INPUT', () => {
    given(setUpOnly)
      .when(join('', t(-600)))
      .then('INVALID_INPUT');
    given(setUpOnly)
      .when(join('x'.repeat(129), t(-600)))
      .then('INVALID_INPUT');
    given(setUpOnly)
      .when(join('a\nb', t(-600)))
      .then('INVALID_INPUT');
  });

  it('refuses QUEUE_FULL beyond entriesMax', () => {
    const small = { ...config, entriesMax: 2 };
    const history = [
      roomSetUp(t(-3600), small),
      joined(0, 'a', t(-600), 'prequeue'),
      joined(1, 'b', t(-500), 'prequeue'),
    ];
    given(history)
      .when(join('c', t(-400)))
      .then('QUEUE_FULL');
  });
});

describe('LeaveQueue', () => {
  it('takes a waiting buyer out of the line, and everyone behind moves up', () => {
    const state = given(openedWithFour)
      .when(leave('b', t(10)))
      .then([left(1, 'b', t(10))]);
    expect(queueEntryOf(state!, 'a', t(10))?.position).toBe(2);
    expect(queueEntryOf(state!, 'd', t(10))?.position).toBe(3);
  });

  it('takes a buyer out of the pre-queue, so the shuffle leaves them out', () => {
    given([...setUpOnly, joined(0, 'a', t(-600), 'prequeue')])
      .when(leave('a', t(-60)))
      .then([left(0, 'a', t(-60))]);
  });

  it('ends the admission of an admitted buyer who leaves', () => {
    given([...openedWithFour, granted([[2, 'c']], t(10), { available: 2, lapsing: 0 })])
      .when(leave('c', t(20)))
      .then([finished(2, 'c', t(20), 'left')]);
  });

  it('refuses NOT_FOUND to a buyer who never joined, and answers a repeated leave with no events', () => {
    given(openedWithFour)
      .when(leave('z', t(10)))
      .then('NOT_FOUND');
    given([...openedWithFour, left(1, 'b', t(10))])
      .when(leave('b', t(11)))
      .then([]);
  });
});

describe('ShufflePreQueue', () => {
  const preQueue = [
    ...setUpOnly,
    joined(0, 'a', t(-600), 'prequeue'),
    joined(1, 'b', t(-500), 'prequeue'),
    joined(2, 'c', t(-400), 'prequeue'),
  ];

  it('refuses SALE_NOT_OPEN before saleStartsAt', () => {
    given(preQueue)
      .when(shuffle(t(-1)))
      .then('SALE_NOT_OPEN');
  });

  it('shuffles everyone still in the pre-queue with the committed seed, which it reveals', () => {
    const state = given(preQueue)
      .when(shuffle(t(0)))
      .then([shuffled(3, t(0))]);
    const order = recomputeOrder(seed, ['q0', 'q1', 'q2']);
    expect(order.map((queueId) => [...'abc'][Number(queueId.slice(1))])).toEqual(['c', 'b', 'a']);
    expect(['a', 'b', 'c'].map((user) => queueEntryOf(state!, user, t(0))?.position)).toEqual([3, 2, 1]);
  });

  it('leaves out who left, and happens once', () => {
    given([...preQueue, left(1, 'b', t(-60))])
      .when(shuffle(t(0)))
      .then([shuffled(2, t(0))]);
    given(openedWithFour)
      .when(shuffle(t(10)))
      .then([]);
  });
});

describe('AdmitNext', () => {
  // After the shuffle the line is c, b, a, then d.
  const stock = (available: number, lapsing = 0) => ({ available, lapsing });

  it('admits nobody before the sale opens, whatever the stock', () => {
    given([...setUpOnly, joined(0, 'a', t(-600), 'prequeue')])
      .when(admitNext(t(-1), 100))
      .then([]);
  });

  it('admits while admitted × expected seats is below the sellable stock: 3 seats, 2 each → 2 buyers', () => {
    given(openedWithFour)
      .when(admitNext(t(10), 3))
      .then([
        granted(
          [
            [2, 'c'],
            [1, 'b'],
          ],
          t(10),
          stock(3),
        ),
      ]);
  });

  it('counts holds about to lapse as sellable', () => {
    given(openedWithFour)
      .when(admitNext(t(10), 1, 2))
      .then([
        granted(
          [
            [2, 'c'],
            [1, 'b'],
          ],
          t(10),
          stock(1, 2),
        ),
      ]);
  });

  it('never admits beyond admittedMax', () => {
    given(openedWithFour)
      .when(admitNext(t(10), 100))
      .then([
        granted(
          [
            [2, 'c'],
            [1, 'b'],
            [0, 'a'],
          ],
          t(10),
          stock(100),
        ),
      ]);
  });

  it('counts the buyers still choosing against the stock', () => {
    given([...openedWithFour, granted([[2, 'c']], t(10), stock(2))])
      .when(admitNext(t(11), 2))
      .then([]);
    given([...openedWithFour, granted([[2, 'c']], t(10), stock(2))])
      .when(admitNext(t(11), 4))
      .then([granted([[1, 'b']], t(11), stock(4))]);
  });

  it('admits nobody when nothing is sellable', () => {
    given(openedWithFour)
      .when(admitNext(t(10), 0))
      .then([]);
  });

  it('shuffles and admits from the shuffled pre-queue when it is the first command after the opening', () => {
    given(openedWithFour.slice(0, 4))
      .when(admitNext(t(0), 2))
      .then([shuffled(3, t(0)), granted([[2, 'c']], t(0), stock(2))]);
  });

  it('expires admissions that ran out unused and admits the next in their place', () => {
    const history = [
      ...openedWithFour,
      granted(
        [
          [2, 'c'],
          [1, 'b'],
          [0, 'a'],
        ],
        t(10),
        stock(100),
      ),
    ];
    given(history)
      .when(admitNext(t(10) + admissionMs, 100))
      .then([
        expired(
          [
            [2, 'c'],
            [1, 'b'],
            [0, 'a'],
          ],
          t(10) + admissionMs,
        ),
        granted([[3, 'd']], t(10) + admissionMs, stock(100)),
      ]);
  });

  it('paces admissions at twice the measured finish rate, never slower than admittedMax ÷ admissionSeconds', () => {
    // The opening (at 100 s) fills all three places at once and empties the bucket. The floor is 3 ÷ 60 s, one
    // admission per 20 s. When all three order a second later, 3 finishes in the last minute are 0.05 a second and
    // the bucket refills at twice that: one place every 10 s. When only c orders, twice 1/60 a second is below the
    // floor, which paces: one place every 20 s.
    const admittedAll = [
      ...openedWithFour,
      granted(
        [
          [2, 'c'],
          [1, 'b'],
          [0, 'a'],
        ],
        t(100),
        stock(100),
      ),
    ];
    const allFinished = [...admittedAll, finished(2, 'c', t(101)), finished(1, 'b', t(101)), finished(0, 'a', t(101))];
    given(allFinished)
      .when(admitNext(t(110), 100))
      .then([]);
    given(allFinished)
      .when(admitNext(t(111), 100))
      .then([granted([[3, 'd']], t(111), stock(100))]);
    const oneFinished = [...admittedAll, finished(2, 'c', t(101))];
    given(oneFinished)
      .when(admitNext(t(119), 100))
      .then([]);
    given(oneFinished)
      .when(admitNext(t(121), 100))
      .then([granted([[3, 'd']], t(121), stock(100))]);
  });

  it('climbs back to what the places allow when buyers finish fast, instead of staying at a slow rate', () => {
    // Ten places, ten-minute admissions (floor 1 per minute). Every admitted buyer orders within the second: the
    // pacing must soon admit the ten a second the places allow, not the few a minute the floor would.
    const wide = { ...config, admittedMax: 10, admissionSeconds: 600 };
    const state = queueFrom([roomSetUp(t(-3600), wide), shuffled(0, t(0))]);
    const apply = (events: readonly QueueEvent[]) => evolveQueueAll(state, events);
    for (let i = 0; i < 400; i++) apply(decideQueue(join(`u${i}`, t(1)), state));
    const admittedPerTick: number[] = [];
    for (let second = 2; second < 30; second++) {
      const events = decideQueue(admitNext(t(second), 1_000), state);
      apply(events);
      const admissions = events.flatMap((event) => (event.type === 'AdmissionsGranted' ? event.data.admissions : []));
      admittedPerTick.push(admissions.length);
      for (const { userId } of admissions) apply(decideQueue(finish(userId, t(second) + 500), state));
    }
    expect(admittedPerTick[0]).toBe(10);
    expect(admittedPerTick.slice(-10)).toEqual(new Array(10).fill(10));
  });

  it('admits nobody in a room that is not engaged or sold out', () => {
    given([...openedWithFour, released(4, t(10))])
      .when(admitNext(t(11), 100))
      .then([]);
    given([...openedWithFour, soldOut(4, t(10))])
      .when(admitNext(t(11), 100))
      .then([]);
  });

  it('treats a negative or fractional stock as the shell’s bug', () => {
    expect(() => decideQueue(admitNext(t(10), -1), queueFrom(openedWithFour))).toThrow(/stock.available/);
    expect(() => decideQueue(admitNext(t(10), 1, 0.5), queueFrom(openedWithFour))).toThrow(/stock.lapsing/);
    expect(errorCodeOf(() => decideQueue(admitNext(t(10), 1), queueFrom([])))).toBe('QUEUE_CLOSED');
  });
});

describe('ExpireAdmissions', () => {
  it('ends every admission whose time ran out, and only those', () => {
    const history = [
      ...openedWithFour,
      granted([[2, 'c']], t(10), { available: 100, lapsing: 0 }),
      granted([[1, 'b']], t(40), { available: 100, lapsing: 0 }),
    ];
    given(history)
      .when(expireAdmissions(t(10) + admissionMs - 1))
      .then([]);
    given(history)
      .when(expireAdmissions(t(10) + admissionMs))
      .then([expired([[2, 'c']], t(10) + admissionMs)]);
  });
});

describe('FinishAdmission', () => {
  const history = [...openedWithFour, granted([[2, 'c']], t(10), { available: 100, lapsing: 0 })];

  it('ends an admitted buyer’s admission when they ordered or gave up', () => {
    given(history)
      .when(finish('c', t(20)))
      .then([finished(2, 'c', t(20))]);
    given(history)
      .when(finish('c', t(20), 'gaveUp'))
      .then([finished(2, 'c', t(20), 'gaveUp')]);
  });

  it('is a no-op for a buyer who is not admitted, or without a room', () => {
    given(history)
      .when(finish('d', t(20)))
      .then([]);
    given(history)
      .when(finish('z', t(20)))
      .then([]);
    given([])
      .when(finish('c', t(20)))
      .then([]);
  });
});

describe('DeclareSoldOut', () => {
  it('tells everyone waiting at once, in one event', () => {
    const state = given([...openedWithFour, granted([[2, 'c']], t(10), { available: 2, lapsing: 0 })])
      .when(declareSoldOut(t(20)))
      .then([soldOut(3, t(20))]);
    expect(['a', 'b', 'd'].map((user) => queueEntryOf(state!, user, t(20))?.state)).toEqual([
      'soldout',
      'soldout',
      'soldout',
    ]);
    expect(queueEntryOf(state!, 'c', t(20))?.state).toBe('admitted');
  });

  it('is final: declaring it again changes nothing', () => {
    given([...openedWithFour, soldOut(4, t(20))])
      .when(declareSoldOut(t(30)))
      .then([]);
  });
});

describe('EngageRoom and ReleaseRoom (the hybrid switch)', () => {
  const hybrid = [roomSetUp(t(-3600), { ...config, enabled: false })];

  it('engages a hybrid room, after which buyers queue first come, first served', () => {
    given(hybrid)
      .when(engage(t(100)))
      .then([shuffled(0, t(100)), engaged(t(100))]);
    given([...hybrid, shuffled(0, t(100)), engaged(t(100))])
      .when(join('a', t(101)))
      .then([joined(0, 'a', t(101))]);
    given([...hybrid, shuffled(0, t(100)), engaged(t(100))])
      .when(engage(t(101)))
      .then([]);
  });

  it('releases the room: everyone waiting may go ahead, and the admitted keep their admission', () => {
    const history = [...openedWithFour, granted([[2, 'c']], t(10), { available: 100, lapsing: 0 })];
    const state = given(history)
      .when(release(t(20)))
      .then([released(3, t(20))]);
    expect(queueEntryOf(state!, 'a', t(20))?.state).toBe('released');
    expect(queueEntryOf(state!, 'c', t(20))?.state).toBe('admitted');
    given([...history, released(3, t(20))])
      .when(release(t(21)))
      .then([]);
  });

  it('does not engage a sold-out room', () => {
    given([...hybrid, shuffled(0, t(100)), soldOut(0, t(100))])
      .when(engage(t(101)))
      .then([]);
  });
});
