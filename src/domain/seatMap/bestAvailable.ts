import type { SeatLayout } from './state.ts';

export type BestAvailable =
  | Readonly<{ kind: 'found'; seats: number[] }>
  | Readonly<{ kind: 'notAdjacent' }>
  | Readonly<{ kind: 'none' }>;

/**
 * N adjacent free seats in one row: the front-most row that has such a block, and within it the block nearest
 * the row's centre. Sections are tried in venue order. `tier` filters by price tier index.
 * Reports whether matching seats exist at all, so the caller can tell "sold out" from "not together".
 */
export const findBestAvailable = (
  layout: SeatLayout,
  isFree: (seat: number) => boolean,
  quantity: number,
  sectionId: string | undefined,
  tier: number | undefined,
): BestAvailable => {
  let anyFree = false;
  for (const section of layout.sections.values()) {
    if (section.kind !== 'seated' || (sectionId !== undefined && section.id !== sectionId)) continue;
    for (let r = section.firstRow; r < section.endRow; r++) {
      const row = layout.rows[r]!;
      const centre = (row.start + row.end - 1) / 2;
      let best = -1;
      let bestDistance = Number.POSITIVE_INFINITY;
      let runStart = row.start;
      for (let seat = row.start; seat <= row.end; seat++) {
        const usable = seat < row.end && (tier === undefined || layout.tierOf[seat] === tier) && isFree(seat);
        if (usable) {
          anyFree = true;
          continue;
        }
        // A run of usable seats is [runStart, seat): try every block of `quantity` inside it.
        for (let first = runStart; first + quantity <= seat; first++) {
          const distance = Math.abs(first + (quantity - 1) / 2 - centre);
          if (distance < bestDistance) {
            bestDistance = distance;
            best = first;
          }
        }
        runStart = seat + 1;
      }
      if (best >= 0) return { kind: 'found', seats: Array.from({ length: quantity }, (_, i) => best + i) };
    }
  }
  return anyFree ? { kind: 'notAdjacent' } : { kind: 'none' };
};
