import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventLayoutView, SeatMapView } from '../../src/contract/protocol.ts';
import { seatMapFrame, seatMapJson, seatStatusJson } from '../../src/domain/seatMap/seatMapFrame.ts';
import { initialState } from '../../src/domain/seatMap/state.ts';
import { eventLayoutJson } from '../../src/services/eventLayout.ts';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { decodeStatuses, layoutSeatIds } from './statusForm.ts';

describe('the compact status form, decoded with the layout', () => {
  it('gives every seat the status the full JSON map gives it, whatever the statuses (property)', () => {
    const venue = gridVenue('ven_form', 6, 9, 20);
    const event = eventFor(venue);
    const layout = JSON.parse(eventLayoutJson(event, venue)) as EventLayoutView;
    const frame = seatMapFrame(initialState(venue, event), 0);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 54, maxLength: 54 }), (codes) => {
        // The frame's status array is its own copy: the forms are rendered from whatever it holds.
        frame.status.set(codes);
        const map = JSON.parse(seatMapJson(frame)) as SeatMapView;
        const decoded = decodeStatuses(JSON.parse(seatStatusJson(frame)), layout);
        expect(Object.keys(decoded)).toEqual(layoutSeatIds(layout));
        expect(decoded).toEqual(Object.fromEntries(Object.entries(map.seats).map(([id, seat]) => [id, seat.status])));
      }),
      { seed: 13, numRuns: 100 },
    );
  });

  it('refuses a status form that does not fit the layout', () => {
    const venue = gridVenue('ven_form', 2, 2, 5);
    const layout = JSON.parse(eventLayoutJson(eventFor(venue), venue)) as EventLayoutView;
    const form = { eventId: 'evt_test', version: 1, seatCount: 3, statuses: btoa('\u0000\u0001\u0002'), general: {} };
    expect(() => decodeStatuses(form, layout)).toThrow('status form of 3 seats does not fit a layout of 4');
  });
});
