import { BookingError } from '../domain/bookingError.ts';
import type { AdmissionTokens } from '../services/admissionTokens.ts';
import type { Command, FrontDoorContext } from './context.ts';
import { requireBuyer } from './identify.ts';

/**
 * The fourth stage (identify → limits → challenge → admission → handler, DESIGN.md "Flash sales"): what the command's
 * admission grants. It sees the command (a hold carries `admissionToken` from the REST body or the socket payload) and
 * the caller (`context.who`), and either rejects (NOT_ADMITTED for a token that does not verify) or resolves with
 * until when (epoch ms) the buyer is admitted, or undefined when the command presented no admission. The pipeline puts
 * that in the handler's context as `admittedUntilMs`, and the hold handler passes it to the booking service.
 *
 * The stage checks the token alone (signature, buyer, event, expiry), without asking the actor: a hold without a
 * token passes on with no admission, and the actor, which knows whether its room is engaged right now, refuses it
 * NOT_ADMITTED if it must (src/domain/seatMap/waitingRoom.ts).
 *
 * A command that presents no admission is answered `undefined` at once, not a promise: nothing is checked, and the
 * pipeline then has nothing to wait for before the handler (every hold without a waiting room, every release).
 */
export type AdmissionStage = (context: FrontDoorContext, command: Command) => Promise<number | undefined> | undefined;

export const createAdmissionStage =
  (tokens: AdmissionTokens): AdmissionStage =>
  (context, command) =>
    command.kind !== 'hold' || command.admissionToken === undefined
      ? undefined
      : verified(tokens, context, command.admissionToken, command.eventId);

const verified = async (
  tokens: AdmissionTokens,
  context: FrontDoorContext,
  token: string,
  eventId: string,
): Promise<number> => tokens.verify(token, requireBuyer(context.who).userId, eventId);

/** For a gateway started without waiting rooms (tests of other parts): no token can verify. */
export const noAdmissionStage: AdmissionStage = (_context, command) =>
  command.kind === 'hold' && command.admissionToken !== undefined
    ? Promise.reject(new BookingError('NOT_ADMITTED', 'this server issues no admission tokens'))
    : undefined;
