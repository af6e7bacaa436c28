import { BookingError } from '../domain/bookingError.ts';
import type { AdmissionTokens } from '../services/admissionTokens.ts';

/**
 * The front door's admission stage (identify → limits → challenge → admission → handler, DESIGN.md "Flash sales"):
 * what a hold's admission token grants, checked before the hold reaches the event's actor. REST and socket holds
 * both call it, here and nowhere else; once the shared pipeline lands it becomes that pipeline's admission stage.
 *
 * The stage checks the token alone (signature, buyer, event, expiry), without asking the actor: a hold without a
 * token passes on with no admission, and the actor, which knows whether its room is engaged right now, refuses it
 * NOT_ADMITTED if it must (src/domain/seatMap/waitingRoom.ts). A token that does not verify is refused here.
 */
export type AdmissionContext = Readonly<{ eventId: string; userId: string; admissionToken: string | undefined }>;

/** Until when (epoch ms) the hold's buyer is admitted, or undefined when the hold carries no token. */
export type AdmissionStage = (context: AdmissionContext) => Promise<number | undefined>;

export const createAdmissionStage =
  (tokens: AdmissionTokens): AdmissionStage =>
  async ({ eventId, userId, admissionToken }) =>
    admissionToken === undefined ? undefined : tokens.verify(admissionToken, userId, eventId);

/** For a gateway started without waiting rooms (tests of other parts): no token can verify. */
export const noAdmissionStage: AdmissionStage = async ({ admissionToken }) => {
  if (admissionToken !== undefined) throw new BookingError('NOT_ADMITTED', 'this server issues no admission tokens');
  return undefined;
};
