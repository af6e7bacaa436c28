import { Counter, Gauge, type Registry } from 'prom-client';

/** The store as operators see it: up or down (what /readyz says), and which calls it could not answer. */
export const createStoreMetrics = (registry: Registry) => {
  const up = new Gauge({
    name: 'store_up',
    help: '1 while the event store answers, 0 while it is down (then /readyz answers 503)',
    registers: [registry],
  });
  up.set(1);
  const errors = new Counter({
    name: 'store_errors_total',
    help: 'Store calls that failed because the store could not answer (down, unreachable, timed out), by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  return {
    up: (value: boolean) => up.set(value ? 1 : 0),
    unavailable: (operation: string) => errors.inc({ operation }),
  };
};
