/**
 * Runs everything already queued: promise callbacks, and setImmediate callbacks (where an append deadline decides),
 * a few turns deep. With a manual clock and an in-memory store nothing waits on real time or I/O, so what has not
 * happened after this will not happen until the test moves the clock or answers a call: an absence seen here is a
 * fact, not a race with a timer.
 */
export const settle = async (turns = 5): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
};
