import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceDraws, referenceShuffle } from './queueFixture.ts';
import {
  commitmentOf,
  entryOfQueueId,
  isSeedHex,
  queueIdOf,
  recomputeOrder,
  SeededDraws,
  shuffleAlgorithm,
  shuffleInPlace,
  verifyFairness,
} from './shuffle.ts';

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));
const queueIds = (n: number): string[] => Array.from({ length: n }, (_, i) => queueIdOf(i));

describe('the pre-queue shuffle (seatactor-shuffle-v1)', () => {
  it('commits to the SHA-256 of the seed bytes, in lowercase hex', () => {
    expect(commitmentOf('00'.repeat(32))).toBe('66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925');
    const seed = 'a1'.repeat(32);
    expect(commitmentOf(seed)).toBe(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'));
  });

  it('gives this exact order for the all-zero seed: the algorithm can never change silently', () => {
    expect(recomputeOrder('00'.repeat(32), queueIds(10))).toEqual('q8,q4,q0,q3,q2,q9,q6,q7,q5,q1'.split(','));
    expect(shuffleAlgorithm).toMatch(/^seatactor-shuffle-v1/);
  });

  it('agrees with an implementation written from the documentation, for any seed and pre-queue size', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 0, max: 1_000 }), (seed, n) => {
        const joins = queueIds(n);
        const order = recomputeOrder(seed, joins);
        expect(order).toEqual(referenceShuffle(seed, joins));
        expect([...order].sort()).toEqual([...joins].sort());
      }),
      { seed: 10, numRuns: 40 },
    );
  });

  it('shuffles a typed array of entries exactly as a list of queue ids', () => {
    const seed = 'c0'.repeat(32);
    const entries = Int32Array.from({ length: 500 }, (_, i) => i);
    shuffleInPlace(entries, seed);
    expect([...entries].map(queueIdOf)).toEqual(recomputeOrder(seed, queueIds(500)));
  });

  it('throws away words at or above the largest multiple of m, so no index is likelier than another', () => {
    // m = 2^31 + 1: only words below 2^31 + 1 are kept, so about half are thrown away.
    const m = 2 ** 31 + 1;
    const seed = '7e'.repeat(32);
    const draws = new SeededDraws(seed);
    const reference = referenceDraws(seed);
    const drawn = Array.from({ length: 200 }, () => draws.below(m));
    expect(drawn).toEqual(Array.from({ length: 200 }, () => reference(m)));
    expect(drawn.every((j) => j >= 0 && j < m)).toBe(true);
    // Without rejection, the words that were thrown away (2^31 + 1 and above) would map to j < 2^31 - 1 twice as
    // often as the rest; with it, the kept words are uniform: about as many draws fall in each half.
    const low = drawn.filter((j) => j < m / 2).length;
    expect(low).toBeGreaterThan(70);
    expect(low).toBeLessThan(130);
  });

  it('takes only 64 lowercase hex characters as a seed', () => {
    expect(isSeedHex('ab'.repeat(32))).toBe(true);
    expect(isSeedHex('AB'.repeat(32))).toBe(false);
    expect(isSeedHex('ab'.repeat(31))).toBe(false);
    expect(() => commitmentOf('xyz')).toThrow(/64 lowercase hex/);
  });

  it('numbers queue ids from the join order, and reads them back', () => {
    expect(queueIdOf(0)).toBe('q0');
    expect(entryOfQueueId('q42')).toBe(42);
    for (const bad of ['q', 'q01', 'x1', 'q-1', 'q1.5', ' q1']) expect(entryOfQueueId(bad)).toBeUndefined();
  });
});

describe('verifyFairness', () => {
  const seed = '3c'.repeat(32);
  const record = {
    commitment: commitmentOf(seed),
    algorithm: shuffleAlgorithm,
    seed,
    order: recomputeOrder(seed, queueIds(50)),
  };

  it('finds nothing wrong with a sound record', () => {
    expect(verifyFairness(record)).toEqual([]);
    expect(verifyFairness({ ...record, order: [] })).toEqual([]);
  });

  it('finds a moved buyer, a seed that does not match the commitment, and a record not revealed yet', () => {
    const swapped = [...record.order];
    [swapped[3], swapped[7]] = [swapped[7]!, swapped[3]!];
    expect(verifyFairness({ ...record, order: swapped })).toEqual([expect.stringMatching(/^position 4 should be/)]);
    expect(verifyFairness({ ...record, commitment: commitmentOf('00'.repeat(32)) })).toContain(
      'the seed does not match the commitment',
    );
    expect(verifyFairness({ commitment: record.commitment, algorithm: shuffleAlgorithm })).toEqual([
      'the seed is not revealed yet',
    ]);
    expect(verifyFairness({ ...record, order: ['q1', 'nope'] })).toContain('the order holds something not a queue id');
  });
});
