/**
 * A rate measured over the last minute, in six buckets of ten seconds, advanced by the times of the events that
 * feed it. Integer counts and plain arithmetic: replaying the same events gives the same rate, to the bit.
 */
export const rateBucketMs = 10_000;
export const rateBucketsCount = 6;
export const rateWindowMs = rateBucketMs * rateBucketsCount;

export type RateWindow = {
  /** counts[0] is the newest bucket, which starts at `newestAt`. */
  readonly counts: number[];
  newestAt: number;
};

export const emptyRateWindow = (at: number): RateWindow => ({
  counts: new Array<number>(rateBucketsCount).fill(0),
  newestAt: at - (at % rateBucketMs),
});

/** Counts `count` things at `at`. Time only moves forward here; an earlier `at` lands in the newest bucket. */
export const observeRate = (window: RateWindow, at: number, count: number): void => {
  const steps = Math.floor((at - window.newestAt) / rateBucketMs);
  if (steps > 0) {
    for (let i = rateBucketsCount - 1; i >= 0; i--) window.counts[i] = i >= steps ? window.counts[i - steps]! : 0;
    window.newestAt += steps * rateBucketMs;
  }
  window.counts[0]! += count;
};

/** Things per second over the minute before `now`: the buckets still inside it, over the full minute. */
export const ratePerSecond = (window: RateWindow, now: number): number => {
  const steps = Math.max(0, Math.floor((now - window.newestAt) / rateBucketMs));
  let sum = 0;
  for (let i = 0; i + steps < rateBucketsCount; i++) sum += window.counts[i]!;
  return sum / (rateWindowMs / 1000);
};
