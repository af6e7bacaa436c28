import { z } from 'zod';
import { compoundIdSchema, idSchema, requestIdSchema, seatMapFormSchema } from './schemas.ts';

/**
 * The socket requests' payloads, as the server parses them (gateway/socket/socketServer.ts) and as protocol.ts types
 * them for the SDK: one source. The hold payload is the REST hold body plus `eventId` (schemas.ts); `queue:join` is
 * schemas.ts's queueJoinSocketSchema.
 */
export const subscribeRequestSchema = z.strictObject({
  eventId: idSchema,
  sinceVersion: z.int().min(0).optional(),
  form: seatMapFormSchema.optional(),
});
export const unsubscribeRequestSchema = z.strictObject({ eventId: idSchema });
export const releaseRequestSchema = z.strictObject({ holdId: compoundIdSchema, requestId: requestIdSchema });
export const waitlistLeaveRequestSchema = z.strictObject({
  entryId: compoundIdSchema,
  requestId: requestIdSchema.optional(),
});
