import type { Activations } from '../../actors/activations.ts';
import type { EventStats } from '../../contract/readSchemas.ts';
import { availabilityOf } from '../../domain/projections/availability.ts';
import { type SalesDoc, salesByMinute, salesOf, salesProjection } from '../../domain/projections/index.ts';
import { queueStats } from '../../domain/queue/read.ts';
import type { Catalog } from '../../persistence/catalog.ts';
import type { ProjectionRunner } from './projectionRunner.ts';

export type EventStatsDeps = Readonly<{ activations: Activations; catalog: Catalog; runner: ProjectionRunner }>;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * `GET /v1/events/:id/stats`: stock from the inline projection (the actor's committed state, one mailbox read), sales
 * and revenue from the sales projection, caught up first (a pass shared with every caller that asks meanwhile, and
 * nothing to read when the runner is current). Section names come from the catalog's venue.
 */
export const createEventStats = (deps: EventStatsDeps) => {
  const sectionNames = new Map<string, ReadonlyMap<string, string>>();
  const namesOf = async (venueId: string): Promise<ReadonlyMap<string, string>> => {
    let names = sectionNames.get(venueId);
    if (names === undefined) {
      const venue = await deps.catalog.getVenue(venueId);
      names = new Map((venue?.sections ?? []).map((section) => [section.id, section.name]));
      sectionNames.set(venueId, names);
    }
    return names;
  };

  return {
    async stats(eventId: string): Promise<EventStats> {
      const actor = await deps.activations.get(eventId);
      await deps.runner.catchUpForRead(salesProjection.name);
      const [live, [sales]] = await Promise.all([
        actor.read((state, now) => ({
          now,
          config: state.config,
          availability: availabilityOf(state, now),
          queue: state.queue.room === undefined ? undefined : queueStats(state.queue, now),
        })),
        deps.runner.docs<SalesDoc>(salesProjection.name, eventId),
      ]);
      const { availability, config, now } = live;
      const sold = sales ?? salesOf(eventId);
      const names = await namesOf(config.venueId);
      const { all } = availability;
      return {
        eventId,
        version: availability.version,
        at: iso(now),
        ...all,
        seats: { ...all },
        holdsActive: availability.holdsActive,
        revenue: { ...sold.revenue },
        byTier: [...availability.byTier].map(([priceTier, stock]) => {
          const price = Object.hasOwn(config.priceTiers, priceTier) ? config.priceTiers[priceTier] : undefined;
          const tierSales = Object.hasOwn(sold.tiers, priceTier) ? sold.tiers[priceTier] : undefined;
          return {
            priceTier,
            currency: price?.currency ?? tierSales?.currency ?? '',
            price: price?.amount ?? 0,
            ...stock,
            revenue: tierSales?.revenue ?? 0,
          };
        }),
        bySection: [...availability.bySection].map(([sectionId, stock]) => ({
          sectionId,
          name: names.get(sectionId) ?? sectionId,
          ...stock,
        })),
        salesByMinute: salesByMinute(sold).map((minute) => ({
          minute: iso(minute.minuteMs),
          sold: minute.sold,
          revenue: minute.revenue,
        })),
        ...(live.queue === undefined ? {} : { queue: { waiting: live.queue.waiting, admitted: live.queue.admitted } }),
        projection: { version: sold.version, lagEvents: Math.max(0, availability.version - sold.version) },
      };
    },
  };
};

export type EventStatsService = ReturnType<typeof createEventStats>;
