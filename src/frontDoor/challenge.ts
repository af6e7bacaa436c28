import type { Command, FrontDoorContext } from './context.ts';

/**
 * The third stage, a seam for anti-bot work: decides whether this caller must first prove work (an ALTCHA
 * challenge) for this command. It resolves to let the command through, or rejects with CHALLENGE_REQUIRED whose
 * details carry `challenge` (the gateway puts it in the error body). The command carries the solution the client sent
 * (`challengeSolution`: the X-Challenge-Solution header over REST, the payload field over sockets); the context says
 * who, from where, over which transport and for which event, which is what a risk score needs.
 *
 * Today no command is challenged: `noChallenge` lets everything through.
 */
export type ChallengeStage = (context: FrontDoorContext, command: Command) => Promise<void>;

export const noChallenge: ChallengeStage = async () => {};
