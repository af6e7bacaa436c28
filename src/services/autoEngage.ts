import type { Activations } from '../actors/activations.ts';
import { type Clock, repeatTimer } from '../platform/clock.ts';

/**
 * The hybrid switch: an event whose `waitingRoom.autoEngageRequestsPerSecond` is set gets its room engaged when the
 * requests naming it (holds and queue joins, counted as they reach the application) cross that rate, and released
 * once they stay under half of it for `calmSeconds`. Engaging removes nobody's holds: it only makes further holds
 * need an admission; releasing lets everyone waiting go ahead (RoomReleased). A room engaged by its schedule
 * (`waitingRoom.enabled`) is never released by this switch.
 *
 * Counting is one Map increment per request; each second (on the clock) the events counted are looked at with one
 * read of their actor's committed state, and only a crossing sends a command.
 */
export type AutoEngage = Readonly<{
  /** A request naming this event reached the application. */
  observe(eventId: string): void;
  /** Resolves once the round under way (if any) has sent what it decided. */
  idle(): Promise<void>;
  stop(): void;
}>;

export type AutoEngageOptions = Readonly<{
  activations: Activations;
  clock: Clock;
  /** Seconds under half the threshold before an auto-engaged room is released. Default 30. */
  calmSeconds?: number;
  onError?: (error: unknown, context: string) => void;
}>;

export const autoEngageIntervalMs = 1_000;
export const calmSecondsDefault = 30;

type Watch = { count: number; calmFor: number };

export const startAutoEngage = (options: AutoEngageOptions): AutoEngage => {
  const { activations, clock } = options;
  const calmSeconds = options.calmSeconds ?? calmSecondsDefault;
  /** Requests this second, and how long the event has been calm, for every event that had requests lately. */
  const watched = new Map<string, Watch>();
  /** Events without the switch (the setting comes from the catalog, fixed at creation): never looked at again. */
  const without = new Set<string>();
  let checking: Promise<void> | undefined;

  const check = async (eventId: string, watch: Watch, perSecond: number): Promise<void> => {
    const actor = await activations.get(eventId);
    const room = await actor.read((state) => ({
      threshold: state.config.waitingRoom?.autoEngageRequestsPerSecond,
      exists: state.queue.room !== undefined,
      scheduled: state.queue.room?.config.enabled === true,
      engaged: state.queue.engaged,
      soldOut: state.queue.soldOut,
    }));
    if (room.threshold === undefined) without.add(eventId);
    if (room.threshold === undefined || !room.exists || room.soldOut) {
      watched.delete(eventId);
      return;
    }
    if (!room.engaged) {
      watch.calmFor = 0;
      if (perSecond >= room.threshold) await actor.send((now) => ({ type: 'EngageRoom', data: { now } }));
      else if (perSecond === 0) watched.delete(eventId);
      return;
    }
    if (room.scheduled) return;
    watch.calmFor = perSecond < room.threshold / 2 ? watch.calmFor + 1 : 0;
    if (watch.calmFor < calmSeconds) return;
    await actor.send((now) => ({ type: 'ReleaseRoom', data: { now } }));
    watched.delete(eventId);
  };

  const round = async (): Promise<void> => {
    for (const [eventId, watch] of [...watched]) {
      const perSecond = (watch.count * 1_000) / autoEngageIntervalMs;
      watch.count = 0;
      await check(eventId, watch, perSecond).catch((error: unknown) => {
        watched.delete(eventId);
        options.onError?.(error, `the hybrid switch of event ${eventId} failed`);
      });
    }
  };

  const stopTicks = repeatTimer(clock, autoEngageIntervalMs, () => {
    if (checking !== undefined) return;
    checking = round().finally(() => {
      checking = undefined;
    });
  });

  return {
    observe(eventId) {
      if (without.has(eventId)) return;
      const watch = watched.get(eventId);
      if (watch === undefined) watched.set(eventId, { count: 1, calmFor: 0 });
      else watch.count += 1;
    },
    idle: () => checking ?? Promise.resolve(),
    stop: stopTicks,
  };
};
