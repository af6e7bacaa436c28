/**
 * The buyer of every queue entry, stored as columns: all user ids packed as UTF-8 in one byte buffer, the start of
 * each in a Uint32Array, and an open-addressing hash index (linear probing, Int32Array) from a user id to the
 * buyer's latest entry. A million entries then cost about 18 bytes of id, 4 of offset and 8–16 of index each, where
 * a string per entry and a Map cost over 80 (a string header, a Map entry and its bucket, an array slot).
 *
 * Entries are only ever appended; a buyer who joins again after their entry ended gets a new entry, and the index
 * then points at that one.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Longest user id accepted, in UTF-16 code units; its UTF-8 form is at most three times as long. */
export const userIdLengthMax = 128;

const initialEntries = 1024;

export class EntryUsers {
  private bytes = new Uint8Array(initialEntries * 16);
  private byteLength = 0;
  /** starts[e] is where entry e's user id begins; starts[count] is the end of the last. */
  private starts = new Uint32Array(initialEntries + 1);
  /** entry + 1 of the buyer's latest entry; 0 is an empty slot. Never more than half full. */
  private table = new Int32Array(initialEntries * 2);
  private readonly scratch = new Uint8Array(userIdLengthMax * 3);
  private entries = 0;

  get count(): number {
    return this.entries;
  }

  /** Appends an entry for the buyer, which becomes their latest; returns its number. */
  append(userId: string): number {
    const length = this.encode(userId);
    const entry = this.entries;
    if (entry + 1 === this.starts.length) this.starts = grow(this.starts, this.starts.length * 2 - 1);
    if (this.byteLength + length > this.bytes.length) {
      this.bytes = grow(this.bytes, Math.max(this.bytes.length * 2, this.byteLength + length));
    }
    this.bytes.set(this.scratch.subarray(0, length), this.byteLength);
    this.byteLength += length;
    this.entries += 1;
    this.starts[this.entries] = this.byteLength;
    // A rehash places every entry, the new one too.
    if (this.entries * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(entry, hashBytes(this.scratch, 0, length));
    return entry;
  }

  /** The buyer's latest entry, or -1 when they never joined. */
  latestOf(userId: string): number {
    const length = this.encode(userId);
    const mask = this.table.length - 1;
    for (let slot = hashBytes(this.scratch, 0, length) & mask; ; slot = (slot + 1) & mask) {
      const stored = this.table[slot]!;
      if (stored === 0) return -1;
      if (this.sameAsScratch(stored - 1, length)) return stored - 1;
    }
  }

  /** The latest entry of the buyer of `entry`, found from its stored bytes (no string made): for invariant checks. */
  latestOfEntry(entry: number): number {
    const start = this.starts[entry]!;
    const length = this.starts[entry + 1]! - start;
    const mask = this.table.length - 1;
    for (let slot = hashBytes(this.bytes, start, length) & mask; ; slot = (slot + 1) & mask) {
      const stored = this.table[slot]!;
      if (stored === 0) return -1;
      if (this.sameBytes(stored - 1, start, length)) return stored - 1;
    }
  }

  userIdOf(entry: number): string {
    if (entry < 0 || entry >= this.entries) throw new Error(`no queue entry ${entry}`);
    return decoder.decode(this.bytes.subarray(this.starts[entry]!, this.starts[entry + 1]!));
  }

  /** Every entry's user id in entry order, one per line: the compact form snapshots keep. */
  toLines(): string {
    if (this.entries === 0) return '';
    const text = new Uint8Array(this.byteLength + this.entries - 1);
    for (let entry = 0; entry < this.entries; entry++) {
      const start = this.starts[entry]!;
      const at = start + entry;
      text.set(this.bytes.subarray(start, this.starts[entry + 1]!), at);
      if (entry + 1 < this.entries) text[at + this.starts[entry + 1]! - start] = 0x0a;
    }
    return decoder.decode(text);
  }

  /** The columns from `toLines`' text: one pass over its bytes, then the index rebuilt. */
  static fromLines(text: string): EntryUsers {
    const users = new EntryUsers();
    if (text === '') return users;
    const bytes = encoder.encode(text);
    let entries = 1;
    for (const byte of bytes) if (byte === 0x0a) entries += 1;
    let capacity = initialEntries;
    while (capacity < entries) capacity *= 2;
    users.bytes = new Uint8Array(Math.max(bytes.length, initialEntries * 16));
    users.starts = new Uint32Array(capacity + 1);
    let entry = 0;
    let length = 0;
    for (const byte of bytes) {
      if (byte === 0x0a) {
        entry += 1;
        users.starts[entry] = length;
      } else users.bytes[length++] = byte;
    }
    users.entries = entries;
    users.byteLength = length;
    users.starts[entries] = length;
    users.rehash(capacity * 2);
    return users;
  }

  /** Bytes held by the columns, for the benchmark's breakdown. */
  get footprintBytes(): number {
    return this.bytes.byteLength + this.starts.byteLength + this.table.byteLength;
  }

  /** Writes the id into the scratch buffer and returns its length in bytes. */
  private encode(userId: string): number {
    if (userId.length === 0 || userId.length > userIdLengthMax) {
      throw new Error(`a user id is 1 to ${userIdLengthMax} characters`);
    }
    return encoder.encodeInto(userId, this.scratch).written;
  }

  private sameAsScratch(entry: number, length: number): boolean {
    const start = this.starts[entry]!;
    if (this.starts[entry + 1]! - start !== length) return false;
    for (let i = 0; i < length; i++) if (this.bytes[start + i] !== this.scratch[i]) return false;
    return true;
  }

  /** Points the buyer's slot at `entry`: the slot of an earlier entry of the same buyer, or an empty one. */
  private place(entry: number, hash: number): void {
    const mask = this.table.length - 1;
    const start = this.starts[entry]!;
    const length = this.starts[entry + 1]! - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.table[slot]!;
      if (stored === 0 || this.sameBytes(stored - 1, start, length)) {
        this.table[slot] = entry + 1;
        return;
      }
    }
  }

  private sameBytes(entry: number, start: number, length: number): boolean {
    const other = this.starts[entry]!;
    if (this.starts[entry + 1]! - other !== length) return false;
    for (let i = 0; i < length; i++) if (this.bytes[other + i] !== this.bytes[start + i]) return false;
    return true;
  }

  /** Rebuilds the index at a new size, entry by entry in join order, so each buyer ends on their latest entry. */
  private rehash(size: number): void {
    this.table = new Int32Array(size);
    for (let entry = 0; entry < this.entries; entry++) {
      const start = this.starts[entry]!;
      this.place(entry, hashBytes(this.bytes, start, this.starts[entry + 1]! - start));
    }
  }
}

/** FNV-1a (32 bits) over bytes. */
const hashBytes = (bytes: Uint8Array, start: number, length: number): number => {
  let hash = 0x811c9dc5;
  for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
};

/** A copy of a typed array at a new length: columns grow by doubling, so appends cost O(1) amortised. */
export const grow = <A extends Uint8Array | Uint16Array | Int32Array | Uint32Array>(array: A, length: number): A => {
  const bigger = new (array.constructor as new (length: number) => A)(length);
  bigger.set(array);
  return bigger;
};
