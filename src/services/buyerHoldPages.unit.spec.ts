import { describe, expect, it } from 'vitest';
import { type BuyerHold, type HoldsPage, holdsCursorAfter, mergeHoldPages } from './buyerItems.ts';

const hold = (eventId: string, n: number): BuyerHold =>
  ({ eventId, holdId: `${eventId}.hld_${n}`, seatIds: [], quantity: 1 }) as unknown as BuyerHold;
const page = (more: boolean, ...events: [string, number][]): HoldsPage => ({
  events: events.map(([eventId, count]) => ({
    eventId,
    holds: Array.from({ length: count }, (_, n) => hold(eventId, n)),
  })),
  more,
});
const eventsOf = (merged: { holds: BuyerHold[] }) => [...new Set(merged.holds.map((h) => h.eventId))];

describe('merging the nodes’ pages of a buyer’s holds', () => {
  it('orders events by id across nodes and says nothing is left when no node has more', () => {
    const merged = mergeHoldPages([page(false, ['evt_b', 1], ['evt_d', 1]), page(false, ['evt_a', 2])], 10);
    expect(eventsOf(merged)).toEqual(['evt_a', 'evt_b', 'evt_d']);
    expect(merged.holds).toHaveLength(4);
    expect(merged.next).toBeUndefined();
  });

  it('stops at the first cut a node made: its later events were not read', () => {
    // Node 1 stopped after evt_b (it has more); node 2 gave evt_c, which may come after node 1's unread events.
    const merged = mergeHoldPages([page(true, ['evt_a', 1], ['evt_b', 1]), page(false, ['evt_c', 1])], 2);
    expect(eventsOf(merged)).toEqual(['evt_a', 'evt_b']);
    expect(holdsCursorAfter(merged.next)).toBe('evt_b');
  });

  it('reads at most `limit` events and stops once `limit` holds are found, never splitting an event', () => {
    const byEvents = mergeHoldPages([page(false, ['evt_a', 0], ['evt_c', 0]), page(false, ['evt_b', 0])], 2);
    expect(byEvents.holds).toEqual([]);
    expect(holdsCursorAfter(byEvents.next)).toBe('evt_b');
    const byHolds = mergeHoldPages([page(false, ['evt_a', 3]), page(false, ['evt_b', 1])], 2);
    expect(eventsOf(byHolds)).toEqual(['evt_a']);
    expect(byHolds.holds).toHaveLength(3);
    expect(holdsCursorAfter(byHolds.next)).toBe('evt_a');
  });

  it('counts an event two nodes both list once (one handed it off, the other runs it now)', () => {
    // Two events read, not the same one twice: both are in the page and nothing is left.
    const merged = mergeHoldPages([page(false, ['evt_a', 0], ['evt_c', 1]), page(false, ['evt_a', 1])], 2);
    expect(eventsOf(merged)).toEqual(['evt_a', 'evt_c']);
    expect(merged.holds).toHaveLength(2);
    expect(merged.next).toBeUndefined();
  });

  it('gives no cursor for an empty page', () => {
    expect(mergeHoldPages([page(false), page(false)], 5)).toEqual({ holds: [] });
  });
});
