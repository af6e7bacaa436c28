import { describe, expect, it } from 'vitest';
import type { EventStats } from '../../src/contract/readSchemas.ts';
import { mainCurrency, StockHistory, salesColumns, velocity } from './adminSeries.ts';
import { throttle } from './throttle.ts';

const at = (iso: string) => Date.parse(iso);
const sales: EventStats['salesByMinute'] = [
  { minute: '2030-06-01T12:00:00.000Z', sold: 4, revenue: { EUR: 48_000 } },
  { minute: '2030-06-01T12:03:00.000Z', sold: 2, revenue: { EUR: 12_000, USD: 5_000 } },
  { minute: '2030-06-01T12:04:00.000Z', sold: -1, revenue: { EUR: -6_000 } },
];

describe('the dashboard series', () => {
  it('fills minutes without sales with 0 up to now, revenue in major units of one currency', () => {
    const [xs, sold, revenue] = salesColumns(sales, 'EUR', at('2030-06-01T12:06:30Z'), 180, 1);
    expect(xs).toEqual([0, 1, 2, 3, 4, 5, 6].map((minute) => at('2030-06-01T12:00:00Z') / 1000 + minute * 60));
    expect(sold).toEqual([4, 0, 0, 2, -1, 0, 0]);
    expect(revenue).toEqual([480, 0, 0, 120, -60, 0, 0]);
    expect(salesColumns(sales, 'USD', at('2030-06-01T12:04:00Z'), 180, 1)[2]).toEqual([0, 0, 0, 50, 0]);
  });

  it('spans at least the last minutes, with no sales at all too, and at most the latest', () => {
    const [xs, sold] = salesColumns([], 'EUR', at('2030-06-01T12:04:10Z'));
    expect(xs.length).toBe(30);
    expect(xs.at(-1)).toBe(at('2030-06-01T12:04:00Z') / 1000);
    expect(sold).toEqual(Array(30).fill(0));
    expect(salesColumns(sales, 'EUR', at('2030-06-01T12:04:10Z'))[1].slice(-5)).toEqual([4, 0, 0, 2, -1]);
    const [latest, latestSold] = salesColumns(sales, 'EUR', at('2030-06-01T12:04:10Z'), 2, 1);
    expect(latest).toEqual([at('2030-06-01T12:03:00Z') / 1000, at('2030-06-01T12:04:00Z') / 1000]);
    expect(latestSold).toEqual([2, -1]);
  });

  it('says the velocity over the last minutes, the current one included', () => {
    expect(velocity(sales, at('2030-06-01T12:04:59Z'), 1)).toBe(-1);
    expect(velocity(sales, at('2030-06-01T12:04:59Z'), 2)).toBe(0.5);
    expect(velocity(sales, at('2030-06-01T12:04:59Z'), 5)).toBe(1);
    expect(velocity(sales, at('2030-06-01T12:30:00Z'), 5)).toBe(0);
  });

  it('shows revenue in the currency with the most, else the first tier’s', () => {
    expect(mainCurrency({ revenue: { USD: 10, EUR: 500 }, byTier: [] })).toBe('EUR');
    expect(mainCurrency({ revenue: {}, byTier: [{ currency: 'GBP' } as never] })).toBe('GBP');
    expect(mainCurrency({ revenue: {}, byTier: [] })).toBeUndefined();
  });

  it('keeps the last samples of the stock, one per instant', () => {
    const history = new StockHistory(3);
    // A stats answer carries more than the stock, `at` among it (an ISO string): only the stock is kept.
    const stock = (sold: number) => ({ at: '2030-06-01T12:00:00Z', available: 10 - sold, held: 1, reserved: 0, sold });
    history.add(1_000, stock(1));
    history.add(1_000, stock(2));
    history.add(2_000, stock(3));
    history.add(3_000, stock(4));
    history.add(4_000, stock(5));
    expect(history.length).toBe(3);
    expect(history.columns()).toEqual([
      [2, 3, 4],
      [7, 6, 5],
      [1, 1, 1],
      [0, 0, 0],
      [3, 4, 5],
    ]);
  });
});

describe('the refresh throttle', () => {
  const fakeTimers = () => {
    let now = 0;
    const due: { at: number; run: () => void }[] = [];
    return {
      timers: { now: () => now, setTimeout: (run: () => void, ms: number) => due.push({ at: now + ms, run }) },
      async advance(ms: number) {
        now += ms;
        for (const timer of due.filter((candidate) => candidate.at <= now)) {
          due.splice(due.indexOf(timer), 1);
          timer.run();
        }
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  };

  it('runs at once, then once at the end of the interval however many calls came in it', async () => {
    const clock = fakeTimers();
    let runs = 0;
    const refresh = throttle(
      () => {
        runs += 1;
      },
      1_000,
      clock.timers,
    );
    refresh();
    await clock.advance(0);
    expect(runs).toBe(1);
    for (let call = 0; call < 50; call++) refresh();
    await clock.advance(999);
    expect(runs).toBe(1);
    await clock.advance(1);
    expect(runs).toBe(2);
    await clock.advance(5_000);
    expect(runs).toBe(2);
    refresh();
    await clock.advance(0);
    expect(runs).toBe(3);
  });

  it('never starts a run while the last is under way, and does not lose the call that came meanwhile', async () => {
    const clock = fakeTimers();
    let runs = 0;
    let finish = () => {};
    const refresh = throttle(
      () => {
        runs += 1;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      1_000,
      clock.timers,
    );
    refresh();
    await clock.advance(0);
    refresh();
    await clock.advance(3_000);
    expect(runs).toBe(1);
    finish();
    await clock.advance(0);
    expect(runs).toBe(2);
  });
});
