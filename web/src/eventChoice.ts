/** Which event the page opens, and how it says that a sale has not opened yet. Pure, so it is tested without a page. */

export type ListedEvent = Readonly<{ id: string; startsAt: string; saleStartsAt: string | null }>;

/** The id `npm start` gives the demo event it seeds (src/app/demoSeed.ts). */
export const demoEventId = 'demo';

/**
 * The event named by `?event=`, else the demo, else the next to start, else the last listed: a newcomer lands on the
 * demo even after creating events of their own, and a server without a demo shows what is coming up.
 */
export const chooseEvent = <E extends ListedEvent>(events: readonly E[], wanted: string | null, nowMs: number) =>
  events.find((event) => event.id === wanted) ??
  events.find((event) => event.id === demoEventId) ??
  [...events]
    .filter((event) => Date.parse(event.startsAt) > nowMs)
    .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))[0] ??
  events.at(-1);

/** `3 h 05 min`, `4 min 20 s`, `12 s`: how long until the sale opens. */
export const countdown = (ms: number): string => {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${seconds} s`;
};

/** The sale's state for the header: undefined once it is open; before, when it opens and how long until then. */
export const saleNotOpen = (
  saleStartsAt: string | null,
  nowMs: number,
  formatInstant: (ms: number) => string,
): string | undefined => {
  if (saleStartsAt === null) return undefined;
  const opensMs = Date.parse(saleStartsAt);
  if (opensMs <= nowMs) return undefined;
  return `Sale opens ${formatInstant(opensMs)} (in ${countdown(opensMs - nowMs)})`;
};
