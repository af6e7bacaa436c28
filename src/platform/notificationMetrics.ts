import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type NotificationMetrics = Readonly<{
  /** A channel took a notification this long after the event that caused it (ms). */
  delivered: (channel: string, latencyMs: number) => void;
  failed: (channel: string) => void;
  /** A channel said the buyer's address is gone for good (a Web Push 404/410); it was dropped. */
  gone: (channel: string) => void;
  dead: () => void;
}>;

/**
 * The outbox as operators see it: how many notifications wait (and how many gave up), how long after their cause each
 * channel took them, how often a channel refused. `depth` is read when /metrics is scraped.
 */
export const createNotificationMetrics = (
  registry: Registry,
  depth: () => Promise<{ pending: number; dead: number }>,
): NotificationMetrics => {
  new Gauge({
    name: 'outbox_depth',
    help: 'Notifications in the outbox: pending (not yet delivered to every channel) and dead (out of attempts)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const { pending, dead } = await depth();
      this.set({ state: 'pending' }, pending);
      this.set({ state: 'dead' }, dead);
    },
  });
  const latency = new Histogram({
    name: 'notification_delivery_seconds',
    help: 'From the event that caused a notification to a channel accepting it, by channel',
    labelNames: ['channel'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'notification_send_failures_total',
    help: 'Sends a channel refused or did not answer in time (each is retried until the attempts run out), by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const gone = new Counter({
    name: 'notification_addresses_gone_total',
    help: 'Addresses a channel said are gone for good (a Web Push endpoint answering 404 or 410), dropped from the buyer contact, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'notification_dead_letters_total',
    help: 'Notifications given up after the last attempt (kept in the outbox as dead letters)',
    registers: [registry],
  });
  return {
    delivered: (channel, latencyMs) => latency.observe({ channel }, Math.max(0, latencyMs) / 1000),
    failed: (channel) => failures.inc({ channel }),
    gone: (channel) => gone.inc({ channel }),
    dead: () => deadLetters.inc(),
  };
};
