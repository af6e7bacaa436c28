import { describe, expect, it } from 'vitest';
import { holdBest, holdGeneral, holdSeats, releaseHold, reserveHold, T0 } from './inventoryFixture.ts';
import { holdRequestHash, isSameRequest, requestFingerprint } from './requests.ts';
import type { RequestOutcome } from './state.ts';

const heldOutcome = (requestHash?: string): RequestOutcome => ({
  kind: 'hold',
  holdId: 'h1',
  seatIds: ['ORCH-A-1', 'ORCH-A-2'],
  quantity: 2,
  expiresAt: T0,
  ...(requestHash === undefined ? {} : { requestHash }),
});

describe('request fingerprints', () => {
  it('hashes a hold payload canonically: seats and expected versions in any order are one request', () => {
    expect(holdRequestHash({ kind: 'seats', seatIds: ['B', 'A'], expectedVersions: { B: 1, A: 2 } })).toBe(
      holdRequestHash({ kind: 'seats', seatIds: ['A', 'B'], expectedVersions: { A: 2, B: 1 } }),
    );
    const different = [
      holdRequestHash({ kind: 'seats', seatIds: ['A', 'B'] }),
      holdRequestHash({ kind: 'seats', seatIds: ['A', 'B'], expectedVersions: { A: 2 } }),
      holdRequestHash({ kind: 'seats', seatIds: ['A'] }),
      holdRequestHash({ kind: 'general', sectionId: 'FLOOR', quantity: 2 }),
      holdRequestHash({ kind: 'general', sectionId: 'FLOOR', quantity: 3 }),
      holdRequestHash({ kind: 'bestAvailable', quantity: 2 }),
      holdRequestHash({ kind: 'bestAvailable', quantity: 2, sectionId: 'FLOOR' }),
      holdRequestHash({ kind: 'bestAvailable', quantity: 2, priceTier: 'FLOOR' }),
    ];
    expect(new Set(different).size).toBe(different.length);
    expect(different.every((hash) => /^[0-9a-z]{1,11}$/.test(hash))).toBe(true);
  });

  it('tells a retry from a request id reused for another payload or another kind', () => {
    const command = holdSeats('h9', 'u1', ['ORCH-A-2', 'ORCH-A-1'], T0);
    const remembered = heldOutcome(holdRequestHash({ kind: 'seats', seatIds: ['ORCH-A-1', 'ORCH-A-2'] }));
    expect(isSameRequest(command, remembered)).toBe(true);
    expect(isSameRequest(holdSeats('h9', 'u1', ['ORCH-A-3'], T0), remembered)).toBe(false);
    expect(isSameRequest(holdGeneral('h9', 'u1', 2, T0), remembered)).toBe(false);
    expect(isSameRequest(releaseHold('h1', 'u1', T0), remembered)).toBe(false);

    const releasedA: RequestOutcome = { kind: 'release', holdId: 'hA' };
    expect(isSameRequest(releaseHold('hA', 'u1', T0), releasedA)).toBe(true);
    expect(isSameRequest(releaseHold('hB', 'u1', T0), releasedA)).toBe(false);
    const reservedA: RequestOutcome = { kind: 'reserve', holdId: 'hA', orderId: 'o1', reservedUntil: T0 };
    expect(isSameRequest(reserveHold('hA', 'o2', 'u1', T0), reservedA)).toBe(true);
    expect(isSameRequest(reserveHold('hB', 'o2', 'u1', T0), reservedA)).toBe(false);
    expect(isSameRequest(releaseHold('hA', 'u1', T0), reservedA)).toBe(false);
  });

  it('takes any hold as the retry of a hold remembered from before hashes, but not another kind', () => {
    expect(isSameRequest(holdBest('h9', 'u1', 3, T0), heldOutcome())).toBe(true);
    expect(isSameRequest(releaseHold('h1', 'u1', T0), heldOutcome())).toBe(false);
  });

  it('has no fingerprint for commands no buyer names by request id', () => {
    expect(requestFingerprint({ type: 'ExpireHolds', data: { now: T0 } })).toBeUndefined();
  });
});
