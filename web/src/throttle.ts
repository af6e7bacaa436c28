/** The timers a throttle needs: the page's, or a test's fake ones. */
export type Timers = Readonly<{
  setTimeout: (run: () => void, ms: number) => unknown;
  now: () => number;
}>;

/**
 * Runs `run` at most once per `intervalMs`: at once when it has not run for that long, else once at the end of the
 * interval however many calls came in it (the last call is never lost). A run that is still under way (a promise)
 * delays the next one until it settles, so slow answers never pile up.
 */
export const throttle = (run: () => Promise<void> | void, intervalMs: number, timers: Timers): (() => void) => {
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let scheduled = false;
  let running = false;
  let again = false;
  const start = (): void => {
    scheduled = false;
    running = true;
    lastStartedAt = timers.now();
    Promise.resolve()
      .then(run)
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          call();
        }
      });
  };
  const call = (): void => {
    if (running) {
      again = true;
      return;
    }
    if (scheduled) return;
    const wait = lastStartedAt + intervalMs - timers.now();
    if (wait <= 0) {
      start();
      return;
    }
    scheduled = true;
    timers.setTimeout(start, wait);
  };
  return call;
};
