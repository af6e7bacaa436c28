import type { Store } from '../persistence/shardedStore.ts';
import { isStoreUnavailable, StoreUnavailableError } from '../persistence/storeErrors.ts';
import type { Clock } from '../platform/clock.ts';

export type StoreHealthOptions = Readonly<{
  store: Store;
  clock: Clock;
  /** How often the store is pinged when no call has succeeded lately (and while it is down). Default 1 s. */
  intervalMs?: number;
  /** A ping not answered this long fails. Default 1 s. */
  timeoutMs?: number;
  /**
   * Pings that must fail in a row, back to back, before the store counts as down: one slow answer on a busy machine is
   * not an outage. Default 2.
   */
  failuresToDown?: number;
  /** The store went down (false) or came back (true). */
  onChange?: (up: boolean, cause?: unknown) => void;
  /** A call failed because the store could not answer it; `operation` is e.g. `eventStore.append`. */
  onUnavailable?: (operation: string, error: StoreUnavailableError) => void;
}>;

export type StoreHealth = Readonly<{
  /** Whether the store answered the last time anyone checked: cached, so probes cost nothing. */
  up: () => boolean;
  /** Pings now (or joins the ping under way) and resolves with the new state. */
  check: () => Promise<boolean>;
  stop: () => void;
}>;

export const storeHealthIntervalMsDefault = 1_000;
export const storeHealthTimeoutMsDefault = 1_000;
export const storeHealthFailuresToDownDefault = 2;

/**
 * Watches a store without adding load: every call through the returned store counts. A call that succeeds shows the
 * store is up, so under traffic no ping is sent at all; a call that fails with StoreUnavailableError makes the monitor
 * ping at once, and a failed ping marks the store down. While it is down (or idle) it is pinged every `intervalMs`,
 * and a call started after it went down that succeeds, or a ping, marks it up again. `/readyz` reads the cached state.
 */
export const monitorStore = (options: StoreHealthOptions): { store: Store; health: StoreHealth } => {
  const { clock } = options;
  const intervalMs = options.intervalMs ?? storeHealthIntervalMsDefault;
  const timeoutMs = options.timeoutMs ?? storeHealthTimeoutMsDefault;
  const failuresToDown = options.failuresToDown ?? storeHealthFailuresToDownDefault;
  let up = true;
  let downSince = Number.NEGATIVE_INFINITY;
  let lastSuccessAt = clock.now();
  let checking: Promise<boolean> | undefined;
  let stopped = false;
  let cancelTimer = () => {};

  const change = (next: boolean, cause?: unknown) => {
    if (next === up) return;
    up = next;
    if (!next) downSince = clock.now();
    options.onChange?.(next, cause);
  };

  /** One ping, bounded by the timeout on the clock; rejects when it fails. */
  const ping = async (): Promise<void> => {
    let cancel = () => {};
    try {
      const deadline = new Promise<never>((_, reject) => {
        cancel = clock.setTimer(timeoutMs, () =>
          reject(new StoreUnavailableError(`the store did not answer a ping within ${timeoutMs} ms`)),
        );
      });
      await Promise.race([options.store.ping(), deadline]);
    } finally {
      cancel();
    }
  };

  const check = (): Promise<boolean> => {
    checking ??= (async () => {
      // Up: it takes `failuresToDown` failures in a row to say down. Down: one answer says up again.
      const attempts = up ? failuresToDown : 1;
      let failure: unknown;
      for (let attempt = 0; attempt < attempts; attempt++) {
        try {
          await ping();
          lastSuccessAt = clock.now();
          failure = undefined;
          break;
        } catch (error) {
          failure = error;
        }
      }
      if (failure === undefined) change(true);
      else change(false, failure);
      checking = undefined;
      return up;
    })();
    return checking;
  };

  const schedule = () => {
    if (stopped) return;
    cancelTimer = clock.setTimer(intervalMs, () => {
      // Traffic that succeeded within the interval already proved the store up: no ping.
      const proven = up && clock.now() - lastSuccessAt < intervalMs;
      void (proven ? Promise.resolve() : check()).finally(schedule);
    });
  };
  schedule();

  const succeeded = (startedAt: number) => {
    lastSuccessAt = clock.now();
    // Only a call sent after the store went down proves it back: an older one may have been answered before.
    if (!up && startedAt > downSince) change(true);
  };
  const failed = (operation: string, error: unknown) => {
    if (!isStoreUnavailable(error)) return;
    options.onUnavailable?.(operation, error);
    if (up) void check();
  };

  /** Every method of `target` (but close), counted. Object literals only: the adapters' stores are. */
  const watch = <T extends object>(target: T, name: string): T => {
    const watched: Record<string, unknown> = { ...(target as Record<string, unknown>) };
    for (const [key, value] of Object.entries(target)) {
      if (typeof value !== 'function' || key === 'close') continue;
      const operation = `${name}.${key}`;
      watched[key] = (...args: unknown[]) => {
        const startedAt = clock.now();
        return (value as (...args: unknown[]) => Promise<unknown>).apply(target, args).then(
          (result) => {
            succeeded(startedAt);
            return result;
          },
          (error: unknown) => {
            failed(operation, error);
            throw error;
          },
        );
      };
    }
    return watched as T;
  };

  return {
    store: {
      ...options.store,
      eventStore: watch(options.store.eventStore, 'eventStore'),
      catalog: watch(options.store.catalog, 'catalog'),
    },
    health: {
      up: () => up,
      check,
      stop() {
        stopped = true;
        cancelTimer();
      },
    },
  };
};
