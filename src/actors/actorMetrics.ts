import { Counter, Histogram, type Registry } from 'prom-client';
import type { CommittedBatch } from './eventActor.ts';

/** Group-commit efficiency: how many commands and events each append carried. */
export const createActorMetrics = (registry: Registry) => {
  const appends = new Counter({
    name: 'actor_appends_total',
    help: 'Batches appended to the event store',
    registers: [registry],
  });
  const events = new Counter({
    name: 'actor_events_total',
    help: 'Events appended to the event store',
    registers: [registry],
  });
  const commands = new Counter({
    name: 'actor_commands_total',
    help: 'Commands answered in committed batches',
    registers: [registry],
  });
  const eventsPerAppend = new Histogram({
    name: 'actor_events_per_append',
    help: 'Events in one append (group commit)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  return {
    observe(batch: CommittedBatch): void {
      appends.inc();
      events.inc(batch.events.length);
      commands.inc(batch.commandCount);
      eventsPerAppend.observe(batch.events.length);
    },
  };
};
