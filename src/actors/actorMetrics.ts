import { Counter, Histogram, type Registry } from 'prom-client';
import type { CommittedBatch, RecoveryEvent } from './eventActor.ts';

/** Group-commit efficiency: how many commands and events each append carried; and how actors fare when the store fails. */
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
  const recoveryCounters: Readonly<Record<RecoveryEvent, Counter>> = {
    appendTimedOut: new Counter({
      name: 'actor_append_timeouts_total',
      help: 'Appends not durable by the append deadline (their batch answered UNAVAILABLE)',
      registers: [registry],
    }),
    reloaded: new Counter({
      name: 'actor_reloads_total',
      help: 'Actors rebuilt from the store after a failed append',
      registers: [registry],
    }),
    reloadFailed: new Counter({
      name: 'actor_reload_failures_total',
      help: 'Reload attempts that failed (each is retried with backoff, a bounded number of times)',
      registers: [registry],
    }),
    retired: new Counter({
      name: 'actor_retirements_total',
      help: 'Actors that ran out of reload attempts and stopped until the next request activates them',
      registers: [registry],
    }),
    fenced: new Counter({
      name: 'actor_fenced_total',
      help: 'Actors stopped because another node took their event over (cluster mode: a newer owner epoch)',
      registers: [registry],
    }),
  };
  return {
    observe(batch: CommittedBatch): void {
      appends.inc();
      events.inc(batch.events.length);
      commands.inc(batch.commandCount);
      eventsPerAppend.observe(batch.events.length);
    },
    recovery(event: RecoveryEvent): void {
      recoveryCounters[event].inc();
    },
  };
};
