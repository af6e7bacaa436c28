import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/**
 * The pre-queue shuffle, exactly as anyone can recompute it (docs/fairness.md says the same in prose). This file
 * depends on nothing but `@noble/hashes`, so the server, the browser and the verifier run the same code.
 *
 * Algorithm `seatactor-shuffle-v1`:
 *
 * 1. The seed is 32 bytes, written as 64 lowercase hex characters. Its commitment is the lowercase hex of
 *    SHA-256(seed bytes), published when the waiting room is set up, before anyone can join.
 * 2. The input is the list of queue ids still in the pre-queue when the sale opens, in the order the event's actor
 *    received their joins (queue ids are `q` + the join's number, so this is their numeric order).
 * 3. A stream of 32-bit words: block c (c = 0, 1, 2, ...) is SHA-256(seed bytes ‖ c as 8 bytes, big-endian);
 *    each block gives eight words, read as big-endian unsigned 32-bit integers from its bytes 0–3, 4–7, ..., 28–31.
 *    Words are taken in order, block after block, and none is ever skipped or reused.
 * 4. A uniform integer in [0, m) takes the next word w; when w ≥ 2^32 − (2^32 mod m) the word is thrown away and the
 *    next one taken (rejection sampling, so no index is likelier than another); otherwise the result is w mod m.
 * 5. Fisher–Yates (Durstenfeld): for i from n − 1 down to 1, j = a uniform integer in [0, i + 1), swap items i and j.
 *    The list afterwards is the order: its first item is position 1.
 */
export const shuffleAlgorithm =
  'seatactor-shuffle-v1: Fisher–Yates over the pre-queue in join order, for i from n−1 down to 1 swapping i with ' +
  'j uniform in [0, i], j drawn by rejection sampling from big-endian 32-bit words of SHA-256(seed ‖ uint64be(block))';

export const seedBytesLength = 32;

const seedPattern = /^[0-9a-f]{64}$/;

/** A seed as the room takes it: 32 bytes in lowercase hex. */
export const isSeedHex = (seed: string): boolean => seedPattern.test(seed);

/** SHA-256 of the seed's bytes, lowercase hex: what is published before the sale. */
export const commitmentOf = (seedHex: string): string => bytesToHex(sha256(seedBytes(seedHex)));

const seedBytes = (seedHex: string): Uint8Array => {
  if (!isSeedHex(seedHex)) throw new Error('a shuffle seed is 64 lowercase hex characters');
  return hexToBytes(seedHex);
};

const twoTo32 = 0x1_0000_0000;

/** The word stream of step 3 and the draws of step 4, over one seed. */
export class SeededDraws {
  private readonly message = new Uint8Array(seedBytesLength + 8);
  private readonly messageView = new DataView(this.message.buffer);
  private block = 0;
  private words = new DataView(new ArrayBuffer(32));
  private wordIndex = 8;

  constructor(seedHex: string) {
    this.message.set(seedBytes(seedHex));
  }

  private nextWord(): number {
    if (this.wordIndex === 8) {
      // The counter is written as two 32-bit halves: a shuffle never needs 2^53 blocks, so the float is exact.
      this.messageView.setUint32(seedBytesLength, Math.floor(this.block / twoTo32));
      this.messageView.setUint32(seedBytesLength + 4, this.block % twoTo32);
      const digest = sha256(this.message);
      this.words = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
      this.block += 1;
      this.wordIndex = 0;
    }
    const word = this.words.getUint32(this.wordIndex * 4);
    this.wordIndex += 1;
    return word;
  }

  /** A uniform integer in [0, m), 1 ≤ m ≤ 2^32. */
  below(m: number): number {
    const limit = twoTo32 - (twoTo32 % m);
    for (;;) {
      const word = this.nextWord();
      if (word < limit) return word % m;
    }
  }
}

/** Anything indexable that can be shuffled in place: a plain array, or the room's Int32Array of entries. */
type Indexable<T> = { length: number; [index: number]: T };

/** Shuffles `items` in place with the seed, by steps 3–5 above. */
export const shuffleInPlace = <T>(items: Indexable<T>, seedHex: string): void => {
  const draws = new SeededDraws(seedHex);
  for (let i = items.length - 1; i >= 1; i--) {
    const j = draws.below(i + 1);
    const item = items[i]!;
    items[i] = items[j]!;
    items[j] = item;
  }
};

/** The pre-queue order from the revealed seed and the pre-queue's queue ids in join order. */
export const recomputeOrder = (seedHex: string, joins: readonly string[]): string[] => {
  const order = [...joins];
  shuffleInPlace(order, seedHex);
  return order;
};

/** The join number in a queue id (`q17` → 17), or undefined when the text is not a queue id. */
export const entryOfQueueId = (queueId: string): number | undefined => {
  if (!/^q(0|[1-9][0-9]{0,9})$/.test(queueId)) return undefined;
  return Number(queueId.slice(1));
};

/** Queue ids are derived from the join's number, so the state stores no id strings. */
export const queueIdOf = (entry: number): string => `q${entry}`;

/**
 * Checks a published fairness record: the seed matches the commitment, and shuffling the order's queue ids sorted
 * back into join order gives the order again. An empty list of problems means the record is sound.
 */
export const verifyFairness = (
  record: Readonly<{ commitment: string; seed?: string; algorithm: string; order?: readonly string[] }>,
): string[] => {
  const problems: string[] = [];
  if (record.seed === undefined || record.order === undefined) return ['the seed is not revealed yet'];
  if (!record.algorithm.startsWith('seatactor-shuffle-v1')) problems.push(`unknown algorithm ${record.algorithm}`);
  if (!isSeedHex(record.seed)) return [...problems, 'the seed is not 64 lowercase hex characters'];
  if (commitmentOf(record.seed) !== record.commitment) problems.push('the seed does not match the commitment');
  const entries = record.order.map(entryOfQueueId);
  if (entries.some((entry) => entry === undefined)) return [...problems, 'the order holds something not a queue id'];
  const joins = [...record.order].sort((a, b) => entryOfQueueId(a)! - entryOfQueueId(b)!);
  if (new Set(joins).size !== joins.length) problems.push('the order repeats a queue id');
  const recomputed = recomputeOrder(record.seed, joins);
  const first = recomputed.findIndex((queueId, i) => queueId !== record.order![i]);
  if (first >= 0) problems.push(`position ${first + 1} should be ${recomputed[first]}, not ${record.order[first]}`);
  return problems;
};
