import { generalAvailable, seatStatusAt } from '../seatMap/read.ts';
import type { InventoryState } from '../seatMap/state.ts';
import { seatStatusNames } from '../seatMap/views.ts';

export type Stock = { total: number; available: number; held: number; reserved: number; sold: number };

/**
 * Availability by section and by price tier, at `now`: the inline projection. It must be current (the dashboard and
 * box office act on it), and the actor's committed state is the inventory folded from the same log, so it is counted
 * from that state rather than from a copy that could lag. Lapsed holds count as available, as the seat map shows
 * them. O(seats + general sections + lapsed holds).
 */
export type Availability = Readonly<{
  version: number;
  all: Stock;
  byTier: ReadonlyMap<string, Stock>;
  bySection: ReadonlyMap<string, Stock>;
  /** Holds placed and not yet released, expired (or lapsed) or ordered. */
  holdsActive: number;
}>;

const emptyStock = (): Stock => ({ total: 0, available: 0, held: 0, reserved: 0, sold: 0 });

const countInto = (stock: Stock, status: number, places: number): void => {
  stock.total += places;
  stock[seatStatusNames[status]!] += places;
};

export const availabilityOf = (state: InventoryState, now: number): Availability => {
  const { layout } = state;
  const all = emptyStock();
  const byTier = new Map<string, Stock>(layout.tierNames.map((tier) => [tier, emptyStock()]));
  const bySection = new Map<string, Stock>();
  for (const section of layout.sections.values()) {
    const stock = emptyStock();
    bySection.set(section.id, stock);
    if (section.kind === 'general') {
      const counter = state.general.get(section.id)!;
      const available = generalAvailable(state, section.id, now);
      // Lapsed general holds are still counted as held by the counter: they are given back to `available` here.
      const lapsed = available - (counter.capacity - counter.held - counter.reserved - counter.sold);
      const parts = [available, counter.held - lapsed, counter.reserved, counter.sold];
      const tier = byTier.get(section.priceTier)!;
      parts.forEach((places, status) => {
        for (const into of [stock, tier, all]) countInto(into, status, places);
      });
      continue;
    }
    for (let row = section.firstRow; row < section.endRow; row++) {
      const span = layout.rows[row]!;
      for (let seat = span.start; seat < span.end; seat++) {
        const status = seatStatusAt(state, seat, now);
        countInto(stock, status, 1);
        countInto(byTier.get(layout.tierNames[layout.tierOf[seat]!]!)!, status, 1);
        countInto(all, status, 1);
      }
    }
  }
  // Held holds are exactly those in the two expiry lanes (sold and reserved ones are not), so the lanes are walked
  // rather than every hold the event ever had.
  let holdsActive = 0;
  for (const lane of [state.expiryQueue, state.waitlistExpiryQueue]) {
    for (const expiresAt of lane.values()) if (expiresAt > now) holdsActive += 1;
  }
  return { version: state.version, all, byTier, bySection, holdsActive };
};
