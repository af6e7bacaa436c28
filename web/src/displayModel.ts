import type { EventLayoutView, SeatChange, SeatStatusName, SeatView } from '../../client-sdk/src/index.ts';

/**
 * What the live display shows of an event, kept from its layout and the seat-map stream: each seat's status by its
 * index in layout order, and the counts by status for the whole venue and per seated section, updated per diff in
 * time proportional to the diff (a 50,000-seat venue is not recounted per change). Pure, so it is tested without a
 * page.
 */

export const statusNames = ['available', 'held', 'reserved', 'sold'] as const satisfies readonly SeatStatusName[];
export type StatusCounts = Record<SeatStatusName, number>;

const statusCode: Readonly<Record<SeatStatusName, number>> = { available: 0, held: 1, reserved: 2, sold: 3 };
const noCounts = (): StatusCounts => ({ available: 0, held: 0, reserved: 0, sold: 0 });

export type SeatPlace = Readonly<{ id: string; section: number; tier: string }>;

export class DisplayModel {
  /** Seated sections in layout order (general-admission sections have no seats). */
  readonly sections: readonly Readonly<{ id: string; name: string }>[];
  /** Every seat in layout order. */
  readonly seats: readonly SeatPlace[];
  readonly total: StatusCounts = noCounts();
  readonly bySection: StatusCounts[];
  private readonly statuses: Uint8Array;
  private readonly indexOf = new Map<string, number>();

  constructor(layout: EventLayoutView) {
    const sections: { id: string; name: string }[] = [];
    const seats: SeatPlace[] = [];
    for (const section of layout.sections) {
      if (section.kind !== 'seated') continue;
      sections.push({ id: section.id, name: section.name });
      for (const row of section.rows) {
        for (const seat of row.seats) {
          this.indexOf.set(seat.id, seats.length);
          seats.push({ id: seat.id, section: sections.length - 1, tier: seat.priceTier });
        }
      }
    }
    this.sections = sections;
    this.seats = seats;
    this.bySection = sections.map(noCounts);
    this.statuses = new Uint8Array(seats.length);
    this.total.available = seats.length;
    for (const seat of seats) this.bySection[seat.section]!.available += 1;
  }

  statusAt(index: number): SeatStatusName {
    return statusNames[this.statuses[index] ?? 0]!;
  }

  /** Takes every seat's status from a whole map (a load or a resync) and recounts. */
  load(seats: Readonly<Record<string, Pick<SeatView, 'status'>>>): void {
    for (const counts of [this.total, ...this.bySection]) Object.assign(counts, noCounts());
    for (const [index, seat] of this.seats.entries()) {
      const status = seats[seat.id]?.status ?? 'available';
      this.statuses[index] = statusCode[status];
      this.total[status] += 1;
      this.bySection[seat.section]![status] += 1;
    }
  }

  /** Applies one diff's seat changes; answers the indexes of the seats whose status changed (to repaint). */
  apply(changes: readonly Pick<SeatChange, 'seatId' | 'status'>[]): number[] {
    const changed: number[] = [];
    for (const change of changes) {
      const index = this.indexOf.get(change.seatId);
      if (index === undefined) continue;
      const before = this.statusAt(index);
      if (before === change.status) continue;
      const section = this.bySection[this.seats[index]!.section]!;
      this.total[before] -= 1;
      section[before] -= 1;
      this.total[change.status] += 1;
      section[change.status] += 1;
      this.statuses[index] = statusCode[change.status];
      changed.push(index);
    }
    return changed;
  }
}
