import { describe, expect, it } from 'vitest';
import { ceilingHolds } from './ceilingHolds.ts';

describe('benchmark baselines and a hold that replaces another', () => {
  const holds = ceilingHolds(() => 1_000);
  const request = { kind: 'seats', seatIds: ['A-1'] } as const;

  it('hold named seats', async () => {
    expect((await holds.hold('evt', 'u1', 'r1', request)).seatIds).toEqual(['A-1']);
  });

  it('refuse replacesHoldId with INVALID_INPUT instead of placing a second hold beside the first', async () => {
    await expect(holds.hold('evt', 'u1', 'r2', request, { replacesHoldId: 'evt.h0' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
