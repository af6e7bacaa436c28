import { describe, expect, it } from 'vitest';
import { BookingError } from '../domain/bookingError.ts';
import type { HoldView } from '../domain/seatMap/views.ts';
import type { SocketHolds } from '../services/bookingService.ts';
import type { Command, FrontDoorContext } from './context.ts';
import { buyerToken, expiredToken, refusalOf, restArrival, socketArrival, verifier } from './frontDoorFixture.ts';
import { createIdentify, createIdentifyNow } from './identify.ts';
import { createLimits } from './limits.ts';
import { createFrontDoor, type FrontDoorStages } from './pipeline.ts';
import type { RiskStage } from './risk.ts';

const hold: HoldView = { holdId: 'e1.h1', seatIds: ['A-1'], quantity: 1, expiresAt: '2026-01-01T00:08:00.000Z' };

/** A service that records what reached it, and a trace of the stages in the order they ran. */
const setUp = (overrides: Partial<FrontDoorStages> = {}) => {
  const trace: string[] = [];
  const reached: unknown[][] = [];
  const holds: SocketHolds = {
    hold: async (...args) => {
      reached.push(['hold', ...args]);
      return hold;
    },
    release: async (...args) => {
      reached.push(['release', ...args]);
    },
  };
  const identify = createIdentify(verifier, () => 1_000);
  const limits = createLimits({ restRequestsPerSecondMax: 1 / 60, restWindowSeconds: 60 });
  const door = createFrontDoor({
    identify: async (arrival) => {
      trace.push('identify');
      return identify(arrival);
    },
    limits: {
      ...limits,
      stage: async (arrival, who) => {
        trace.push('limits');
        return limits.stage(arrival, who);
      },
    },
    challenge: async (_context, command) => {
      trace.push(`challenge ${command.kind}`);
    },
    admission: async (_context, command) => {
      trace.push(`admission ${command.kind}`);
      return undefined;
    },
    holds,
    ...overrides,
  });
  return { door, trace, reached };
};

const holdCommand = { eventId: 'e1', requestId: 'r1', request: { kind: 'seats', seatIds: ['A-1'] } } as const;

describe('front door pipeline', () => {
  it('given a socket hold, runs identify → limits → challenge → admission, then the service, as that buyer', async () => {
    const { door, trace, reached } = setUp();
    const context = await door.arrive(socketArrival());
    expect(await door.hold(context, holdCommand)).toEqual(hold);
    expect(trace).toEqual(['identify', 'limits', 'challenge hold', 'admission hold']);
    expect(reached).toEqual([['hold', 'e1', 'u1', 'r1', holdCommand.request, {}]]);
  });

  it('given a REST hold and a REST release, they reach the same service through the same stages', async () => {
    const { door, trace, reached } = setUp();
    const context = await door.arrive(restArrival({ kind: 'hold' }));
    await door.hold(context, holdCommand);
    await door.release(context, { holdId: 'e1.h1', requestId: 'r2' });
    expect(trace).toEqual([
      'identify',
      'limits',
      'challenge hold',
      'admission hold',
      'challenge release',
      'admission release',
    ]);
    expect(reached).toEqual([
      ['hold', 'e1', 'u1', 'r1', holdCommand.request, {}],
      ['release', 'e1.h1', 'u1', 'r2'],
    ]);
  });

  it('when the limits refuse, nothing after them runs and the caller gets RATE_LIMITED', async () => {
    const { door, trace } = setUp();
    await door.arrive(restArrival());
    expect(await refusalOf(door.arrive(restArrival()))).toBe('RATE_LIMITED');
    expect(trace).toEqual(['identify', 'limits', 'identify', 'limits']);
  });

  it('decided at once for a guest: counted against the same limit as arrive, seen by risk, refused past the limit', () => {
    const trace: string[] = [];
    const risk = {
      arrived: (context: FrontDoorContext) => trace.push(`arrived ${context.who.kind}`),
      refused: (_context: FrontDoorContext, eventId: string | undefined, stage: string) =>
        trace.push(`refused ${eventId} at ${stage}`),
    } as unknown as RiskStage;
    const { door } = setUp({ identifyNow: createIdentifyNow(verifier, () => 1_000), risk });
    const guest = restArrival({ credentials: { kind: 'bearer', token: undefined }, eventId: 'e1' });
    expect(door.arriveNow(guest)).toMatchObject({ ...guest, who: { kind: 'guest' } });
    expect(() => door.arriveNow(guest)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    expect(trace).toEqual(['arrived guest', 'refused e1 at limits']);
    return expect(refusalOf(door.arrive(guest))).resolves.toBe('RATE_LIMITED');
  });

  it('decides nothing at once for a buyer token (its signature is checked asynchronously), nor without identifyNow', async () => {
    const withNow = setUp({ identifyNow: createIdentifyNow(verifier, () => 1_000) });
    expect(withNow.door.arriveNow(restArrival({ credentials: { kind: 'bearer', token: buyerToken } }))).toBeUndefined();
    // Nothing was counted: the one request of the window still passes.
    expect(await refusalOf(withNow.door.arrive(restArrival()))).toBeUndefined();
    expect(setUp().door.arriveNow(restArrival({ credentials: { kind: 'bearer', token: undefined } }))).toBeUndefined();
  });

  it('when a stale token arrives, the request still passes identify and limits; a hold then says why it is refused', async () => {
    const { door, reached } = setUp();
    const context = await door.arrive(restArrival({ credentials: { kind: 'bearer', token: expiredToken } }));
    expect(context.who.kind).toBe('refused');
    expect(await refusalOf(door.hold(context, holdCommand))).toBe('UNAUTHORIZED');
    expect(reached).toEqual([]);
  });

  it('when a challenge stage refuses, the command never reaches admission or the service', async () => {
    const { door, trace, reached } = setUp({
      challenge: async () => {
        trace.push('challenge refuses');
        throw new BookingError('RATE_LIMITED', 'prove some work first');
      },
    });
    const context = await door.arrive(socketArrival());
    await expect(door.hold(context, holdCommand)).rejects.toThrow('prove some work first');
    expect(trace).toEqual(['identify', 'limits', 'challenge refuses']);
    expect(reached).toEqual([]);
  });

  it('when admission grants until a time, the handler sees it in its context; absent, the context has none', async () => {
    const seen: (number | undefined)[] = [];
    const handler = async (context: FrontDoorContext) => {
      seen.push(context.admittedUntilMs);
      return 'handled';
    };
    const admitting = setUp({
      admission: async (_context, command: Command) => (command.kind === 'hold' ? 9_000 : undefined),
    });
    const context = await admitting.door.arrive(socketArrival());
    expect(await admitting.door.run(context, { kind: 'hold', ...holdCommand }, handler)).toBe('handled');
    await admitting.door.run(context, { kind: 'release', holdId: 'e1.h1', requestId: 'r2' }, handler);
    expect(seen).toEqual([9_000, undefined]);
  });

  it('hands the service the admission and the hold a hold replaces', async () => {
    const { door, reached } = setUp({
      admission: async (_context, command) => (command.kind === 'hold' ? 9_000 : undefined),
    });
    const context = await door.arrive(socketArrival());
    await door.hold(context, { ...holdCommand, replacesHoldId: 'e1.h0' });
    expect(reached).toEqual([
      ['hold', 'e1', 'u1', 'r1', holdCommand.request, { admittedUntil: 9_000, replacesHoldId: 'e1.h0' }],
    ]);
  });

  it('given the default stages, challenge and admission let every command through', async () => {
    const identify = createIdentify(verifier, () => 1_000);
    const plain = createFrontDoor({
      identify,
      limits: createLimits(),
      holds: { hold: async () => hold, release: async () => {} },
    });
    const context = await plain.arrive(socketArrival());
    expect(await plain.hold(context, holdCommand)).toEqual(hold);
    expect(context.admittedUntilMs).toBeUndefined();
  });
});
