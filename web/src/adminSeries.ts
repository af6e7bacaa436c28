import type { EventStats } from '../../src/contract/readSchemas.ts';

/**
 * What the admin dashboard's charts and figures are made of, from `GET /v1/events/:id/stats` answers. Pure, so it is
 * tested without a page.
 */

const minuteMs = 60_000;

/**
 * Sales per minute as uPlot's aligned columns: x in Unix seconds, one point per minute up to `nowMs`'s minute, from the
 * first sale or `minutesMin` minutes back, whichever is earlier (so the time axis is never a single instant), minutes
 * without a sale as 0 (the projection lists only minutes with sales), and the revenue of `currency` in major units.
 * At most `minutesMax` minutes, the latest.
 */
export const salesColumns = (
  salesByMinute: EventStats['salesByMinute'],
  currency: string | undefined,
  nowMs: number,
  minutesMax = 180,
  minutesMin = 30,
): [number[], number[], number[]] => {
  const byMinute = new Map<number, { sold: number; revenue: number }>();
  for (const entry of salesByMinute) {
    const minute = Math.floor(Date.parse(entry.minute) / minuteMs);
    const revenue = currency === undefined ? 0 : (entry.revenue[currency] ?? 0);
    const known = byMinute.get(minute);
    byMinute.set(minute, { sold: (known?.sold ?? 0) + entry.sold, revenue: (known?.revenue ?? 0) + revenue });
  }
  const last = Math.max(Math.floor(nowMs / minuteMs), ...byMinute.keys());
  const first = Math.max(Math.min(last - minutesMin + 1, ...byMinute.keys()), last - minutesMax + 1);
  const xs: number[] = [];
  const sold: number[] = [];
  const revenue: number[] = [];
  for (let minute = first; minute <= last; minute++) {
    xs.push((minute * minuteMs) / 1000);
    sold.push(byMinute.get(minute)?.sold ?? 0);
    revenue.push((byMinute.get(minute)?.revenue ?? 0) / 100);
  }
  return [xs, sold, revenue];
};

/** Places sold in the last `minutes` whole minutes before `nowMs`'s minute plus the current one, per minute. */
export const velocity = (salesByMinute: EventStats['salesByMinute'], nowMs: number, minutes: number): number => {
  const since = (Math.floor(nowMs / minuteMs) - minutes + 1) * minuteMs;
  const sold = salesByMinute
    .filter((entry) => Date.parse(entry.minute) >= since)
    .reduce((sum, entry) => sum + entry.sold, 0);
  return sold / minutes;
};

/** The currency the charts show revenue in: the one with the most revenue, else the first tier's. */
export const mainCurrency = (stats: Pick<EventStats, 'revenue' | 'byTier'>): string | undefined => {
  const ranked = Object.entries(stats.revenue).sort((a, b) => b[1] - a[1]);
  return ranked[0]?.[0] ?? stats.byTier[0]?.currency;
};

export type StockSample = Readonly<{ at: number; available: number; held: number; reserved: number; sold: number }>;

/**
 * The stock as the dashboard saw it over time (one sample per stats answer, in seconds), for the live stock chart:
 * the server keeps no history of holds, so this is the page's own, kept for `samplesMax` samples.
 */
export class StockHistory {
  private readonly samples: StockSample[] = [];

  constructor(private readonly samplesMax = 600) {}

  add(atMs: number, stock: Omit<StockSample, 'at'>): void {
    const at = atMs / 1000;
    const last = this.samples.at(-1);
    // Two answers in the same millisecond: the later one is the truth.
    if (last !== undefined && last.at >= at) this.samples.pop();
    const { available, held, reserved, sold } = stock;
    this.samples.push({ at, available, held, reserved, sold });
    if (this.samples.length > this.samplesMax) this.samples.shift();
  }

  get length(): number {
    return this.samples.length;
  }

  columns(): [number[], number[], number[], number[], number[]] {
    return [
      this.samples.map((sample) => sample.at),
      this.samples.map((sample) => sample.available),
      this.samples.map((sample) => sample.held),
      this.samples.map((sample) => sample.reserved),
      this.samples.map((sample) => sample.sold),
    ];
  }
}
