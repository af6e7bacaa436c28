import { isbot } from 'isbot';
import type { Signals } from '../contract/schemas.ts';
import {
  deviceContradictions,
  type RiskBand,
  type RiskFacts,
  type RiskPolicy,
  riskBands,
  riskOf,
  riskPolicyDefault,
} from '../domain/antibot/riskScore.ts';
import { BookingError } from '../domain/bookingError.ts';
import type { Command, FrontDoorContext } from './context.ts';
import { type LimiterStore, limiterIn, memoryLimiterStore, rateLimited } from './rateLimit.ts';

/**
 * The risk stage (identify → limits → risk → challenge → admission → handler): what the front door learns about the
 * device and the person behind a request, and what follows from it.
 *
 * - A new session brings its device: the fingerprint's hash and what the fingerprint library saw (user agent,
 *   languages). Sessions per fingerprint are limited (RATE_LIMITED past `sessionsPerDeviceMax` in the window), and
 *   the device is remembered with the session.
 * - Every command with signals (session, queue join, hold) gets a risk score (src/domain/antibot/riskScore.ts) from
 *   that, the address's and the device's sessions in the window, the click's signals and the session's cadence. The
 *   score goes to the challenge stage (harder proof of work) and, for a join, decides whether the entry goes to the
 *   back of the waiting room (`atBack`).
 * - A hold from a session in the event's back-of-room band, at an event with a waiting room, before the room's
 *   hold-back has passed, is refused NOT_ADMITTED saying until when: a risky session waits, it is never dropped.
 *
 * What it observes per session lives in this node's memory (a session seen first on another node is judged from its
 * request alone); the counters of sessions per device and per address are in the limiter store (Redis in a cluster).
 */
export type RiskSettings = Readonly<{
  /**
   * Sessions one device fingerprint may start per `deviceWindowSeconds`. Default 10: identical phones share a
   * fingerprint and a person opens tabs, so the limit only stops farms; the risk score weighs every extra session.
   */
  sessionsPerDeviceMax?: number;
  deviceWindowSeconds?: number;
  /** The window over which sessions per address count towards the risk. Default 600 s. */
  addressWindowSeconds?: number;
  policy?: Partial<RiskPolicy>;
  /** Sessions remembered (LRU), bounding memory. Default 200,000. */
  sessionsRememberedMax?: number;
}>;

/** What the risk stage needs to know about an event (from its catalog entry). */
export type EventRiskSettings = Readonly<{
  backOfRoomFrom: RiskBand | 'never';
  /** Epoch ms until which sessions at the back may not hold; absent: the event has no waiting room. */
  heldBackUntilMs?: number;
}>;

export type RiskSeen = Readonly<{ score: number; band: RiskBand; reasons: readonly string[]; atBack: boolean }>;

export type RiskStage = Readonly<{
  /** Judges the command; resolves with what the handler should know, or refuses (RATE_LIMITED, NOT_ADMITTED). */
  stage(context: FrontDoorContext, command: Command): Promise<RiskSeen | undefined>;
  /** A request of a buyer arrived (the session's cadence). */
  arrived(context: FrontDoorContext): void;
  /** A new session was minted for `userId` by this request, with the device its command brought. */
  sessionMinted(context: FrontDoorContext, userId: string, signals: Signals | undefined): Promise<void>;
  /** A stage refused a request naming `eventId`. */
  refused(context: FrontDoorContext, eventId: string | undefined, stage: RefusalStage): void;
  view(eventId: string): RiskView;
}>;

export const refusalStages = ['limits', 'risk', 'challenge', 'admission', 'actor'] as const;
export type RefusalStage = (typeof refusalStages)[number];

export type RiskView = Readonly<{
  eventId: string;
  /** Sessions that joined this event's waiting room or held at it, by their latest band. */
  sessions: Readonly<Record<RiskBand, number>>;
  /**
   * Sessions sent to the back of the waiting room (each once, however many of its joins reached the stage: a join
   * asked for proof of work passes the stage again when it comes back solved), and holds refused because the
   * session was held back.
   */
  sentToBack: number;
  heldBack: number;
  refusalsByStage: Readonly<Record<RefusalStage, number>>;
  /** The addresses with the most sessions at this event. */
  topAddresses: readonly Readonly<{ address: string; sessions: number; highRisk: number; refusals: number }>[];
}>;

export const emptyRiskView = (eventId: string): RiskView => ({
  eventId,
  sessions: { low: 0, medium: 0, high: 0 },
  sentToBack: 0,
  heldBack: 0,
  refusalsByStage: { limits: 0, risk: 0, challenge: 0, admission: 0, actor: 0 },
  topAddresses: [],
});

type Session = {
  address: string;
  fingerprint?: string;
  userAgent?: string;
  contradictions: number;
  declaredCrawler: boolean;
  /** Recent request instants (ms), newest last. */
  times: number[];
};

type EventBook = {
  bands: Map<string, RiskBand>;
  addressOf: Map<string, string>;
  /** The sessions sent to the back at this event (bounded like `bands`). */
  atBack: Set<string>;
  heldBack: number;
  refusals: Record<RefusalStage, number>;
  addressRefusals: Map<string, number>;
};

const timesKept = 16;
const eventUsersMax = 1_000_000;
const eventsKeptMax = 1_000;
const topAddressesShown = 10;

const bandRank: Readonly<Record<RiskBand | 'never', number>> = { low: 0, medium: 1, high: 2, never: 3 };

export const isAtLeast = (band: RiskBand, from: RiskBand | 'never'): boolean => bandRank[band] >= bandRank[from];

export type RiskStageDeps = Readonly<{
  settings?: RiskSettings;
  store?: LimiterStore;
  nowMs: () => number;
  /** The event's settings; undefined for an unknown event (its handler answers NOT_FOUND). */
  eventSettings: (eventId: string) => Promise<EventRiskSettings | undefined>;
}>;

/**
 * A crawler or script that says so in its User-Agent (isbot), except the HTTP clients the SDK itself runs on: React
 * Native's fetch on Android (okhttp) and Node's (node, undici) announce the library, not a crawler, and a person on the
 * mobile app must not look like one.
 */
const sdkPlatforms = /^(okhttp|node|undici)(\/|$)/i;
export const declaresCrawler = (userAgent: string | undefined): boolean =>
  userAgent !== undefined && !sdkPlatforms.test(userAgent) && isbot(userAgent);

const signalsOf = (command: Command): Signals | undefined =>
  command.kind === 'session' || command.kind === 'queueJoin' || command.kind === 'hold' ? command.signals : undefined;

export const createRiskStage = (deps: RiskStageDeps): RiskStage => {
  const settings = deps.settings ?? {};
  const store = deps.store ?? memoryLimiterStore;
  const policy: RiskPolicy = { ...riskPolicyDefault, ...settings.policy };
  const sessionsPerDeviceMax = settings.sessionsPerDeviceMax ?? 10;
  const deviceSessions = limiterIn(store, {
    points: sessionsPerDeviceMax,
    duration: settings.deviceWindowSeconds ?? 600,
    keyPrefix: 'device-sessions',
  });
  const addressSessions = limiterIn(store, {
    points: Number.MAX_SAFE_INTEGER,
    duration: settings.addressWindowSeconds ?? 600,
    keyPrefix: 'address-sessions',
  });
  const sessionsMax = settings.sessionsRememberedMax ?? 200_000;
  const sessions = new Map<string, Session>();
  const events = new Map<string, EventBook>();

  const spent = async (limiter: typeof deviceSessions, key: string | undefined): Promise<number> =>
    key === undefined ? 0 : ((await limiter.get(key))?.consumedPoints ?? 0);

  const remember = (userId: string, session: Session) => {
    sessions.delete(userId);
    sessions.set(userId, session);
    if (sessions.size > sessionsMax) sessions.delete(sessions.keys().next().value as string);
  };

  const bookOf = (eventId: string): EventBook => {
    let book = events.get(eventId);
    if (book === undefined) {
      if (events.size >= eventsKeptMax) events.delete(events.keys().next().value as string);
      book = {
        bands: new Map(),
        addressOf: new Map(),
        atBack: new Set(),
        heldBack: 0,
        refusals: { limits: 0, risk: 0, challenge: 0, admission: 0, actor: 0 },
        addressRefusals: new Map(),
      };
      events.set(eventId, book);
    }
    return book;
  };

  const headersOf = (context: FrontDoorContext) => context.headers ?? {};

  /** A new session's facts: this request alone, plus the counters of its device and address. */
  const newSessionFacts = async (context: FrontDoorContext, signals: Signals | undefined): Promise<RiskFacts> => {
    const headers = headersOf(context);
    return {
      declaredCrawler: declaresCrawler(headers.userAgent),
      fingerprinted: signals?.fingerprint !== undefined,
      contradictions: deviceContradictions(signals?.device, headers).length,
      sessionsOnDevice: signals?.fingerprint === undefined ? 0 : (await spent(deviceSessions, signals.fingerprint)) + 1,
      sessionsOnAddress: (await spent(addressSessions, context.client)) + 1,
      requestGapsMs: [],
    };
  };

  /** A buyer's facts: their session as minted (or this request, when this node never saw it) and this click. */
  const buyerFacts = async (
    context: FrontDoorContext,
    userId: string,
    signals: Signals | undefined,
  ): Promise<RiskFacts> => {
    const headers = headersOf(context);
    const session = sessions.get(userId);
    const fingerprint = session?.fingerprint ?? signals?.fingerprint;
    const changed =
      session?.fingerprint !== undefined &&
      signals?.fingerprint !== undefined &&
      signals.fingerprint !== session.fingerprint;
    const times = session?.times ?? [];
    const declared = (session?.declaredCrawler ?? false) || declaresCrawler(headers.userAgent);
    return {
      declaredCrawler: declared,
      fingerprinted: fingerprint !== undefined,
      contradictions:
        (session?.contradictions ?? 0) + (changed ? 1 : 0) + deviceContradictions(signals?.device, headers).length,
      sessionsOnDevice: await spent(deviceSessions, fingerprint),
      sessionsOnAddress: Math.max(1, await spent(addressSessions, session?.address ?? context.client)),
      ...(signals === undefined
        ? {}
        : {
            action: {
              ...(signals.pointerEvents === undefined ? {} : { pointerEvents: signals.pointerEvents }),
              ...(signals.msSinceMapShown === undefined ? {} : { msSinceMapShown: signals.msSinceMapShown }),
            },
          }),
      requestGapsMs: times.slice(1).map((at, i) => at - times[i]!),
    };
  };

  const judge = (facts: RiskFacts) => riskOf(facts, policy);

  return {
    async stage(context, command) {
      const signals = signalsOf(command);
      if (command.kind === 'session') {
        if (context.who.kind === 'buyer') return undefined;
        const fingerprint = signals?.fingerprint;
        if (fingerprint !== undefined && (await spent(deviceSessions, fingerprint)) >= sessionsPerDeviceMax) {
          const left = await deviceSessions.get(fingerprint);
          rateLimited(left, 'too many new sessions from this device');
        }
        const risk = judge(await newSessionFacts(context, signals));
        return { ...risk, atBack: false };
      }
      if (command.kind !== 'queueJoin' && command.kind !== 'hold') return undefined;
      if (context.who.kind !== 'buyer') return undefined;
      const { userId } = context.who;
      const risk = judge(await buyerFacts(context, userId, signals));
      const event = await deps.eventSettings(command.eventId);
      if (event === undefined) return { ...risk, atBack: false };
      const book = bookOf(command.eventId);
      if (book.bands.size < eventUsersMax || book.bands.has(userId)) {
        book.bands.set(userId, risk.band);
        book.addressOf.set(userId, sessions.get(userId)?.address ?? context.client);
      }
      const atBack = isAtLeast(risk.band, event.backOfRoomFrom);
      if (command.kind === 'queueJoin') {
        // A Set: adding a member already there changes nothing, so only the bound needs checking.
        if (atBack && book.atBack.size < eventUsersMax) book.atBack.add(userId);
        return { ...risk, atBack };
      }
      const until = event.heldBackUntilMs;
      if (atBack && until !== undefined && deps.nowMs() < until) {
        book.heldBack += 1;
        throw new BookingError(
          'NOT_ADMITTED',
          `this session is held back until ${new Date(until).toISOString()} (risk checks: ${risk.reasons.join(', ')}); ` +
            'your place in the waiting room is kept: try again then',
          { retryAfterSeconds: Math.max(1, Math.ceil((until - deps.nowMs()) / 1000)) },
        );
      }
      return { ...risk, atBack };
    },

    arrived(context) {
      if (context.who.kind !== 'buyer') return;
      const session = sessions.get(context.who.userId);
      if (session === undefined) return;
      session.times.push(deps.nowMs());
      if (session.times.length > timesKept) session.times.shift();
    },

    async sessionMinted(context, userId, signals) {
      const headers = headersOf(context);
      const fingerprint = signals?.fingerprint;
      await Promise.all([
        addressSessions.penalty(context.client, 1),
        fingerprint === undefined ? undefined : deviceSessions.penalty(fingerprint, 1),
      ]);
      remember(userId, {
        address: context.client,
        ...(fingerprint === undefined ? {} : { fingerprint }),
        ...(headers.userAgent === undefined ? {} : { userAgent: headers.userAgent }),
        contradictions: deviceContradictions(signals?.device, headers).length,
        declaredCrawler: declaresCrawler(headers.userAgent),
        times: [deps.nowMs()],
      });
    },

    refused(context, eventId, stage) {
      if (eventId === undefined) return;
      const book = bookOf(eventId);
      book.refusals[stage] += 1;
      const address =
        context.who.kind === 'buyer' ? (sessions.get(context.who.userId)?.address ?? context.client) : context.client;
      book.addressRefusals.set(address, (book.addressRefusals.get(address) ?? 0) + 1);
    },

    view(eventId) {
      const book = events.get(eventId);
      if (book === undefined) return emptyRiskView(eventId);
      const counts = Object.fromEntries(riskBands.map((band) => [band, 0])) as Record<RiskBand, number>;
      const byAddress = new Map<string, { sessions: number; highRisk: number }>();
      for (const [userId, band] of book.bands) {
        counts[band] += 1;
        const address = book.addressOf.get(userId)!;
        const seen = byAddress.get(address) ?? { sessions: 0, highRisk: 0 };
        seen.sessions += 1;
        if (band === 'high') seen.highRisk += 1;
        byAddress.set(address, seen);
      }
      const topAddresses = [...byAddress]
        .sort((a, b) => b[1].sessions - a[1].sessions || a[0].localeCompare(b[0]))
        .slice(0, topAddressesShown)
        .map(([address, seen]) => ({ address, ...seen, refusals: book.addressRefusals.get(address) ?? 0 }));
      return {
        eventId,
        sessions: counts,
        sentToBack: book.atBack.size,
        heldBack: book.heldBack,
        refusalsByStage: { ...book.refusals },
        topAddresses,
      };
    },
  };
};
