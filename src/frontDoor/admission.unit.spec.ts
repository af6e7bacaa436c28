import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.ts';
import { createAdmissionTokens } from '../services/admissionTokens.ts';
import { createAdmissionStage, noAdmissionStage } from './admission.ts';

const secret = 'k'.repeat(32);
const at = Date.UTC(2026, 0, 1, 12);
const admission = { userId: 'u_ann', eventId: 'evt_1', queueId: 'q7', expiresAt: at + 600_500 };

const setup = () => {
  const clock = new ManualClock(at);
  const tokens = createAdmissionTokens(secret, () => clock.now());
  return { clock, tokens, stage: createAdmissionStage(tokens) };
};

describe('the admission stage', () => {
  it('passes a hold without a token on with no admission (the actor decides whether it needs one)', async () => {
    const { stage } = setup();
    expect(await stage({ eventId: 'evt_1', userId: 'u_ann', admissionToken: undefined })).toBeUndefined();
  });

  it("grants the token's buyer, for the token's event, until the admission ends (whole seconds, never later)", async () => {
    const { stage, tokens } = setup();
    const token = await tokens.sign(admission);
    expect(await tokens.sign(admission)).toBe(token);
    expect(await stage({ eventId: 'evt_1', userId: 'u_ann', admissionToken: token })).toBe(at + 600_000);
  });

  it('refuses NOT_ADMITTED a token after its expiry, of another buyer or event, or signed with another key', async () => {
    const { stage, tokens, clock } = setup();
    const token = await tokens.sign(admission);
    const refusal = (context: Parameters<typeof stage>[0]) => stage(context).catch((error: unknown) => error);
    await expect(refusal({ eventId: 'evt_1', userId: 'u_bob', admissionToken: token })).resolves.toMatchObject({
      code: 'NOT_ADMITTED',
      message: expect.stringContaining('another buyer'),
    });
    await expect(refusal({ eventId: 'evt_2', userId: 'u_ann', admissionToken: token })).resolves.toMatchObject({
      code: 'NOT_ADMITTED',
      message: expect.stringContaining('another event'),
    });
    const forged = await createAdmissionTokens('f'.repeat(32), () => clock.now()).sign(admission);
    await expect(refusal({ eventId: 'evt_1', userId: 'u_ann', admissionToken: forged })).resolves.toMatchObject({
      code: 'NOT_ADMITTED',
      message: expect.stringContaining('does not verify'),
    });
    clock.set(at + 600_000);
    await expect(refusal({ eventId: 'evt_1', userId: 'u_ann', admissionToken: token })).resolves.toMatchObject({
      code: 'NOT_ADMITTED',
      message: expect.stringContaining('run out'),
    });
  });

  it('refuses every token on a server without waiting rooms', async () => {
    const token = await setup().tokens.sign(admission);
    await expect(noAdmissionStage({ eventId: 'evt_1', userId: 'u_ann', admissionToken: token })).rejects.toMatchObject({
      code: 'NOT_ADMITTED',
    });
  });
});
