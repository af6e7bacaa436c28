import { BookingError } from '../domain/bookingError.ts';

/**
 * A bounded queue with one consumer loop. `post` refuses when full instead of letting memory grow without limit
 * under a flash crowd. The loop (`run`) starts on the first post, takes batches with `takeBatch` until the queue is
 * empty, and is started again by the next post: while one batch commits, the next one forms, so throughput rises
 * with load.
 */
export class Mailbox<T> {
  private readonly items: T[] = [];
  private running = false;
  /** Told when the loop stops with nothing left to do. */
  private idleWaiters: (() => void)[] = [];
  private onPost: (() => void) | undefined;

  constructor(
    private readonly mailboxLengthMax: number,
    private readonly batchSizeMax: number,
    private readonly run: () => Promise<void>,
  ) {}

  get length(): number {
    return this.items.length;
  }

  post(item: T): void {
    if (this.items.length >= this.mailboxLengthMax) {
      throw new BookingError('UNAVAILABLE', 'the event is busy; retry with the same requestId');
    }
    this.items.push(item);
    const wake = this.onPost;
    this.onPost = undefined;
    wake?.();
    this.start();
  }

  /** True while items wait or the loop is working on a batch. */
  get busy(): boolean {
    return this.running || this.items.length > 0;
  }

  /**
   * Resolves with `value` at the next post, for a loop that waits on something else too; items posted in the same tick
   * are all there when it resumes. Only the last caller is woken.
   */
  nextPost<V>(value: V): Promise<V> {
    return new Promise((resolve) => {
      this.onPost = () => resolve(value);
    });
  }

  /** Everything waiting, up to the batch cap, oldest first. */
  takeBatch(): T[] {
    return this.items.splice(0, this.batchSizeMax);
  }

  /** Resolves once the queue is empty and the loop has stopped. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    // On the next microtask, so items posted in the same tick join the first batch.
    queueMicrotask(async () => {
      try {
        // The loop answers every item itself, failures included; nothing it throws may stop the queue.
        await this.run().catch(() => undefined);
      } finally {
        this.running = false;
        if (this.items.length > 0) this.start();
        else for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    });
  }
}
