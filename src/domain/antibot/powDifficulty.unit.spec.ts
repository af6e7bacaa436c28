import { describe, expect, it } from 'vitest';
import { type PowPolicy, type PowSignals, powDifficulty } from './powDifficulty.ts';

const policy: PowPolicy = {
  difficultyMin: 1_000,
  difficultyMax: 1_000_000,
  loadStepPerSecond: 50,
  freeSolutionsPerAddress: 2,
};
const quiet: PowSignals = { loadPerSecond: 0, addressSolutions: 0, addressFailures: 0, risk: 0 };

describe('powDifficulty', () => {
  it('asks for the minimum on a quiet sale from a fresh address', () => {
    expect(powDifficulty(policy, quiet)).toBe(1_000);
  });

  it('doubles for every load step', () => {
    expect(powDifficulty(policy, { ...quiet, loadPerSecond: 49 })).toBe(1_000);
    expect(powDifficulty(policy, { ...quiet, loadPerSecond: 50 })).toBe(2_000);
    expect(powDifficulty(policy, { ...quiet, loadPerSecond: 160 })).toBe(8_000);
  });

  it('gives an address its free challenges at the base, then doubles for each further one', () => {
    expect(powDifficulty(policy, { ...quiet, addressSolutions: 1 })).toBe(1_000);
    expect(powDifficulty(policy, { ...quiet, addressSolutions: 2 })).toBe(2_000);
    expect(powDifficulty(policy, { ...quiet, addressSolutions: 5 })).toBe(16_000);
  });

  it('doubles twice for every failed check', () => {
    expect(powDifficulty(policy, { ...quiet, addressFailures: 1 })).toBe(4_000);
  });

  it('rises with the risk score, up to four doublings', () => {
    expect(powDifficulty(policy, { ...quiet, risk: 0.2 })).toBe(1_000);
    expect(powDifficulty(policy, { ...quiet, risk: 0.25 })).toBe(2_000);
    expect(powDifficulty(policy, { ...quiet, risk: 0.5 })).toBe(4_000);
    expect(powDifficulty(policy, { ...quiet, risk: 1 })).toBe(16_000);
    expect(powDifficulty(policy, { ...quiet, risk: 7 })).toBe(16_000);
  });

  it('never passes the maximum, however much adds up', () => {
    expect(powDifficulty(policy, { loadPerSecond: 1e9, addressSolutions: 1e9, addressFailures: 1e9, risk: 1 })).toBe(
      1_000_000,
    );
  });

  it('ignores nonsense signals rather than asking for less than the minimum', () => {
    expect(powDifficulty(policy, { loadPerSecond: -5, addressSolutions: -1, addressFailures: -1, risk: -1 })).toBe(
      1_000,
    );
  });
});
