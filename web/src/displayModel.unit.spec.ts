import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventLayoutView, SeatStatusName } from '../../client-sdk/src/index.ts';
import { DisplayModel, statusNames } from './displayModel.ts';
import { fitInto, venueGeometry } from './venueGeometry.ts';

const layout: EventLayoutView = {
  eventId: 'evt',
  venueId: 'ven',
  name: 'Hall',
  seatCount: 7,
  statusCodes: ['available', 'held', 'reserved', 'sold'],
  priceTiers: { A: { amount: 5000, currency: 'EUR' }, B: { amount: 2000, currency: 'EUR' } },
  sections: [
    {
      id: 'STALLS',
      name: 'Stalls',
      kind: 'seated',
      rows: [
        {
          id: 'A',
          seats: [
            { id: 'S-A-1', priceTier: 'A' },
            { id: 'S-A-2', priceTier: 'A' },
            { id: 'S-A-3', priceTier: 'A' },
          ],
        },
        { id: 'B', seats: [{ id: 'S-B-1', priceTier: 'B' }] },
      ],
    },
    { id: 'FLOOR', name: 'Floor', kind: 'general', capacity: 50, priceTier: 'B' },
    {
      id: 'BALC',
      name: 'Balcony',
      kind: 'seated',
      rows: [
        {
          id: 'A',
          seats: [
            { id: 'B-A-1', priceTier: 'B' },
            { id: 'B-A-2', priceTier: 'B' },
            { id: 'B-A-3', priceTier: 'B' },
          ],
        },
      ],
    },
  ],
};
const seatIds = ['S-A-1', 'S-A-2', 'S-A-3', 'S-B-1', 'B-A-1', 'B-A-2', 'B-A-3'];

/** Counts by recounting every seat: what the incremental counts must always equal. */
const recount = (statuses: Readonly<Record<string, SeatStatusName>>) => {
  const total = { available: 0, held: 0, reserved: 0, sold: 0 };
  const bySection = [
    { available: 0, held: 0, reserved: 0, sold: 0 },
    { available: 0, held: 0, reserved: 0, sold: 0 },
  ];
  for (const [index, seatId] of seatIds.entries()) {
    const status = statuses[seatId] ?? 'available';
    total[status] += 1;
    bySection[index < 4 ? 0 : 1]![status] += 1;
  }
  return { total, bySection };
};

describe('the live display model', () => {
  it('lists the seated sections and seats in layout order, all available before a load', () => {
    const model = new DisplayModel(layout);
    expect(model.sections.map((section) => section.id)).toEqual(['STALLS', 'BALC']);
    expect(model.seats.map((seat) => seat.id)).toEqual(seatIds);
    expect(model.seats.map((seat) => seat.section)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(model.total).toEqual({ available: 7, held: 0, reserved: 0, sold: 0 });
    expect(model.bySection).toEqual([
      { available: 4, held: 0, reserved: 0, sold: 0 },
      { available: 3, held: 0, reserved: 0, sold: 0 },
    ]);
  });

  it('after any load and any diffs, counts equal a recount, and a diff answers exactly the seats it changed', () => {
    const status = fc.constantFrom(...statusNames);
    const seat = fc.constantFrom(...seatIds);
    fc.assert(
      fc.property(
        fc.dictionary(seat, status),
        fc.array(fc.array(fc.record({ seatId: seat, status }), { maxLength: 5 }), { maxLength: 10 }),
        (loaded, diffs) => {
          const model = new DisplayModel(layout);
          model.load(Object.fromEntries(Object.entries(loaded).map(([id, s]) => [id, { status: s }])));
          const now: Record<string, SeatStatusName> = { ...loaded };
          for (const changes of diffs) {
            const expected = new Set<number>();
            for (const change of changes) {
              if ((now[change.seatId] ?? 'available') !== change.status) expected.add(seatIds.indexOf(change.seatId));
              now[change.seatId] = change.status;
            }
            const changed = model.apply(changes);
            // A seat changed twice in one diff may end where it began; it is then repainted, which is harmless.
            for (const index of expected) expect(changed).toContain(index);
            expect({ total: model.total, bySection: model.bySection }).toEqual(recount(now));
            for (const [index, seatId] of seatIds.entries())
              expect(model.statusAt(index)).toBe(now[seatId] ?? 'available');
          }
        },
      ),
    );
  });

  it('ignores changes to seats the layout does not have', () => {
    const model = new DisplayModel(layout);
    expect(model.apply([{ seatId: 'NOPE', status: 'sold' }])).toEqual([]);
    expect(model.total.sold).toBe(0);
  });
});

describe('the display geometry', () => {
  it('puts every seat in its own cell, sections one under the other, and fits the box keeping proportions', () => {
    const geometry = venueGeometry(layout);
    expect(geometry.x.length).toBe(7);
    const cells = new Set(seatIds.map((_, index) => `${geometry.x[index]},${geometry.y[index]}`));
    expect(cells.size).toBe(7);
    // Balcony below the stalls' last row; three seats wide plus the row-label margin.
    expect(geometry.y[4]!).toBeGreaterThan(geometry.y[3]!);
    expect(geometry.width).toBe(5);
    for (let index = 0; index < 7; index++) {
      expect(geometry.x[index]!).toBeLessThan(geometry.width);
      expect(geometry.y[index]!).toBeLessThan(geometry.height);
    }
    expect(geometry.labels.filter((label) => label.kind === 'section').map((label) => label.text)).toEqual([
      'Stalls',
      'Balcony',
    ]);
    const wide = fitInto(geometry, 1000, 100);
    expect(wide.scale).toBeCloseTo(100 / geometry.height);
    expect(wide.offsetY).toBeCloseTo(0);
    expect(wide.offsetX).toBeCloseTo((1000 - geometry.width * wide.scale) / 2);
  });
});
