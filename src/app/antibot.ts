import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PowPolicy } from '../domain/antibot/powDifficulty.ts';
import { riskyHeldBackSecondsDefault } from '../domain/queue/room.ts';
import type { EventConfig } from '../domain/venue.ts';
import {
  type ChallengeSettings,
  type ChallengeStage,
  createChallengeStage,
  type EventChallengeSettings,
} from '../frontDoor/challenge.ts';
import { type AddressLimits, addressLimitsDefault } from '../frontDoor/limits.ts';
import { createProofOfWork } from '../frontDoor/proofOfWork.ts';
import type { LimiterStore } from '../frontDoor/rateLimit.ts';
import { memoryReplayStore, type ReplayStore, redisReplayStore } from '../frontDoor/replayStore.ts';
import { createRiskStage, type EventRiskSettings, type RiskSettings, type RiskStage } from '../frontDoor/risk.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { Clock } from '../platform/clock.ts';

/**
 * The anti-bot stages of the front door as one deployment configures them (ANTIBOT and the POW_* variables,
 * docs/operations.md "Anti-bot"). Absent from a ServerConfig, they are off: src/main.ts turns them on unless
 * ANTIBOT=off, and the integration tests that are not about them start servers without.
 */
export type AntibotConfig = Readonly<{
  /** Proof of work on new sessions (default true) and waiting-room joins (default true; an event may say otherwise). */
  pow?: Readonly<{
    sessions?: boolean;
    queueJoins?: boolean;
    policy?: Partial<PowPolicy>;
    /** How long a challenge may be solved and used. Default 120 s. */
    challengeTtlSeconds?: number;
  }>;
  /** What one address may open: new sessions a minute, open connections, handshakes a minute (limits.ts defaults). */
  perAddress?: Partial<AddressLimits>;
  /** The risk stage: sessions per device fingerprint, the risk policy (src/frontDoor/risk.ts defaults). */
  risk?: RiskSettings;
}>;

/** About 0.1 s for a browser at rest (docs/benchmarks.md "Proof of work"), a few ms for a bot in Node. */
export const powPolicyDefault: PowPolicy = {
  difficultyMin: 5_000,
  difficultyMax: 5_000_000,
  loadStepPerSecond: 200,
  freeSolutionsPerAddress: 3,
};

export const powSecretName = 'pow-hmac-key';

const eventsRememberedMax = 10_000;

/** Events are immutable: each one's settings are read once (a missing event is not remembered, nor challenged). */
const eventSettingsOf = (event: (eventId: string) => Promise<EventConfig>) => {
  const remembered = new Map<string, EventChallengeSettings>();
  return async (eventId: string): Promise<EventChallengeSettings | undefined> => {
    const known = remembered.get(eventId);
    if (known !== undefined) return known;
    const config = await event(eventId).catch(() => undefined);
    if (config === undefined) return undefined;
    const { proofOfWork, difficultyMin } = config.antibot ?? {};
    const settings = {
      ...(proofOfWork === undefined ? {} : { queueJoins: proofOfWork }),
      ...(difficultyMin === undefined ? {} : { difficultyMin }),
    };
    if (remembered.size >= eventsRememberedMax) remembered.delete(remembered.keys().next().value as string);
    remembered.set(eventId, settings);
    return settings;
  };
};

/** An event's risk settings: from which band a session goes to the back of its room, and until when it waits there. */
const riskSettingsOf = (config: EventConfig): EventRiskSettings => {
  const room = config.waitingRoom;
  const heldBackSeconds = room?.riskyHeldBackSeconds ?? riskyHeldBackSecondsDefault;
  return {
    backOfRoomFrom: config.antibot?.backOfRoomFrom ?? 'high',
    ...(room === undefined || config.saleStartsAtMs === null
      ? {}
      : { heldBackUntilMs: config.saleStartsAtMs + heldBackSeconds * 1000 }),
  };
};

/** Events are immutable: each one's settings are read once (a missing event is not remembered). */
const remembered = <T>(read: (eventId: string) => Promise<T | undefined>) => {
  const known = new Map<string, T>();
  return async (eventId: string): Promise<T | undefined> => {
    const hit = known.get(eventId);
    if (hit !== undefined) return hit;
    const value = await read(eventId);
    if (value === undefined) return undefined;
    if (known.size >= eventsRememberedMax) known.delete(known.keys().next().value as string);
    known.set(eventId, value);
    return value;
  };
};

export type Antibot = Readonly<{ challenge: ChallengeStage; perAddress: AddressLimits; risk: RiskStage }>;

export const startAntibot = async (
  config: AntibotConfig,
  deps: Readonly<{
    catalog: Catalog;
    clock: Clock;
    /** Redis for what every node must share (spent solutions); absent: memory (one node). */
    redis?: Redis;
    redisKeyPrefix: string;
    /** An event's own settings (events never change, so they are remembered). */
    event: (eventId: string) => Promise<EventConfig>;
  }>,
): Promise<Antibot> => {
  const nowMs = () => deps.clock.now();
  const secret = await deps.catalog.secret(powSecretName, () => randomBytes(32).toString('base64url'));
  const { redis } = deps;
  const replay: ReplayStore =
    redis === undefined ? memoryReplayStore(nowMs) : redisReplayStore(redis, nowMs, deps.redisKeyPrefix);
  const settings: ChallengeSettings = {
    sessions: config.pow?.sessions ?? true,
    queueJoins: config.pow?.queueJoins ?? true,
    policy: { ...powPolicyDefault, ...config.pow?.policy },
  };
  const ttl = config.pow?.challengeTtlSeconds;
  const pow = createProofOfWork({ secret, nowMs, ...(ttl === undefined ? {} : { challengeTtlMs: ttl * 1000 }) });
  const store: LimiterStore =
    redis === undefined ? { kind: 'memory' } : { kind: 'redis', redis, keyPrefix: deps.redisKeyPrefix };
  const risk = createRiskStage({
    ...(config.risk === undefined ? {} : { settings: config.risk }),
    store,
    nowMs,
    eventSettings: remembered((eventId) =>
      deps
        .event(eventId)
        .then(riskSettingsOf)
        .catch(() => undefined),
    ),
  });
  return {
    challenge: createChallengeStage({
      pow,
      replay,
      settings,
      nowMs,
      eventSettings: eventSettingsOf(deps.event),
      risk: (context) => context.risk?.score ?? 0,
    }),
    perAddress: { ...addressLimitsDefault, ...config.perAddress },
    risk,
  };
};
