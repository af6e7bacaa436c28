import type { EventLayoutView, SeatStatusMapView, SeatStatusName } from '../../src/contract/protocol.ts';

/** The seat ids of a layout in layout order: seated sections' rows and seats as listed, general sections skipped. */
export const layoutSeatIds = (layout: EventLayoutView): string[] => {
  const ids: string[] = [];
  for (const section of layout.sections) {
    if (section.kind !== 'seated') continue;
    for (const row of section.rows) for (const seat of row.seats) ids.push(seat.id);
  }
  return ids;
};

/**
 * The status of every seat from the compact status form (`GET /v1/events/:id/seatmap?form=status`, or a `subscribe`
 * ack with `form: "status"`) and the event's layout (`GET /v1/events/:id/layout`, fetched once). Uses `atob`, which
 * browsers, Node and React Native (Hermes) provide. Throws when the form does not fit the layout.
 */
export const decodeStatuses = (
  statusMap: SeatStatusMapView,
  layout: EventLayoutView,
  seatIds: readonly string[] = layoutSeatIds(layout),
): Record<string, SeatStatusName> => {
  const bytes = atob(statusMap.statuses);
  if (bytes.length !== seatIds.length || statusMap.seatCount !== seatIds.length) {
    throw new Error(`status form of ${statusMap.seatCount} seats does not fit a layout of ${seatIds.length}`);
  }
  const statuses: Record<string, SeatStatusName> = Object.create(null);
  for (let seat = 0; seat < seatIds.length; seat++) {
    const status = layout.statusCodes[bytes.charCodeAt(seat)];
    if (status === undefined) throw new Error(`unknown status code ${bytes.charCodeAt(seat)} for ${seatIds[seat]}`);
    statuses[seatIds[seat]!] = status;
  }
  return statuses;
};
