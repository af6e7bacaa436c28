import { describe, expect, it } from 'vitest';
import type { Signals } from '../contract/schemas.ts';
import type { FrontDoorContext } from './context.ts';
import { refusalOf } from './frontDoorFixture.ts';
import { createRiskStage, declaresCrawler, type EventRiskSettings } from './risk.ts';

const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const headers = { userAgent: chrome, acceptLanguage: 'en-US,en;q=0.9' };
const reads = { enter: () => () => {}, admit: async () => {}, charge: () => {} };

const guest = (client: string): FrontDoorContext => ({
  transport: 'rest',
  kind: 'session',
  client,
  credentials: { kind: 'bearer', token: undefined },
  limited: true,
  headers,
  who: { kind: 'guest' },
  reads,
});
const buyer = (userId: string, client: string): FrontDoorContext => ({
  transport: 'socket',
  kind: 'hold',
  client,
  connectionId: `socket-${userId}`,
  credentials: { kind: 'session', userId, expiresAtMs: 1e15 },
  limited: true,
  headers,
  who: { kind: 'buyer', userId, sessionExpiresAtMs: 1e15 },
  reads,
});
const device = (fingerprint: string): Signals => ({
  fingerprint,
  device: { userAgent: chrome, languages: ['en-US', 'en'] },
});
const person = (fingerprint: string): Signals => ({
  ...device(fingerprint),
  pointerEvents: 12,
  msSinceMapShown: 3_000,
});
const script = (fingerprint: string): Signals => ({ ...device(fingerprint), pointerEvents: 0, msSinceMapShown: 4 });

const saleOpensAt = 1_000_000;
const event: EventRiskSettings = { backOfRoomFrom: 'high', heldBackUntilMs: saleOpensAt + 120_000 };

const stageAt = (now: { ms: number }, events: Record<string, EventRiskSettings> = { e1: event }) =>
  createRiskStage({
    nowMs: () => now.ms,
    settings: { sessionsPerDeviceMax: 2 },
    eventSettings: async (eventId) => events[eventId],
  });

/** Mints a session for `userId` from `client` with `signals`, through the stage as the session route does. */
const mint = async (risk: ReturnType<typeof stageAt>, userId: string, client: string, signals: Signals) => {
  await risk.stage(guest(client), { kind: 'session', signals });
  await risk.sessionMinted(guest(client), userId, signals);
};

describe('the risk stage', () => {
  it('judges a person low and lets them join and hold at the front', async () => {
    const now = { ms: saleOpensAt + 1_000 };
    const risk = stageAt(now);
    await mint(risk, 'person', '198.51.100.1', device('person-device'));
    const join = await risk.stage(buyer('person', '198.51.100.1'), {
      kind: 'queueJoin',
      eventId: 'e1',
      requestId: 'r1',
      signals: person('person-device'),
    });
    expect(join).toEqual({ score: 0, band: 'low', reasons: [], atBack: false });
    expect(
      await refusalOf(
        risk.stage(buyer('person', '198.51.100.1'), {
          kind: 'hold',
          eventId: 'e1',
          requestId: 'r2',
          request: { kind: 'bestAvailable', quantity: 2 },
          signals: person('person-device'),
        }),
      ),
    ).toBeUndefined();
  });

  it('refuses a third session on one device (RATE_LIMITED), from any address', async () => {
    const risk = stageAt({ ms: 0 });
    await mint(risk, 'a', '198.51.100.2', device('shared-device'));
    await mint(risk, 'b', '198.51.100.3', device('shared-device'));
    expect(
      await refusalOf(risk.stage(guest('198.51.100.4'), { kind: 'session', signals: device('shared-device') })),
    ).toBe('RATE_LIMITED');
    expect(await refusalOf(risk.stage(guest('198.51.100.4'), { kind: 'session', signals: device('other') }))).toBe(
      undefined,
    );
  });

  it('sends a script to the back, holds its holds back until the hold-back passed, and counts it', async () => {
    const now = { ms: saleOpensAt - 5_000 };
    const risk = stageAt(now);
    await mint(risk, 'bot1', '198.51.100.9', device('bot-device'));
    await mint(risk, 'bot2', '198.51.100.9', device('bot-device'));
    const join = await risk.stage(buyer('bot2', '198.51.100.9'), {
      kind: 'queueJoin',
      eventId: 'e1',
      requestId: 'r1',
      signals: script('bot-device'),
    });
    expect(join).toMatchObject({ band: 'high', atBack: true });
    expect(join?.reasons).toEqual(['sessionsOnDevice', 'noPointerEvents', 'tooFastAfterMap']);
    const hold = {
      kind: 'hold',
      eventId: 'e1',
      requestId: 'r2',
      request: { kind: 'bestAvailable', quantity: 4 },
      signals: script('bot-device'),
    } as const;
    now.ms = saleOpensAt + 119_000;
    expect(await refusalOf(risk.stage(buyer('bot2', '198.51.100.9'), hold))).toBe('NOT_ADMITTED');
    now.ms = saleOpensAt + 120_000;
    expect(await refusalOf(risk.stage(buyer('bot2', '198.51.100.9'), hold))).toBeUndefined();
    expect(risk.view('e1')).toMatchObject({ sessions: { low: 0, medium: 0, high: 1 }, sentToBack: 1, heldBack: 1 });
  });

  it('counts a session sent to the back once, however many of its joins reach the stage', async () => {
    const risk = stageAt({ ms: saleOpensAt - 5_000 });
    await mint(risk, 'bot1', '198.51.100.10', device('bot-device'));
    await mint(risk, 'bot2', '198.51.100.10', device('bot-device'));
    const join = (userId: string, requestId: string) =>
      risk.stage(buyer(userId, '198.51.100.10'), {
        kind: 'queueJoin',
        eventId: 'e1',
        requestId,
        signals: script('bot-device'),
      });
    // The first join is answered CHALLENGE_REQUIRED by a later stage and comes back solved: the same join twice.
    expect(await join('bot2', 'r1')).toMatchObject({ atBack: true });
    expect(await join('bot2', 'r1')).toMatchObject({ atBack: true });
    expect(risk.view('e1').sentToBack).toBe(1);
    expect(await join('bot1', 'r2')).toMatchObject({ atBack: true });
    expect(risk.view('e1').sentToBack).toBe(2);
  });

  it('raises a session whose address fills with sessions after it joined (the address is counted when judged)', async () => {
    const risk = stageAt({ ms: saleOpensAt });
    await mint(risk, 'first', '198.51.100.20', device('d1'));
    const early = await risk.stage(buyer('first', '198.51.100.20'), {
      kind: 'queueJoin',
      eventId: 'e1',
      requestId: 'r1',
      signals: person('d1'),
    });
    expect(early?.band).toBe('low');
    for (const [i, name] of ['second', 'third', 'fourth', 'fifth'].entries())
      await mint(risk, name, '198.51.100.20', device(`d${i + 2}`));
    const later = risk.stage(buyer('first', '198.51.100.20'), {
      kind: 'hold',
      eventId: 'e1',
      requestId: 'r2',
      request: { kind: 'bestAvailable', quantity: 1 },
      signals: person('d1'),
    });
    // Five sessions on one address: 0.6, the high band, whatever the session did itself.
    expect(await refusalOf(later)).toBe('NOT_ADMITTED');
    expect(risk.view('e1').sessions).toEqual({ low: 0, medium: 0, high: 1 });
  });

  it('takes a fingerprint that changes within a session, or claims that contradict the headers, as contradictions', async () => {
    const risk = stageAt({ ms: 0 });
    await mint(risk, 'u', '198.51.100.30', device('original'));
    const join = await risk.stage(buyer('u', '198.51.100.30'), {
      kind: 'queueJoin',
      eventId: 'e1',
      requestId: 'r1',
      signals: { ...person('replaced'), device: { userAgent: 'Mozilla/5.0 Firefox/133.0', languages: ['en-US'] } },
    });
    expect(join).toMatchObject({ score: 0.5, band: 'medium', reasons: ['contradictingDevice'], atBack: false });
  });

  it('never takes the SDK platforms for crawlers, and takes declared crawlers and scripts for what they say', () => {
    expect(declaresCrawler(chrome)).toBe(false);
    expect(declaresCrawler('node')).toBe(false);
    expect(declaresCrawler('okhttp/4.9.2')).toBe(false);
    expect(declaresCrawler('Googlebot/2.1 (+http://www.google.com/bot.html)')).toBe(true);
    expect(declaresCrawler('curl/8.5.0')).toBe(true);
    expect(declaresCrawler(undefined)).toBe(false);
  });
});
