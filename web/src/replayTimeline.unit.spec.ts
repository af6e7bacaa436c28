import { describe, expect, it } from 'vitest';
import { playedTo, type ReplayFrame, ReplayTimeline, sliderSpan } from './replayTimeline.ts';

const at = (seconds: number) => new Date(Date.UTC(2030, 2, 1, 10, 0, seconds)).toISOString();
const ms = (seconds: number) => Date.parse(at(seconds));

/** A sale: two seats held at 10:00:05, one of them sold at :10, the floor held at :10, the other lapsing at :40. */
const frames: ReplayFrame[] = [
  {
    at: at(5),
    kind: 'append',
    version: 1,
    changes: [
      { seatId: 'A-1', status: 'held', version: 1 },
      { seatId: 'A-2', status: 'held', version: 1 },
    ],
    general: [],
  },
  {
    at: at(10),
    kind: 'append',
    version: 3,
    changes: [{ seatId: 'A-1', status: 'sold', version: 3 }],
    general: [{ sectionId: 'FLOOR', available: 96 }],
  },
  { at: at(40), kind: 'lapse', version: 3, changes: [{ seatId: 'A-2', status: 'available', version: 1 }], general: [] },
];

const shown = (timeline: ReplayTimeline) => ({
  version: timeline.version,
  a1: timeline.statusOf('A-1'),
  a2: timeline.statusOf('A-2'),
  floor: timeline.availableIn('FLOOR'),
});

describe('ReplayTimeline', () => {
  it('lists the seats of the map shown that are not available, for a whole load', () => {
    const timeline = new ReplayTimeline(frames, { FLOOR: 100 });
    expect(timeline.statuses()).toEqual({});
    timeline.seek(ms(10));
    expect(timeline.statuses()).toEqual({ 'A-1': { status: 'sold' }, 'A-2': { status: 'held' } });
    timeline.seek(ms(40));
    expect(timeline.statuses()).toEqual({ 'A-1': { status: 'sold' } });
    timeline.seek(ms(4));
    expect(timeline.statuses()).toEqual({});
  });

  it('shows before the first frame the map before the sale: seats available, sections at capacity', () => {
    const timeline = new ReplayTimeline(frames, { FLOOR: 100 });
    expect(timeline.seek(ms(4))).toEqual({ seats: [], general: [] });
    expect(shown(timeline)).toEqual({ version: 0, a1: 'available', a2: 'available', floor: 100 });
    expect(timeline.firstAt).toBe(ms(5));
  });

  it('applies every frame at or before the instant, and none after', () => {
    const timeline = new ReplayTimeline(frames, { FLOOR: 100 });
    expect(timeline.seek(ms(5))).toEqual({
      seats: [
        { seatId: 'A-1', status: 'held' },
        { seatId: 'A-2', status: 'held' },
      ],
      general: [],
    });
    expect(timeline.seek(ms(40) - 1)).toEqual({
      seats: [{ seatId: 'A-1', status: 'sold' }],
      general: [{ sectionId: 'FLOOR', available: 96 }],
    });
    expect(shown(timeline)).toEqual({ version: 3, a1: 'sold', a2: 'held', floor: 96 });
    timeline.seek(ms(40));
    expect(shown(timeline)).toEqual({ version: 3, a1: 'sold', a2: 'available', floor: 96 });
    expect(timeline.position).toBe(3);
  });

  it('goes back as exactly as it goes forward, to any instant and in any order', () => {
    const timeline = new ReplayTimeline(frames, { FLOOR: 100 });
    const instants = [0, 5, 7, 10, 39, 40, 60].map(ms);
    const expected = instants.map((instant) => {
      const fresh = new ReplayTimeline(frames, { FLOOR: 100 });
      fresh.seek(instant);
      return shown(fresh);
    });
    for (const order of [
      [6, 0, 3, 5, 1, 4, 2],
      [3, 3, 0, 6, 6, 2],
      [1, 5, 0],
    ]) {
      for (const index of order) {
        timeline.seek(instants[index]!);
        expect(shown(timeline), `at ${index}`).toEqual(expected[index]);
      }
    }
    // Going back names the seats and sections that change back.
    timeline.seek(ms(60));
    expect(timeline.seek(ms(6))).toEqual({
      seats: [
        { seatId: 'A-2', status: 'held' },
        { seatId: 'A-1', status: 'held' },
      ],
      general: [{ sectionId: 'FLOOR', available: 100 }],
    });
  });

  it('finds the change after and before an instant, for stepping from change to change', () => {
    const timeline = new ReplayTimeline(frames, {});
    expect(timeline.changeAfter(ms(0))).toBe(ms(5));
    expect(timeline.changeAfter(ms(5))).toBe(ms(10));
    expect(timeline.changeAfter(ms(40))).toBeUndefined();
    expect(timeline.changeBefore(ms(40))).toBe(ms(10));
    expect(timeline.changeBefore(ms(41))).toBe(ms(40));
    expect(timeline.changeBefore(ms(5))).toBeUndefined();
    expect(timeline.instantOf(2)).toBe(ms(40));
  });

  it('refuses frames out of order', () => {
    expect(() => new ReplayTimeline([frames[1]!, frames[0]!], {})).toThrow(RangeError);
  });
});

describe('sliderSpan and playedTo', () => {
  it('spans whole seconds from before the first change to the end, and nothing without changes', () => {
    expect(sliderSpan(ms(5), ms(61) + 200)).toEqual({ minMs: ms(4), maxMs: ms(62) });
    expect(sliderSpan(ms(5) + 300, ms(61))).toEqual({ minMs: ms(5), maxMs: ms(61) });
    expect(sliderSpan(undefined, ms(61))).toEqual({ minMs: ms(61), maxMs: ms(61) });
  });

  it('plays at its speed and stops at the end', () => {
    expect(playedTo(ms(10), 500, 10, ms(60))).toBe(ms(15));
    expect(playedTo(ms(10), 10_000, 10, ms(60))).toBe(ms(60));
    expect(playedTo(ms(10), -5, 10, ms(60))).toBe(ms(10));
  });
});
