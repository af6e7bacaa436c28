import { BookingError } from '../domain/bookingError.ts';

/**
 * A bounded queue drained by one consumer at a time. `post` refuses when full instead of letting memory grow
 * without limit under a flash crowd; the consumer takes everything waiting (up to a cap) as one batch, so
 * while one batch commits the next one forms and throughput rises with load.
 */
export class Mailbox<T> {
  private readonly items: T[] = [];
  private draining = false;

  constructor(
    private readonly mailboxLengthMax: number,
    private readonly batchSizeMax: number,
    private readonly consume: (batch: T[]) => Promise<void>,
  ) {}

  get length(): number {
    return this.items.length;
  }

  post(item: T): void {
    if (this.items.length >= this.mailboxLengthMax) {
      throw new BookingError('UNAVAILABLE', 'the event is busy; retry with the same requestId');
    }
    this.items.push(item);
    if (!this.draining) {
      // Start on the next microtask, so commands posted in the same tick form one batch with this one.
      this.draining = true;
      queueMicrotask(() => void this.drain());
    }
  }

  /** Takes every waiting item back out, for a caller that must answer them itself (shutdown, crash). */
  takeAll(): T[] {
    return this.items.splice(0, this.items.length);
  }

  private async drain(): Promise<void> {
    try {
      while (this.items.length > 0) {
        const batch = this.items.splice(0, this.batchSizeMax);
        // The consumer answers every item itself, failures included; nothing it throws may stop the queue.
        await this.consume(batch).catch(() => undefined);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Resolves once the queue is empty and no batch is running. */
  async idle(): Promise<void> {
    while (this.draining || this.items.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
