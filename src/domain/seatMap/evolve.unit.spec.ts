import { describe, expect, it } from 'vitest';
import type { InventoryEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { inventoryViolations } from './invariants.ts';
import { expired, generalHeld, released, reserved, seatsHeld, sold, stateFrom, T0 } from './inventoryFixture.ts';

/**
 * evolve refuses events decide never writes: they are programmer errors, and the actor throws the state away
 * and restarts from the store, so only the refusal matters here, not what is left of the state.
 */
const refuses = (history: readonly InventoryEvent[], event: InventoryEvent): void => {
  const state = stateFrom(history);
  expect(inventoryViolations(state)).toEqual([]);
  expect(() => evolve(state, event)).toThrow();
};

describe('evolve refuses illegal events', () => {
  const seated = seatsHeld('h1', 'u1', ['ORCH-A-1', 'ORCH-A-2'], T0);
  const general = generalHeld('h2', 'u2', 2, T0);

  for (const [kind, placed] of [
    ['seated', seated],
    ['general-admission', general],
  ] as const) {
    it(`does not expire or release a reserved ${kind} hold`, () => {
      const history = [placed, reserved(placed, 'o1', T0 + 1)];
      refuses(history, expired(placed, T0 + 10 * 60_000));
      refuses(history, released(placed, T0 + 2));
    });

    it(`does not expire or release a sold ${kind} hold`, () => {
      const history = [placed, reserved(placed, 'o1', T0 + 1), sold(placed, 'o1', T0 + 2)];
      refuses(history, expired(placed, T0 + 10 * 60_000));
      refuses(history, released(placed, T0 + 3));
    });

    it(`does not reserve a ${kind} hold twice or sell one that is not reserved`, () => {
      refuses([placed, reserved(placed, 'o1', T0 + 1)], reserved(placed, 'o2', T0 + 2));
      refuses([placed], sold(placed, 'o1', T0 + 2));
    });
  }

  it('does not apply an event for an unknown hold or seat', () => {
    refuses([], expired(seated, T0));
    refuses([], seatsHeld('h3', 'u3', ['ORCH-Z-1'], T0));
    refuses([seated], seatsHeld('h3', 'u3', ['ORCH-A-2'], T0));
  });
});

describe("the buyers' hold lists", () => {
  it('are checked to list each live hold once: a stale or repeated entry is a violation', () => {
    const state = stateFrom([seatsHeld('h1', 'u1', ['ORCH-A-1'], T0)]);
    expect(inventoryViolations(state)).toEqual([]);
    const listed = state.holdsOfUser.get('u1')!;
    (listed as number[]).push(listed[0]!);
    expect(inventoryViolations(state)).toContain('buyers list 2 holds, there are 1');
  });
});
