import { type Clock, repeatTimer } from '../platform/clock.ts';
import type { BookingService } from './bookingService.ts';

export type PrewarmOptions = Readonly<{
  booking: Pick<BookingService, 'listEvents' | 'seatMap'>;
  clock: Clock;
  /** Events whose sale opens within this much are warmed. Default 5 min (less than the 10 min an idle actor lives). */
  leadMs?: number;
  /** How often the catalog is looked at. Default 1 min. */
  intervalMs?: number;
  /** Events looked at, at most (the catalog's oldest first). Default 10,000. */
  eventsMax?: number;
  /**
   * Cluster mode: whether this node is the one to run the event (it runs it, or is its preferred node). Another node's
   * event is left to it: warming it here would claim it away from its preferred node (or fail, every pass, while that
   * node holds it). Absent: every event is this node's.
   */
  servesHere?: (eventId: string) => Promise<boolean>;
  onError?: (error: unknown, context: string) => void;
}>;

export const prewarmLeadMsDefault = 5 * 60_000;
export const prewarmIntervalMsDefault = 60_000;

/**
 * Pre-warm: an event whose sale opens soon is activated (snapshot + replay, invariants checked) and its seat map
 * rendered into the per-version cache before the opening, so the sale's first second pays no activation. A waiting
 * room then keeps its actor active through the sale (isRoomLive). Runs once at start and every `intervalMs`.
 * Returns what stops it, and the first pass to await.
 */
export const startPrewarm = (options: PrewarmOptions): Readonly<{ stop: () => void; first: Promise<string[]> }> => {
  const { booking, clock } = options;
  const leadMs = options.leadMs ?? prewarmLeadMsDefault;
  let running: Promise<string[]> | undefined;
  const pass = async (): Promise<string[]> => {
    const events = await booking.listEvents(options.eventsMax ?? 10_000);
    const now = clock.now();
    const soon = events.filter(
      ({ saleStartsAtMs }) => saleStartsAtMs !== null && saleStartsAtMs > now && saleStartsAtMs - now <= leadMs,
    );
    const warmed: string[] = [];
    for (const { id } of soon) {
      try {
        if (options.servesHere !== undefined && !(await options.servesHere(id))) continue;
        await booking.seatMap(id);
        warmed.push(id);
      } catch (error) {
        options.onError?.(error, `pre-warming event ${id} failed`);
      }
    }
    return warmed;
  };
  const run = (): Promise<string[]> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const first = run();
  const stop = repeatTimer(clock, options.intervalMs ?? prewarmIntervalMsDefault, () => {
    run().catch((error: unknown) => options.onError?.(error, 'pre-warming failed'));
  });
  return { stop, first };
};
