import { isBookingError } from '../domain/bookingError.ts';
import type { HoldView } from '../domain/seatMap/views.ts';
import type { SocketHolds } from '../services/bookingService.ts';
import { type AdmissionStage, noAdmissionStage } from './admission.ts';
import { type ChallengeStage, noChallenge } from './challenge.ts';
import type {
  Arrival,
  Command,
  FrontDoorContext,
  HoldCommand,
  ReleaseCommand,
  SeatMapReads,
  SessionCommand,
  Who,
} from './context.ts';
import { requireBuyer } from './identify.ts';
import type { Limits } from './limits.ts';
import type { RefusalStage, RiskStage } from './risk.ts';

export type FrontDoorStages = Readonly<{
  identify: (arrival: Arrival) => Promise<Who>;
  /** Identify decided at once where it can be (identify.ts's createIdentifyNow); absent: `arriveNow` never decides. */
  identifyNow?: (arrival: Arrival) => Who | undefined;
  limits: Limits;
  challenge?: ChallengeStage;
  admission?: AdmissionStage;
  /** The anti-bot risk stage (device, behavioural signals, back of the waiting room); absent: nobody is judged. */
  risk?: RiskStage;
  /** Where holds and releases end: the event actors' booking service, or a benchmark baseline (src/baselines/). */
  holds: SocketHolds;
}>;

/**
 * The pipeline REST and sockets share. A transport calls `arrive` as a request comes in (identify → limits: before
 * the body is read or parsed, so an address over its limit costs no parse), then hands a decoded command to `hold` or
 * `release` (challenge → admission → the service), or runs a route of its own with the context `arrive` gave.
 */
export type FrontDoor = Readonly<{
  arrive(arrival: Arrival): Promise<FrontDoorContext>;
  /**
   * `arrive` decided at once where identify and limits can decide without waiting (a REST guest or the admin): the
   * context, counted as `arrive` counts it; or undefined, having counted nothing, and then `arrive` is the way in.
   * Throws what `arrive` rejects with. For an answer the server can give at once (a 304 of the current seat map).
   */
  arriveNow(arrival: Arrival): FrontDoorContext | undefined;
  /** Challenge → admission → `handler`, for commands other than the built-in ones (a queue join, a session). */
  run<T>(context: FrontDoorContext, command: Command, handler: (context: FrontDoorContext) => Promise<T>): Promise<T>;
  hold(context: FrontDoorContext, command: Omit<HoldCommand, 'kind'>): Promise<HoldView>;
  release(context: FrontDoorContext, command: Omit<ReleaseCommand, 'kind'>): Promise<void>;
  /** A session was minted for a new buyer (counted against the address's and the device's sessions). */
  sessionMinted(context: FrontDoorContext, userId: string, command: SessionCommand): Promise<void>;
  /** An engine.io handshake from `client` (every connection attempt): rejects RATE_LIMITED past the address's. */
  handshake(client: string): Promise<void>;
  /** A socket connected from `client`: rejects RATE_LIMITED past the address's open connections. */
  connected(client: string): Promise<void>;
  /** A socket connection closed; `client` when its connection was counted (connected resolved). */
  forget(connectionId: string, client?: string): void;
}>;

/** The options of a hold that neither carries an admission nor replaces a hold (most holds): one object for all. */
const noHoldOptions = Object.freeze({});

export const createFrontDoor = (stages: FrontDoorStages): FrontDoor => {
  const { identify, identifyNow, limits, holds, risk } = stages;
  const challenge = stages.challenge ?? noChallenge;
  const admission = stages.admission ?? noAdmissionStage;

  /** Counts a stage's refusal for the event the request names (the risk view), then passes the refusal on. */
  const refusedAt =
    (context: FrontDoorContext, eventId: string | undefined, stage: RefusalStage) =>
    (error: unknown): never => {
      if (risk !== undefined && isBookingError(error)) risk.refused(context, eventId, stage);
      throw error;
    };

  const refusedByLimits =
    (arrival: Arrival, who: Who) =>
    (error: unknown): never => {
      if (risk !== undefined && isBookingError(error))
        risk.refused({ ...arrival, who, reads: undefined as never }, arrival.eventId, 'limits');
      throw error;
    };

  const arrived = (arrival: Arrival, who: Who, reads: SeatMapReads): FrontDoorContext => {
    // Object.assign, not `{ ...arrival, who, reads }`: on Node 20's V8 a literal that starts with a spread and adds
    // keys costs ~1 µs (a new hidden class each time), Object.assign ~0.1 µs; this runs for every request.
    const context: FrontDoorContext = Object.assign({}, arrival, { who, reads });
    risk?.arrived(context);
    return context;
  };

  /** `handler(context)` as a promise: a throw becomes its rejection, as in an async function. */
  const called = <T>(handler: (context: FrontDoorContext) => Promise<T>, context: FrontDoorContext): Promise<T> => {
    try {
      return handler(context);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** Risk → challenge → admission → handler, each awaited in turn and each refusal counted for the risk view. */
  const staged = async <T>(
    context: FrontDoorContext,
    command: Command,
    handler: (context: FrontDoorContext) => Promise<T>,
  ): Promise<T> => {
    const eventId = 'eventId' in command ? command.eventId : context.eventId;
    const seen = await risk?.stage(context, command).catch(refusedAt(context, eventId, 'risk'));
    const judged = seen === undefined ? context : Object.assign({}, context, { risk: seen });
    await challenge(judged, command).catch(refusedAt(context, eventId, 'challenge'));
    const admittedUntilMs = await admission(judged, command)?.catch(refusedAt(context, eventId, 'admission'));
    return called(
      handler,
      admittedUntilMs === undefined ? judged : Object.assign({}, judged, { admittedUntilMs }),
    ).catch(refusedAt(context, eventId, 'actor'));
  };

  /**
   * Without a risk stage (nothing judged, and no refusal to count) and without a challenge, only the admission can make
   * a command wait, and it answers at once for one that presents none: the handler is then called straight away and
   * its promise is the answer. The same stages in the same order as `staged`, with none of its promises: every hold
   * kept four of them (and a suspended frame) alive while its batch was appended.
   */
  const run = <T>(
    context: FrontDoorContext,
    command: Command,
    handler: (context: FrontDoorContext) => Promise<T>,
  ): Promise<T> => {
    if (risk !== undefined || stages.challenge !== undefined) return staged(context, command, handler);
    let admitted: Promise<number | undefined> | undefined;
    try {
      admitted = admission(context, command);
    } catch (error) {
      return Promise.reject(error);
    }
    if (admitted === undefined) return called(handler, context);
    return admitted.then((admittedUntilMs) =>
      called(handler, admittedUntilMs === undefined ? context : Object.assign({}, context, { admittedUntilMs })),
    );
  };

  return {
    async arrive(arrival) {
      // A socket's session is decided at once (identifyNow): no promise to wait for.
      const who = identifyNow?.(arrival) ?? (await identify(arrival));
      const reads = await limits.stage(arrival, who).catch(refusedByLimits(arrival, who));
      return arrived(arrival, who, reads);
    },
    arriveNow(arrival) {
      const who = identifyNow?.(arrival);
      if (who === undefined) return undefined;
      let reads: SeatMapReads | undefined;
      try {
        reads = limits.stageNow(arrival, who);
      } catch (error) {
        refusedByLimits(arrival, who)(error);
      }
      return reads === undefined ? undefined : arrived(arrival, who, reads);
    },
    run,
    hold: (context, command) =>
      run(context, { kind: 'hold', ...command }, ({ who, admittedUntilMs }) =>
        holds.hold(
          command.eventId,
          requireBuyer(who).userId,
          command.requestId,
          command.request,
          admittedUntilMs === undefined && command.replacesHoldId === undefined
            ? noHoldOptions
            : {
                ...(admittedUntilMs === undefined ? {} : { admittedUntil: admittedUntilMs }),
                ...(command.replacesHoldId === undefined ? {} : { replacesHoldId: command.replacesHoldId }),
              },
        ),
      ),
    release: (context, command) =>
      run(context, { kind: 'release', ...command }, ({ who }) =>
        holds.release(command.holdId, requireBuyer(who).userId, command.requestId),
      ),
    sessionMinted: async (context, userId, command) => {
      await Promise.all([limits.sessionMinted(context.client), risk?.sessionMinted(context, userId, command.signals)]);
    },
    handshake: (client) => limits.handshake(client),
    connected: (client) => limits.connected(client),
    forget: (connectionId, client) => limits.disconnected(connectionId, client),
  };
};
