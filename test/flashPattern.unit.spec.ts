import { describe, expect, it } from 'vitest';
import { type AbWindow, summarise, versusRatios } from '../bench/ab.ts';
import {
  emptyHoldTally,
  type FlashPattern,
  keepsHold,
  pickSeat,
  refusedShare,
  seatIdOf,
  seededRandom,
  sumHoldTallies,
  tallyHold,
} from '../bench/flashPattern.ts';
import { countOversold } from '../bench/flashSale.ts';
import { GrantLog, Sample } from '../bench/lightClient/loadConnection.ts';
import { anySeatEncoder, requestEncoder } from '../bench/lightClient/protocol.ts';
import type { LightLoadResult } from '../bench/lightLoad.ts';

const pattern: FlashPattern = {
  seatCount: 10_000,
  hotSeatCount: 2_000,
  seatsPerRow: 100,
  hotShare: 0.8,
  keepShare: 0.05,
  keptPerConnectionMax: 4,
};

/** A generator that answers the given draws in order, and counts them. */
const draws = (...values: number[]) => {
  let taken = 0;
  const next = () => {
    const value = values[taken++];
    if (value === undefined) throw new Error('no draw left');
    return value;
  };
  return { next, taken: () => taken };
};

describe('the flash-sale pattern both load clients follow', () => {
  it('repeats its draws from the seed, in [0, 1)', () => {
    const a = seededRandom(20_260_101);
    const b = seededRandom(20_260_101);
    const first = Array.from({ length: 1000 }, a);
    expect(Array.from({ length: 1000 }, b)).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 1000 }, seededRandom(20_260_102))).not.toEqual(first);
  });

  it('names seats row by row in venue order', () => {
    expect([0, 99, 100, 9_999].map((i) => seatIdOf(i, 100))).toEqual([
      'ORCH-1-1',
      'ORCH-1-100',
      'ORCH-2-1',
      'ORCH-100-100',
    ]);
  });

  it('picks a hot seat below hotShare and any seat above it', () => {
    expect(pickSeat(draws(0.5, 0.25).next, pattern)).toBe(500);
    expect(pickSeat(draws(0.9, 0.5).next, pattern)).toBe(5_000);
    const next = seededRandom(7);
    const picks = Array.from({ length: 20_000 }, () => pickSeat(next, pattern));
    // 80 % of the picks on the hot fifth, plus the hot fifth of the other 20 %: 84 %.
    const hot = picks.filter((i) => i < pattern.hotSeatCount).length / picks.length;
    expect(hot).toBeGreaterThan(0.82);
    expect(hot).toBeLessThan(0.86);
    expect(Math.min(...picks)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...picks)).toBeLessThan(pattern.seatCount);
  });

  it('keeps a grant below keepShare, and draws nothing once a buyer keeps the most it may', () => {
    expect(keepsHold(draws(0.01).next, 0, pattern)).toBe(true);
    expect(keepsHold(draws(0.5).next, 3, pattern)).toBe(false);
    const atLimit = draws();
    expect(keepsHold(atLimit.next, 4, pattern)).toBe(false);
    expect(atLimit.taken()).toBe(0);
  });

  it('tallies holds as granted, refused SEAT_UNAVAILABLE, or refused otherwise', () => {
    const one = emptyHoldTally();
    tallyHold(one, { ok: true });
    tallyHold(one, { ok: false, code: 'SEAT_UNAVAILABLE' });
    tallyHold(one, { ok: false, code: 'SEAT_UNAVAILABLE' });
    tallyHold(one, { ok: false, code: 'HOLD_LIMIT' });
    expect(one).toEqual({ granted: 1, refused: 2, otherRefusals: 1 });
    const two = { granted: 3, refused: 4, otherRefusals: 0 };
    expect(sumHoldTallies([one, two])).toEqual({ granted: 4, refused: 6, otherRefusals: 1 });
    expect(refusedShare(two)).toBeCloseTo(4 / 7);
    expect(refusedShare(emptyHoldTally())).toBeNaN();
  });
});

describe("the light client's flash requests and records", () => {
  it('encodes a hold of any seat as socket.io does, and the one-seat encoder as before', () => {
    const eventId = 'evt_"quoted"';
    const packet = anySeatEncoder(eventId).hold(17, JSON.stringify('ORCH-3-4'));
    expect(packet.startsWith('4217[')).toBe(true);
    expect(JSON.parse(packet.slice(4))).toEqual(['hold', { eventId, seatIds: ['ORCH-3-4'], requestId: 'r17' }]);
    expect(requestEncoder(eventId, 'ORCH-1-2').hold(5)).toBe(
      `425${JSON.stringify(['hold', { eventId, seatIds: ['ORCH-1-2'], requestId: 'r5' }])}`,
    );
    expect(JSON.parse(anySeatEncoder(eventId).release(6, 'h"1').slice(3))).toEqual([
      'release',
      { holdId: 'h"1', requestId: 'r6' },
    ]);
  });

  it('logs every grant with its live interval, and the unreleased ones with their hold ids', () => {
    const log = new GrantLog();
    log.add(3, 10, 12, 'a');
    log.add(3, 12.5, Number.NaN, 'b');
    log.add(4, 11, Number.NaN, 'c');
    expect(Array.from(log.seatIndexes.toArray())).toEqual([3, 3, 4]);
    expect(log.unreleased).toEqual([
      { seatIndex: 3, holdId: 'b' },
      { seatIndex: 4, holdId: 'c' },
    ]);
    const grants = Array.from(log.seatIndexes.toArray(), (seatIndex, i) => ({
      seatId: seatIdOf(seatIndex, 100),
      ackAt: log.ackAts.values[i]!,
      releaseSentAt: Number.isNaN(log.releaseSentAts.values[i]!) ? null : log.releaseSentAts.values[i]!,
    }));
    expect(countOversold(grants)).toBe(0);
    // A grant acknowledged while b is still live on seat 3 is an oversell.
    expect(countOversold([...grants, { seatId: seatIdOf(3, 100), ackAt: 20, releaseSentAt: 21 }])).toBe(1);
  });

  it('grows a sample past its first buffer', () => {
    const sample = new Sample();
    for (let i = 0; i < 10_000; i++) sample.push(i);
    expect(sample.toArray().length).toBe(10_000);
    expect(sample.toArray()[9_999]).toBe(9_999);
  });
});

describe('bench/ab.ts with the flash workload', () => {
  const result = (over: Partial<LightLoadResult>): LightLoadResult =>
    ({
      workload: 'flash',
      ackedPerSecond: 0,
      holdsPerSecond: 0,
      grantedPerSecond: 0,
      servingCpuUsPerRequest: 0,
      holds: { granted: 0, refused: 0, otherRefusals: 0 },
      oversold: 0,
      finalStateMismatches: 0,
      failures: {},
      refusals: {},
      gc: { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 },
      ...over,
    }) as LightLoadResult;
  const window = (variant: string, round: number, over: Partial<LightLoadResult>): AbWindow => ({
    variant,
    round,
    result: result(over),
    throughputOverCeiling: null,
    cpuOverCeiling: null,
    holdsOverCeiling: null,
  });

  it("sets each window against the named variant's window of the same round", () => {
    const windows = [
      window('optimistic', 1, { ackedPerSecond: 1_000, holdsPerSecond: 800, servingCpuUsPerRequest: 300 }),
      window('actor', 1, { ackedPerSecond: 12_000, holdsPerSecond: 10_000, servingCpuUsPerRequest: 50 }),
      window('optimistic', 2, { ackedPerSecond: 2_000, holdsPerSecond: 1_600, servingCpuUsPerRequest: 200 }),
      window('actor', 2, { ackedPerSecond: 12_000, holdsPerSecond: 10_000, servingCpuUsPerRequest: 50 }),
    ];
    expect(versusRatios(windows, 'optimistic', windows[1]!)).toEqual({ acked: 12, holds: 12.5, cpu: 6 });
    expect(versusRatios(windows, 'optimistic', windows[3]!)).toEqual({ acked: 6, holds: 6.25, cpu: 4 });
    const [, actor] = summarise(
      [
        { name: 'optimistic', mode: 'optimistic', env: {} },
        { name: 'actor', mode: 'actor', env: {} },
      ],
      windows,
      'optimistic',
    );
    expect(actor).toMatchObject({
      'holds/s': 10_000,
      'holds/s ÷ optimistic': 9.38,
      'holds ÷ optimistic range': '6.25–12.5',
      'optimistic µs ÷ µs': 5,
      oversold: 0,
    });
  });
});
