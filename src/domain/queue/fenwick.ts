import { grow } from './entryUsers.ts';

/**
 * A Fenwick (binary indexed) tree over the line's slots, holding 1 for a slot whose entry is still waiting and 0
 * otherwise. A buyer's position is the prefix sum up to their slot, the n-th waiting buyer is found by descending
 * the tree, and both cost O(log n) however long the line: a million waiting buyers are 20 steps.
 *
 * Slots are 0-based outside, 1-based inside (tree[i] covers slots (i − lowbit(i), i]).
 */
export class Fenwick {
  private tree = new Int32Array(1024 + 1);
  private size = 0;

  get length(): number {
    return this.size;
  }

  /**
   * Appends a slot holding `value`. Its node covers slots (i − lowbit(i), i], which are exactly its children's
   * nodes: i − 1, then down by their lowbits. That is log2(lowbit(i)) nodes, 1 on average: O(1) amortised.
   */
  push(value: number): void {
    const i = this.size + 1;
    if (i === this.tree.length) this.tree = grow(this.tree, (this.tree.length - 1) * 2 + 1);
    this.size = i;
    let sum = value;
    for (let child = i - 1; child > i - (i & -i); child -= child & -child) sum += this.tree[child]!;
    this.tree[i] = sum;
  }

  /** Rebuilds the tree from every slot's value in O(n). */
  reset(values: ArrayLike<number>): void {
    let capacity = 1024;
    while (capacity < values.length) capacity *= 2;
    this.tree = new Int32Array(capacity + 1);
    this.size = values.length;
    for (let i = 1; i <= this.size; i++) {
      this.tree[i]! += values[i - 1]!;
      const parent = i + (i & -i);
      if (parent <= this.size) this.tree[parent]! += this.tree[i]!;
    }
  }

  add(slot: number, delta: number): void {
    for (let i = slot + 1; i <= this.size; i += i & -i) this.tree[i]! += delta;
  }

  /** The sum of slots 0..slot inclusive; 0 for slot -1. */
  prefix(slot: number): number {
    let sum = 0;
    for (let i = slot + 1; i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  /** The slot where the prefix sum first reaches k (k ≥ 1), or -1 when the whole sum is below k. */
  select(k: number): number {
    let position = 0;
    let step = 1;
    while (step * 2 <= this.size) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = position + step;
      if (next <= this.size && this.tree[next]! < k) {
        position = next;
        k -= this.tree[next]!;
      }
    }
    return position < this.size ? position : -1;
  }

  /**
   * The slot where the prefix sum of this tree minus `other`'s first reaches k (k ≥ 1), or -1: the k-th waiting
   * buyer of the front lane, when `other` (of the same length) holds the entries sent to the back.
   */
  selectExcluding(other: Fenwick, k: number): number {
    if (other.size !== this.size) throw new Error('the two trees cover different lines');
    let position = 0;
    let step = 1;
    while (step * 2 <= this.size) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = position + step;
      if (next <= this.size) {
        const here = this.tree[next]! - other.tree[next]!;
        if (here < k) {
          position = next;
          k -= here;
        }
      }
    }
    return position < this.size ? position : -1;
  }

  /** The sum of every slot. */
  get total(): number {
    return this.prefix(this.size - 1);
  }

  get footprintBytes(): number {
    return this.tree.byteLength;
  }
}
