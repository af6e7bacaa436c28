import { fnv1a as hash } from '../hash.ts';

/**
 * Seat ids and their positions, compactly: every id in one string with its start offsets, and an open-addressing
 * hash table of positions. A flash sale keeps 100,000-seat maps in memory; as an array of strings plus a
 * Map<string, number> the ids alone cost about 80 bytes a seat, here about 20.
 */
export class SeatIndex {
  readonly count: number;
  private readonly text: string;
  /** Seat i's id is text[starts[i], starts[i + 1]). */
  private readonly starts: Uint32Array;
  /** Seat position + 1 in each slot, 0 when empty; twice as many slots as seats (rounded up to a power of two). */
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** Throws on a repeated id: the venue is malformed. */
  constructor(ids: readonly string[]) {
    this.count = ids.length;
    this.text = ids.join('');
    this.starts = new Uint32Array(ids.length + 1);
    for (let seat = 0; seat < ids.length; seat++) this.starts[seat + 1] = this.starts[seat]! + ids[seat]!.length;
    let size = 2;
    while (size < ids.length * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let seat = 0; seat < ids.length; seat++) {
      const id = ids[seat]!;
      let slot = hash(id) & this.mask;
      while (this.slots[slot] !== 0) {
        if (this.matches(this.slots[slot]! - 1, id)) throw new Error(`seat id ${id} appears twice`);
        slot = (slot + 1) & this.mask;
      }
      this.slots[slot] = seat + 1;
    }
  }

  id(seat: number): string {
    return this.text.slice(this.starts[seat], this.starts[seat + 1]);
  }

  indexOf(id: string): number | undefined {
    let slot = hash(id) & this.mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) return undefined;
      if (this.matches(entry - 1, id)) return entry - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  has(id: string): boolean {
    return this.indexOf(id) !== undefined;
  }

  private matches(seat: number, id: string): boolean {
    const start = this.starts[seat]!;
    if (this.starts[seat + 1]! - start !== id.length) return false;
    for (let i = 0; i < id.length; i++) if (this.text.charCodeAt(start + i) !== id.charCodeAt(i)) return false;
    return true;
  }
}
