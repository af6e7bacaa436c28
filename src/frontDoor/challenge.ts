import { RateLimiterMemory } from 'rate-limiter-flexible';
import { type PowPolicy, powDifficulty } from '../domain/antibot/powDifficulty.ts';
import { BookingError, isBookingError } from '../domain/bookingError.ts';
import type { Command, FrontDoorContext } from './context.ts';
import type { PowPurpose, ProofOfWork } from './proofOfWork.ts';
import type { ReplayStore } from './replayStore.ts';

/**
 * The third stage: decides whether this caller must first prove work (an ALTCHA challenge) for this command. It
 * resolves to let the command through, or rejects with CHALLENGE_REQUIRED whose details carry `challenge` (the gateway
 * puts it in the error body). The command carries the solution the client sent (`challengeSolution`: the
 * X-Challenge-Solution header over REST, the payload field over sockets); the context says who, from where, over
 * which transport and for which event, which is what a risk score needs.
 */
export type ChallengeStage = (context: FrontDoorContext, command: Command) => Promise<void>;

export const noChallenge: ChallengeStage = async () => {};

/** Per deployment (environment): which commands need work, and how much. */
export type ChallengeSettings = Readonly<{
  /** A new session (POST /v1/sessions) needs a solution. Renewing a session that is still valid never does. */
  sessions: boolean;
  /** A waiting-room join needs a solution, unless the event says otherwise. */
  queueJoins: boolean;
  policy: PowPolicy;
  /** The window over which an address's solutions and failures count towards its difficulty. Default 60 s. */
  addressWindowSeconds?: number;
}>;

/** Per event (its `antibot` settings): overrides the deployment's for joins to that event's waiting room. */
export type EventChallengeSettings = Readonly<{ queueJoins?: boolean; difficultyMin?: number }>;

export type ChallengeStageDeps = Readonly<{
  pow: ProofOfWork;
  replay: ReplayStore;
  settings: ChallengeSettings;
  nowMs: () => number;
  /** The event's own settings; undefined when it has none (or no such event: the handler says NOT_FOUND). */
  eventSettings?: (eventId: string) => Promise<EventChallengeSettings | undefined>;
  /** The caller's risk score, 0 to 1 (behavioural signals); default 0. */
  risk?: (context: FrontDoorContext) => number;
  /** Told of every refusal and of every accepted solution, for the risk view and metrics. */
  onOutcome?: (outcome: ChallengeOutcome, context: FrontDoorContext) => void;
}>;

export type ChallengeOutcome = 'issued' | 'refused' | 'solved';

export const addressWindowSecondsDefault = 60;
const loadWindowSeconds = 10;

const purposeOf = (command: Command): PowPurpose | undefined => {
  switch (command.kind) {
    case 'session':
      return 'session';
    case 'queueJoin':
      return 'queueJoin';
    case 'hold':
    case 'release':
      return undefined;
    default: {
      const _exhaustive: never = command;
      throw new Error(`unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** A counter per key over a fixed window (rate-limiter-flexible's memory store, counting without limiting). */
const windowCounter = (windowSeconds: number) => {
  const counter = new RateLimiterMemory({ points: Number.MAX_SAFE_INTEGER, duration: windowSeconds });
  return {
    add: (key: string) => void counter.penalty(key, 1),
    count: async (key: string) => (await counter.get(key))?.consumedPoints ?? 0,
  };
};

/**
 * Proof of work for session creation and waiting-room joins, when the deployment (and, for joins, the event) asks
 * for it. A request without a solution, or with one that does not verify for it (another purpose, event or address,
 * run out, forged) or was used before, is answered CHALLENGE_REQUIRED with a fresh challenge, whose difficulty
 * rises with the load, the address's recent solutions and failures, and the caller's risk.
 */
export const createChallengeStage = (deps: ChallengeStageDeps): ChallengeStage => {
  const { pow, replay, settings } = deps;
  const addressWindowSeconds = settings.addressWindowSeconds ?? addressWindowSecondsDefault;
  const solutions = windowCounter(addressWindowSeconds);
  const failures = windowCounter(addressWindowSeconds);
  const load = windowCounter(loadWindowSeconds);

  const required = async (purpose: PowPurpose, context: FrontDoorContext, eventId: string | undefined) => {
    if (purpose === 'session')
      return { on: settings.sessions && context.who.kind !== 'buyer', difficultyMin: undefined };
    const own = eventId === undefined ? undefined : await deps.eventSettings?.(eventId);
    return { on: own?.queueJoins ?? settings.queueJoins, difficultyMin: own?.difficultyMin };
  };

  const challengeFor = async (
    purpose: PowPurpose,
    context: FrontDoorContext,
    eventId: string | undefined,
    difficultyMin: number | undefined,
    reason: string,
  ): Promise<never> => {
    load.add('all');
    const [recent, solved, failed] = await Promise.all([
      load.count('all'),
      solutions.count(context.client),
      failures.count(context.client),
    ]);
    const difficulty = powDifficulty(
      difficultyMin === undefined ? settings.policy : { ...settings.policy, difficultyMin },
      {
        loadPerSecond: recent / loadWindowSeconds,
        addressSolutions: solved,
        addressFailures: failed,
        risk: deps.risk?.(context) ?? 0,
      },
    );
    const challenge = await pow.issue({ purpose, eventId, client: context.client }, difficulty);
    deps.onOutcome?.('issued', context);
    throw new BookingError('CHALLENGE_REQUIRED', reason, { challenge, difficulty });
  };

  return async (context, command) => {
    const purpose = purposeOf(command);
    if (purpose === undefined) return;
    const eventId = command.kind === 'queueJoin' ? command.eventId : undefined;
    const { on, difficultyMin } = await required(purpose, context, eventId);
    if (!on) return;
    const encoded = command.kind === 'session' || command.kind === 'queueJoin' ? command.challengeSolution : undefined;
    if (encoded === undefined || encoded === '')
      return challengeFor(
        purpose,
        context,
        eventId,
        difficultyMin,
        'prove work first: solve the challenge and repeat the request with its solution',
      );
    const binding = { purpose, eventId, client: context.client };
    try {
      const solved = await pow.verify(encoded, binding);
      if (!(await replay.claim(solved.id, solved.expiresAtMs)))
        throw new BookingError('CHALLENGE_REQUIRED', 'this challenge solution was used already');
    } catch (error) {
      if (!isBookingError(error) || error.code !== 'CHALLENGE_REQUIRED') throw error;
      failures.add(context.client);
      deps.onOutcome?.('refused', context);
      return challengeFor(purpose, context, eventId, difficultyMin, `${error.message}: solve the new challenge`);
    }
    solutions.add(context.client);
    deps.onOutcome?.('solved', context);
  };
};
