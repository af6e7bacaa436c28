/**
 * A rate measured over the last minute, in six buckets of ten seconds, advanced by the times of the events that
 * feed it. Integer counts and plain arithmetic: replaying the same events gives the same rate, to the bit.
 *
 * A window starts when there is something to measure (the opening, an engagement); until a minute has passed, the
 * rate is the count over the time since then (at least a second), so the first seconds are not diluted by a minute
 * in which nothing could happen.
 */
export const rateBucketMs = 10_000;
export const rateBucketsCount = 6;
export const rateWindowMs = rateBucketMs * rateBucketsCount;

export type RateWindow = {
  /** counts[0] is the newest bucket, which starts at `newestAt`. */
  readonly counts: number[];
  newestAt: number;
  /** When measuring started. */
  since: number;
};

export const emptyRateWindow = (at: number): RateWindow => ({
  counts: new Array<number>(rateBucketsCount).fill(0),
  newestAt: at - (at % rateBucketMs),
  since: at,
});

/** Forgets everything and measures from `at` on. */
export const restartRate = (window: RateWindow, at: number): void => {
  Object.assign(window, emptyRateWindow(at));
};

/** Counts `count` things at `at`. Time only moves forward here; an earlier `at` lands in the newest bucket. */
export const observeRate = (window: RateWindow, at: number, count: number): void => {
  const steps = Math.floor((at - window.newestAt) / rateBucketMs);
  if (steps > 0) {
    for (let i = rateBucketsCount - 1; i >= 0; i--) window.counts[i] = i >= steps ? window.counts[i - steps]! : 0;
    window.newestAt += steps * rateBucketMs;
  }
  window.counts[0]! += count;
};

/** Things per second in the minute before `now` (or since measuring started, when that is less, but ≥ 1 s). */
export const ratePerSecond = (window: RateWindow, now: number): number => {
  const steps = Math.max(0, Math.floor((now - window.newestAt) / rateBucketMs));
  let sum = 0;
  for (let i = 0; i + steps < rateBucketsCount; i++) sum += window.counts[i]!;
  const coveredMs = Math.min(rateWindowMs, Math.max(1_000, now - window.since));
  return sum / (coveredMs / 1000);
};
