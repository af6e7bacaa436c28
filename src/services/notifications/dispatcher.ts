import type { Notification } from '../../domain/notifications/notifications.ts';
import type { Channel, RenderedMessage } from '../../notifications/channel.ts';
import type { Contacts } from '../../persistence/contacts.ts';
import type { Outbox, OutboxRow } from '../../persistence/outbox.ts';
import { type Clock, repeatTimer } from '../../platform/clock.ts';
import type { NotificationMetrics } from '../../platform/notificationMetrics.ts';

export type DeliveryOutcome = Readonly<{
  key: string;
  state: 'delivered' | 'retry' | 'dead';
  /** Attempts made, this one included. */
  attempts: number;
  channelsDone: readonly string[];
  error?: string;
  /** When the next attempt is due (state `retry`). */
  dueAt?: number;
}>;

export type DispatcherOptions = Readonly<{
  outbox: Outbox;
  contacts: Contacts;
  channels: readonly Channel[];
  render: (notification: Notification) => Promise<RenderedMessage>;
  clock: Clock;
  /**
   * Who leases rows: stable across restarts of the same node (NODE_ID), so a restarted node takes back at once what it
   * held when it died. Rows leased by a node that never comes back are due again when their lease ends.
   */
  owner: string;
  /** Attempts before a notification becomes a dead letter. Default 8. */
  attemptsMax?: number;
  /** The wait after failed attempt n is base·2^(n-1), at most max, less up to half of it at random. Defaults 1 s, 5 min. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How long a claimed row is ours: longer than a delivery can take on every channel. Default 60 s. */
  leaseMs?: number;
  /** Rows claimed, and delivered concurrently, per round. Default 32. */
  claimBatchMax?: number;
  /** How often the outbox is looked at for retries that came due (a commit wakes it at once). Default 1 s. */
  pollIntervalMs?: number;
  /** In [0, 1): the backoff's jitter. Default Math.random. */
  random?: () => number;
  metrics?: NotificationMetrics;
  onOutcome?: (outcome: DeliveryOutcome) => void;
  onError?: (error: unknown, context: string) => void;
}>;

export const dispatcherDefaults = {
  attemptsMax: 8,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  leaseMs: 60_000,
  claimBatchMax: 32,
  pollIntervalMs: 1_000,
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 1_000);

/**
 * Delivers the outbox after commit: claims due rows (a lease), sends each to every channel the buyer gave that has not
 * taken it yet, and records the outcome: delivered, due again after an exponential backoff, or dead after the last
 * attempt. At least once: a crash between a send and its record sends again, under the same key.
 */
export const createDispatcher = (options: DispatcherOptions) => {
  const settings = { ...dispatcherDefaults, ...options };
  const { outbox, contacts, channels, clock, owner, metrics } = options;
  const random = options.random ?? Math.random;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let stopPolling = () => {};

  const backoffMs = (attempts: number): number => {
    const full = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** (attempts - 1));
    return Math.round(full / 2 + (full / 2) * random());
  };

  const deliver = async (row: OutboxRow): Promise<DeliveryOutcome> => {
    const notification = row.payload as Notification;
    const done = [...row.channelsDone];
    const errors: string[] = [];
    try {
      const contact = await contacts.get(row.userId);
      const due = channels.filter((channel) => !done.includes(channel.name) && channel.reaches(contact));
      if (due.length > 0) {
        const message = await options.render(notification);
        await Promise.all(
          due.map(async (channel) => {
            try {
              await channel.send(
                { key: row.key, topic: row.topic, userId: row.userId, payload: notification, message },
                contact,
              );
              done.push(channel.name);
              metrics?.delivered(channel.name, clock.now() - row.at);
            } catch (error) {
              errors.push(`${channel.name}: ${messageOf(error)}`);
              metrics?.failed(channel.name);
            }
          }),
        );
      }
    } catch (error) {
      errors.push(messageOf(error));
    }
    const attempts = row.attempts + 1;
    const now = clock.now();
    if (errors.length === 0) {
      await outbox.delivered(row.id, done, now);
      return { key: row.key, state: 'delivered', attempts, channelsDone: done };
    }
    const error = errors.join('; ');
    if (attempts >= settings.attemptsMax) {
      await outbox.dead(row.id, done, attempts, error, now);
      metrics?.dead();
      return { key: row.key, state: 'dead', attempts, channelsDone: done, error };
    }
    const dueAt = now + backoffMs(attempts);
    await outbox.retry(row.id, done, attempts, dueAt, error);
    return { key: row.key, state: 'retry', attempts, channelsDone: done, error, dueAt };
  };

  const pass = async (): Promise<void> => {
    do {
      again = false;
      const rows = await outbox.claim(clock.now(), settings.leaseMs, owner, settings.claimBatchMax);
      await Promise.all(
        rows.map(async (row) => {
          try {
            options.onOutcome?.(await deliver(row));
          } catch (error) {
            // The outcome could not be recorded (the store is down): the lease runs out and the row is tried again.
            options.onError?.(error, `recording the delivery of ${row.key} failed`);
          }
        }),
      );
      // A full batch may have more behind it.
      if (rows.length === settings.claimBatchMax) again = true;
    } while (again && !stopped);
  };

  /** Looks at the outbox now (after a commit that wrote notifications); a look under way looks again after. */
  const wake = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = pass()
      .catch((error: unknown) => options.onError?.(error, 'the outbox could not be read'))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    wake,
    /**
     * Takes back this owner's leases (it restarted), then delivers what is due and keeps polling. Resolves with the
     * number of rows taken back.
     */
    async start(): Promise<number> {
      const released = await outbox.releaseLeases(owner, clock.now()).catch((error: unknown) => {
        options.onError?.(error, 'taking back the outbox leases failed');
        return 0;
      });
      stopPolling = repeatTimer(clock, settings.pollIntervalMs, wake);
      wake();
      return released;
    },
    /** Resolves when the look under way (if any) has finished, for tests and drain. */
    async idle(): Promise<void> {
      while (running !== undefined) await running;
    },
    async stop(): Promise<void> {
      stopped = true;
      stopPolling();
      while (running !== undefined) await running;
    },
  };
};

export type Dispatcher = ReturnType<typeof createDispatcher>;
