import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CommittedBatch } from '../actors/eventActor.ts';
import type { QueueStats } from '../domain/queue/read.ts';
import { entryOfQueueId } from '../domain/queue/shuffle.ts';

export type QueueMetrics = Readonly<{
  /** Counts what committed batches record: joins, admissions, admissions that ran out, sell-outs; times the waits. */
  observe(batch: CommittedBatch): void;
  /** The room's figures as one round of position pushes read them (every `tickMs`), per event. */
  sample(eventId: string, stats: QueueStats): void;
}>;

/**
 * Seconds from a join to its admission, in buckets a waiting room spans: seconds for a calm sale, up to hours for a
 * pre-queue that opened long before a flash sale.
 */
export const timeInQueueBucketsSeconds = [1, 5, 15, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600, 7_200] as const;

/**
 * When each entry of one event's room joined, by its join number (queue ids are `q<number>`): eight bytes per entry,
 * NaN once admitted or unknown. Kept in this process only: entries that joined before a restart are not timed.
 */
class JoinTimes {
  private joinedAt = new Float64Array(1024).fill(Number.NaN);

  joined(entry: number, at: number): void {
    if (entry >= this.joinedAt.length) {
      let length = this.joinedAt.length;
      while (length <= entry) length *= 2;
      const grown = new Float64Array(length).fill(Number.NaN);
      grown.set(this.joinedAt);
      this.joinedAt = grown;
    }
    this.joinedAt[entry] = at;
  }

  /** The join time of an entry now admitted (and forgotten), or undefined when this process did not see it join. */
  admitted(entry: number): number | undefined {
    const at = this.joinedAt[entry];
    if (at === undefined || Number.isNaN(at)) return undefined;
    this.joinedAt[entry] = Number.NaN;
    return at;
  }
}

/** The waiting rooms on /metrics: queue length, admitted, the admission rate, time in queue, and the flows. */
export const createQueueMetrics = (registry: Registry): QueueMetrics => {
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const joins = counter(
    'queue_joins_total',
    'Buyers who joined a waiting room (a join again of a live entry is not counted)',
  );
  const admissions = counter('queue_admissions_total', 'Buyers admitted from a waiting room');
  const expired = counter('queue_admissions_expired_total', 'Admissions that ran out unused');
  const soldOut = counter('queue_sold_out_total', 'Waiting rooms told that their event sold out');
  const gauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['event'] as const, registers: [registry] });
  const waiting = gauge('queue_waiting', 'Buyers in the pre-queue or in line, per event (sampled each push round)');
  const admitted = gauge('queue_admitted', 'Buyers admitted and still choosing, per event (sampled each push round)');
  const rate = gauge(
    'queue_admission_rate_per_second',
    'Admissions that replaced a finished buyer, per second over the last minute (the ETA rate), per event',
  );
  const timeInQueue = new Histogram({
    name: 'queue_time_in_queue_seconds',
    help: 'Seconds from joining a waiting room (pre-queue included) to being admitted, on the server clock',
    buckets: [...timeInQueueBucketsSeconds],
    registers: [registry],
  });
  const joinTimes = new Map<string, JoinTimes>();
  return {
    observe({ diff, events }) {
      const { eventId } = diff;
      for (const event of events) {
        if (event.type === 'QueueJoined') {
          joins.inc();
          const entry = entryOfQueueId(event.data.queueId);
          if (entry === undefined) continue;
          let times = joinTimes.get(eventId);
          if (times === undefined) {
            times = new JoinTimes();
            joinTimes.set(eventId, times);
          }
          times.joined(entry, event.data.at);
        } else if (event.type === 'AdmissionsGranted') {
          admissions.inc(event.data.admissions.length);
          const times = joinTimes.get(eventId);
          for (const { queueId } of event.data.admissions) {
            const entry = entryOfQueueId(queueId);
            const joinedAt = entry === undefined ? undefined : times?.admitted(entry);
            if (joinedAt !== undefined) timeInQueue.observe(Math.max(0, event.data.at - joinedAt) / 1000);
          }
        } else if (event.type === 'AdmissionsExpired') expired.inc(event.data.admissions.length);
        else if (event.type === 'QueueSoldOut' || event.type === 'RoomReleased') {
          if (event.type === 'QueueSoldOut') soldOut.inc();
          // Nobody waiting will be admitted from this room now: its join times go.
          joinTimes.delete(eventId);
        }
      }
    },
    sample(eventId, stats) {
      waiting.set({ event: eventId }, stats.waiting);
      admitted.set({ event: eventId }, stats.admitted);
      rate.set({ event: eventId }, stats.admissionRatePerSecond);
    },
  };
};
