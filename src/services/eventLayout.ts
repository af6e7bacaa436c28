import { createHash } from 'node:crypto';
import { type ContentCoding, compress } from '../actors/seatMapCache.ts';
import { seatStatusNames } from '../domain/seatMap/views.ts';
import type { EventConfig, Venue } from '../domain/venue.ts';

/**
 * The part of an event's seat map that never changes (venue and event are immutable once created): sections, rows,
 * seat ids and tiers in layout order, the prices, and the status codes of the compact status form. Cacheable forever
 * by the event's id; only the statuses (`GET /v1/events/:id/seatmap?form=status`) are live.
 */
export type LayoutRendition = Readonly<{
  etag: string;
  bytes: Buffer;
  encoded(coding: ContentCoding): Promise<Buffer>;
}>;

/** The JSON of `GET /v1/events/:id/layout`. */
export const eventLayoutJson = (event: EventConfig, venue: Venue): string => {
  let seatCount = 0;
  for (const section of venue.sections) {
    if (section.kind === 'seated') for (const row of section.rows) seatCount += row.seats.length;
  }
  return JSON.stringify({
    eventId: event.id,
    venueId: venue.id,
    name: venue.name,
    seatCount,
    statusCodes: seatStatusNames,
    priceTiers: event.priceTiers,
    sections: venue.sections,
  });
};

export const renderLayout = (event: EventConfig, venue: Venue): LayoutRendition => {
  const bytes = Buffer.from(eventLayoutJson(event, venue));
  const etag = `"L${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
  const encodings = new Map<ContentCoding, Promise<Buffer>>();
  return {
    etag,
    bytes,
    encoded(coding) {
      let encoded = encodings.get(coding);
      if (encoded === undefined) {
        encoded = compress[coding](bytes);
        encodings.set(coding, encoded);
      }
      return encoded;
    },
  };
};

export const layoutsCachedMaxDefault = 1_000;

/**
 * Rendered layouts by event id, at most `layoutsCachedMax` (the oldest rendered goes first); a layout is rendered once
 * per event while it stays cached, and every reader shares one rendering in progress.
 */
export const createLayoutCache = (
  load: (eventId: string) => Promise<{ event: EventConfig; venue: Venue }>,
  layoutsCachedMax = layoutsCachedMaxDefault,
) => {
  const layouts = new Map<string, Promise<LayoutRendition>>();
  return (eventId: string): Promise<LayoutRendition> => {
    const cached = layouts.get(eventId);
    if (cached !== undefined) return cached;
    const rendering = load(eventId).then(({ event, venue }) => renderLayout(event, venue));
    // A failure (no such event, store down) is not kept: the next reader asks again.
    rendering.catch(() => layouts.delete(eventId));
    if (layouts.size >= layoutsCachedMax) layouts.delete(layouts.keys().next().value!);
    layouts.set(eventId, rendering);
    return rendering;
  };
};
