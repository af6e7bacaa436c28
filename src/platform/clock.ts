/** Time as a port, so tests move it forward instead of waiting. */
export interface Clock {
  now(): number;
  /**
   * Calls `fn` once `ms` have passed on this clock (deadlines, backoff); returns what cancels it. The system clock's
   * timers do not keep the process alive.
   */
  setTimer(ms: number, fn: () => void): () => void;
}

/**
 * Calls `fn` every `intervalMs` on the clock until the returned function is called. Each run schedules the next one,
 * so a manual clock moved far ahead runs it once per interval it passes, each at its own time.
 */
export const repeatTimer = (clock: Clock, intervalMs: number, fn: () => void): (() => void) => {
  if (!(intervalMs > 0)) throw new RangeError(`a repeating timer needs a positive interval, not ${intervalMs}`);
  let cancel: () => void;
  let stopped = false;
  const schedule = (): void => {
    cancel = clock.setTimer(intervalMs, () => {
      if (stopped) return;
      schedule();
      fn();
    });
  };
  schedule();
  return () => {
    stopped = true;
    cancel();
  };
};

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** A clock tests set by hand: timers fire, in deadline order, when the time is moved past them. */
export class ManualClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(private time = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** Timers not yet fired, for tests that check what is scheduled. */
  get pendingTimers(): readonly number[] {
    return this.timers.map((timer) => timer.at - this.time).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    this.set(this.time + ms);
  }

  set(time: number): void {
    // Each due timer sees the clock at its own deadline, as it would have in real time.
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= time).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = time;
  }
}
