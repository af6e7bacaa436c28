import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { generalAvailable } from './read.ts';
import type { InventoryState, SeatLayout } from './state.ts';
import { type GeneralView, seatStatusNames } from './views.ts';

/**
 * The seat map at one instant, captured as plain copies so that its wire forms can be rendered later, outside the
 * actor, while the state moves on. Capturing costs two typed-array copies (5 bytes a seat); rendering the JSON of a
 * large map costs tens of milliseconds, so a reader pays it once per frame, not once per request.
 */
export type SeatMapFrame = Readonly<{
  eventId: string;
  /** The stream version the map reflects. */
  version: number;
  /**
   * Holds that had lapsed at the capture but were not swept yet: the map shows their seats and places as available
   * (lazy expiry). Two frames of one version differ only in this count.
   */
  lapsedHolds: number;
  /** The first instant at which this frame is no longer the map (the next hold lapses); Infinity when none will. */
  validUntil: number;
  /** The venue, flattened; never changes while the actor lives, so it is shared, not copied. */
  layout: SeatLayout;
  /** Status code of every seat, lapsed holds freed. */
  status: Uint8Array;
  seatVersion: Uint32Array;
  /** General-admission sections in venue order. */
  general: readonly (readonly [sectionId: string, view: GeneralView])[];
}>;

/**
 * The frame of `state` at `now`; the same map as `seatMapView(state, now)`. The event's own expiry lane is in expiry
 * order, so the lapsed holds are its head and the first one still running says how long the frame stays true.
 * Waitlist holds are never freed lazily, so their lane changes nothing here.
 */
export const seatMapFrame = (state: InventoryState, now: number): SeatMapFrame => {
  const status = state.status.slice();
  let lapsedHolds = 0;
  let validUntil = Number.POSITIVE_INFINITY;
  for (const [handle, expiresAt] of state.expiryQueue) {
    if (expiresAt > now) {
      validUntil = expiresAt;
      break;
    }
    lapsedHolds += 1;
    for (const seat of state.holds.get(handle)!.seats) status[seat] = seatStatusCodes.available;
  }
  const general: (readonly [string, GeneralView])[] = [];
  for (const [sectionId, counter] of state.general) {
    const section = state.layout.sections.get(sectionId);
    general.push([
      sectionId,
      {
        capacity: counter.capacity,
        available: generalAvailable(state, sectionId, now),
        priceTier: section?.kind === 'general' ? section.priceTier : '',
      },
    ]);
  }
  return {
    eventId: state.eventId,
    version: state.version,
    lapsedHolds,
    validUntil,
    layout: state.layout,
    status,
    seatVersion: state.seatVersion.slice(),
    general,
  };
};

/** Whether every seat id is its own JSON string body (no quote, backslash, control character or lone surrogate). */
const plainIds = new WeakMap<SeatLayout, boolean>();

const idsArePlain = (layout: SeatLayout): boolean => {
  let plain = plainIds.get(layout);
  if (plain === undefined) {
    plain = true;
    for (let seat = 0; seat < layout.seats.count && plain; seat++) {
      const id = layout.seats.id(seat);
      plain = JSON.stringify(id).length === id.length + 2;
    }
    plainIds.set(layout, plain);
  }
  return plain;
};

/**
 * The frame as the JSON text of the wire's seat map (`GET /v1/events/:id/seatmap`): the same map `JSON.stringify`
 * makes of `seatMapView`, seats in venue order, built straight from the arrays instead of through 50,000 objects
 * (about 4× faster on a 50,000-seat map). Ids are escaped as JSON requires (checked once per venue layout), and a
 * seat named `__proto__` is an ordinary key.
 */
export const seatMapJson = (frame: SeatMapFrame): string => {
  const { layout, status, seatVersion } = frame;
  const quote = idsArePlain(layout) ? (id: string) => `"${id}"` : (id: string) => JSON.stringify(id);
  const statusParts = seatStatusNames.map((name) => `:{"status":"${name}","priceTier":`);
  const tierParts = layout.tierNames.map((tier) => `${JSON.stringify(tier)},"version":`);
  const seatCount = layout.seats.count;
  let seats = '';
  for (let seat = 0; seat < seatCount; seat++) {
    seats += `${seat === 0 ? '' : ','}${quote(layout.seats.id(seat))}${statusParts[status[seat]!]}${tierParts[layout.tierOf[seat]!]}${seatVersion[seat]}}`;
  }
  return `{"eventId":${JSON.stringify(frame.eventId)},"version":${frame.version},"seats":{${seats}},"general":{${generalJson(frame)}}}`;
};

/**
 * The general-admission sections of a frame as the wire's `general` object text (`{SECTION:{capacity, available,
 * priceTier}}`), shared by the full map and the status form.
 */
const generalJson = (frame: SeatMapFrame): string =>
  frame.general
    .map(
      ([sectionId, view]) =>
        `${JSON.stringify(sectionId)}:${JSON.stringify({ capacity: view.capacity, available: view.available, priceTier: view.priceTier })}`,
    )
    .join(',');

/**
 * The compact status form of a frame (`GET /v1/events/:id/seatmap?form=status`, socket `subscribe` with
 * `form: "status"`): every seat's status as one byte (its code in `seatStatusNames`: 0 available, 1 held, 2 reserved,
 * 3 sold) in layout order, base64, instead of an object per seat. Seat ids, tiers and order come from the event's
 * layout (`GET /v1/events/:id/layout`), which never changes, so a large venue's live map is its statuses only: 50,000
 * seats are 66,668 base64 characters before compression. Per-seat versions are not in it: a client that sends
 * `expectedVersions` takes them from the full map or from the diffs.
 */
export const seatStatusJson = (frame: SeatMapFrame): string => {
  const { status } = frame;
  const statuses = Buffer.from(status.buffer, status.byteOffset, status.byteLength).toString('base64');
  return `{"eventId":${JSON.stringify(frame.eventId)},"version":${frame.version},"seatCount":${status.length},"statuses":"${statuses}","general":{${generalJson(frame)}}}`;
};
