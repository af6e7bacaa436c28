/**
 * How long one step of a test (a request, a socket's connect, an awaited event) may wait before it fails, naming what
 * it waited for: well under the integration tests' 60 s timeout (vitest.config.ts), so a step that never ends fails
 * on its own with a message that says where, instead of the test timing out with none.
 */
export const stepTimeoutMs = 15_000;

/** The error of a step that did not end in time: `what` names the step and what it waited for. */
export class StepTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, options?: ErrorOptions) {
    super(`${what}: nothing within ${timeoutMs} ms`, options);
    this.name = 'StepTimeoutError';
  }
}

/** True for what an AbortSignal.timeout makes fetch (or a body read) reject with. */
const isTimeout = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'TimeoutError' || (error.cause as Error | undefined)?.name === 'TimeoutError');

/**
 * `promise`'s outcome, or a StepTimeoutError naming `what` when `timeoutMs` pass first. The timer is AbortSignal's
 * (Node's own, unref'd): neither a test's fake timers nor a pending wait hold it back or keep the process alive.
 * `what` may be a function, read when the time is up (to tell how far the step got); `onTimeout` runs after it (to
 * close what was waiting), before the rejection. An outcome that comes after the timeout is dropped.
 */
export const within = <T>(
  what: string | (() => string),
  promise: Promise<T>,
  timeoutMs: number = stepTimeoutMs,
  onTimeout?: () => void,
): Promise<T> => {
  if (!Number.isFinite(timeoutMs)) return promise;
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise<T>((resolve, reject) => {
    const expire = () => {
      const error = new StepTimeoutError(typeof what === 'string' ? what : what(), timeoutMs);
      onTimeout?.();
      reject(error);
    };
    signal.addEventListener('abort', expire, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', expire);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', expire);
        reject(error);
      },
    );
  });
};

/**
 * fetch with a bound on the whole exchange (`read` gets the response and reads its body under the same signal): a
 * server that never answers, or never finishes the body, fails as a StepTimeoutError naming the method and URL.
 */
export const fetchWithin = async <T>(
  url: string,
  init: RequestInit,
  read: (response: Response) => Promise<T>,
  timeoutMs: number = stepTimeoutMs,
): Promise<T> => {
  const what = `${init.method ?? 'GET'} ${url}`;
  try {
    return await read(await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }));
  } catch (error) {
    if (isTimeout(error)) throw new StepTimeoutError(`${what} (waiting for the response)`, timeoutMs, { cause: error });
    throw error;
  }
};

/**
 * A `fetch` for clients that take one (the SDK's createSession): the same call with a bound on the exchange, failing as a
 * StepTimeoutError naming the method and URL. A caller's own signal is kept alongside the bound.
 */
export const boundedFetch =
  (timeoutMs: number = stepTimeoutMs): typeof fetch =>
  async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const bound = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, bound]) : bound;
    try {
      return await fetch(input, { ...init, signal });
    } catch (error) {
      if (bound.aborted && isTimeout(error))
        throw new StepTimeoutError(`${init?.method ?? 'GET'} ${url} (waiting for the response)`, timeoutMs, {
          cause: error,
        });
      throw error;
    }
  };
