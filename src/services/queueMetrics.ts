import { Counter, Gauge, type Registry } from 'prom-client';
import type { CommittedBatch } from '../actors/eventActor.ts';
import type { QueueStats } from '../domain/queue/read.ts';

export type QueueMetrics = Readonly<{
  /** Counts what committed batches record: joins, admissions, admissions that ran out, sell-outs. */
  observe(batch: CommittedBatch): void;
  /** The room's figures as one round of position pushes read them (every `tickMs`), per event. */
  sample(eventId: string, stats: QueueStats): void;
}>;

/** The waiting rooms on /metrics: queue length, admitted, the admission rate, and the flows that move them. */
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
  return {
    observe({ events }) {
      for (const event of events) {
        if (event.type === 'QueueJoined') joins.inc();
        else if (event.type === 'AdmissionsGranted') admissions.inc(event.data.admissions.length);
        else if (event.type === 'AdmissionsExpired') expired.inc(event.data.admissions.length);
        else if (event.type === 'QueueSoldOut') soldOut.inc();
      }
    },
    sample(eventId, stats) {
      waiting.set({ event: eventId }, stats.waiting);
      admitted.set({ event: eventId }, stats.admitted);
      rate.set({ event: eventId }, stats.admissionRatePerSecond);
    },
  };
};
