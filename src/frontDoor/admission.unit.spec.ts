import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.ts';
import { createAdmissionTokens } from '../services/admissionTokens.ts';
import { type AdmissionStage, createAdmissionStage, noAdmissionStage } from './admission.ts';
import type { FrontDoorContext } from './context.ts';
import { socketArrival } from './frontDoorFixture.ts';

const secret = 'k'.repeat(32);
const at = Date.UTC(2026, 0, 1, 12);
const admission = { userId: 'u_ann', eventId: 'evt_1', queueId: 'q7', expiresAt: at + 600_500 };

type Presented = Readonly<{ eventId: string; userId: string; admissionToken: string | undefined }>;

/** The stage as a hold of `userId` for `eventId` that presents `admissionToken` meets it in the front door. */
const asHold =
  (stage: AdmissionStage) =>
  ({ eventId, userId, admissionToken }: Presented) => {
    const context: FrontDoorContext = {
      ...socketArrival({ eventId }),
      who: { kind: 'buyer', userId, sessionExpiresAtMs: Number.MAX_SAFE_INTEGER },
      reads: { enter: () => () => {}, admit: async () => {}, charge: () => {} },
    };
    const request = { kind: 'seats', seatIds: ['A-1'] } as const;
    return stage(context, {
      kind: 'hold',
      eventId,
      requestId: 'r1',
      request,
      ...(admissionToken === undefined ? {} : { admissionToken }),
    });
  };

const setup = () => {
  const clock = new ManualClock(at);
  const tokens = createAdmissionTokens(secret, () => clock.now());
  return { clock, tokens, stage: asHold(createAdmissionStage(tokens)) };
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
    const refusal = (context: Parameters<typeof stage>[0]) =>
      Promise.resolve(stage(context)).catch((error: unknown) => error);
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

  it('asks nothing of a command that is not a hold', async () => {
    const { tokens } = setup();
    const context: FrontDoorContext = {
      ...socketArrival(),
      who: { kind: 'buyer', userId: 'u_ann', sessionExpiresAtMs: Number.MAX_SAFE_INTEGER },
      reads: { enter: () => () => {}, admit: async () => {}, charge: () => {} },
    };
    const release = { kind: 'release', holdId: 'evt_1.h1', requestId: 'r1' } as const;
    expect(await createAdmissionStage(tokens)(context, release)).toBeUndefined();
    expect(await noAdmissionStage(context, release)).toBeUndefined();
  });

  it('refuses every token on a server without waiting rooms', async () => {
    const token = await setup().tokens.sign(admission);
    await expect(
      asHold(noAdmissionStage)({ eventId: 'evt_1', userId: 'u_ann', admissionToken: token }),
    ).rejects.toMatchObject({
      code: 'NOT_ADMITTED',
    });
  });
});
