import type { HoldView } from '../domain/seatMap/views.ts';
import type { SocketHolds } from '../services/bookingService.ts';
import { type AdmissionStage, noAdmissionStage } from './admission.ts';
import { type ChallengeStage, noChallenge } from './challenge.ts';
import type { Arrival, Command, FrontDoorContext, HoldCommand, ReleaseCommand, Who } from './context.ts';
import { requireBuyer } from './identify.ts';
import type { Limits } from './limits.ts';

export type FrontDoorStages = Readonly<{
  identify: (arrival: Arrival) => Promise<Who>;
  limits: Limits;
  challenge?: ChallengeStage;
  admission?: AdmissionStage;
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
  /** Challenge → admission → `handler`, for commands other than the built-in ones (a queue join, a session). */
  run<T>(context: FrontDoorContext, command: Command, handler: (context: FrontDoorContext) => Promise<T>): Promise<T>;
  hold(context: FrontDoorContext, command: Omit<HoldCommand, 'kind'>): Promise<HoldView>;
  release(context: FrontDoorContext, command: Omit<ReleaseCommand, 'kind'>): Promise<void>;
  /** A session was minted for a new buyer (counted against the address's sessions). */
  sessionMinted(context: FrontDoorContext): Promise<void>;
  /** An engine.io handshake from `client` (every connection attempt): rejects RATE_LIMITED past the address's. */
  handshake(client: string): Promise<void>;
  /** A socket connected from `client`: rejects RATE_LIMITED past the address's open connections. */
  connected(client: string): Promise<void>;
  /** A socket connection closed; `client` when its connection was counted (connected resolved). */
  forget(connectionId: string, client?: string): void;
}>;

export const createFrontDoor = (stages: FrontDoorStages): FrontDoor => {
  const { identify, limits, holds } = stages;
  const challenge = stages.challenge ?? noChallenge;
  const admission = stages.admission ?? noAdmissionStage;

  const run = async <T>(
    context: FrontDoorContext,
    command: Command,
    handler: (context: FrontDoorContext) => Promise<T>,
  ): Promise<T> => {
    await challenge(context, command);
    const admittedUntilMs = await admission(context, command);
    return handler(admittedUntilMs === undefined ? context : { ...context, admittedUntilMs });
  };

  return {
    async arrive(arrival) {
      const who = await identify(arrival);
      const reads = await limits.stage(arrival, who);
      return { ...arrival, who, reads };
    },
    run,
    hold: (context, command) =>
      run(context, { kind: 'hold', ...command }, async ({ who, admittedUntilMs }) =>
        holds.hold(command.eventId, requireBuyer(who).userId, command.requestId, command.request, {
          ...(admittedUntilMs === undefined ? {} : { admittedUntil: admittedUntilMs }),
          ...(command.replacesHoldId === undefined ? {} : { replacesHoldId: command.replacesHoldId }),
        }),
      ),
    release: (context, command) =>
      run(context, { kind: 'release', ...command }, async ({ who }) =>
        holds.release(command.holdId, requireBuyer(who).userId, command.requestId),
      ),
    sessionMinted: (context) => limits.sessionMinted(context.client),
    handshake: (client) => limits.handshake(client),
    connected: (client) => limits.connected(client),
    forget: (connectionId, client) => limits.disconnected(connectionId, client),
  };
};
