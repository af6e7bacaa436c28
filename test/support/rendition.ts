import { gzipSync } from 'node:zlib';
import type { ContentCoding, SeatMapForm, SeatMapRendition } from '../../src/actors/seatMapCache.ts';
import type { SeatMapView, SeatStatusName } from '../../src/domain/seatMap/views.ts';
import { seatStatusNames } from '../../src/domain/seatMap/views.ts';

/**
 * A seat map rendition of a fixed map, for gateway specs whose booking is a stand-in: the forms are derived from the
 * map the way the real cache derives them (seats in the order the map lists them), compressed with gzip only.
 */
export const fixedRendition = (map: SeatMapView): SeatMapRendition => {
  const json = JSON.stringify(map);
  const codes = Object.values(map.seats).map(({ status }) => seatStatusNames.indexOf(status as SeatStatusName));
  const statusJson = JSON.stringify({
    eventId: map.eventId,
    version: map.version,
    seatCount: codes.length,
    statuses: Buffer.from(codes).toString('base64'),
    general: map.general,
  });
  const bytes = (form: SeatMapForm) => Buffer.from(form === 'map' ? json : statusJson);
  return {
    version: map.version,
    etag: `"${map.version}"`,
    json: () => json,
    body: () => bytes('map'),
    statusJson: () => statusJson,
    bytes,
    encoded: async (form: SeatMapForm, _coding: ContentCoding) => gzipSync(bytes(form)),
  };
};
