import { z } from 'zod';
import { compoundIdSchema, idSchema, requestIdSchema, storableText } from './schemas.ts';

/** The longest ticket code accepted anywhere (a compact JWS of a few hundred characters in practice). */
export const ticketCodeLengthMax = 2_048;

const addressLine = (lengthMax: number) => storableText({ lengthMin: 1, lengthMax, trim: true });

/**
 * A delivery or billing address. The server keeps only a hash of it, normalised (case, accents, punctuation and
 * common abbreviations do not count), as the order's household for the event's purchase limit.
 */
export const postalAddressSchema = z.strictObject({
  line1: addressLine(200),
  line2: addressLine(200).optional(),
  postalCode: addressLine(20),
  city: addressLine(100),
  country: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code'),
});

/**
 * `POST /v1/orders`: the hold to order, the request id that makes a retry safe, and optionally the address the
 * tickets go to (or the billing address): its household may buy no more than the event's `maxSeatsPerUser`.
 */
export const orderBodySchema = z.strictObject({
  holdId: compoundIdSchema,
  requestId: requestIdSchema,
  address: postalAddressSchema.optional(),
});

/** `POST /v1/orders/:id/pay`: a test payment method of the simulated provider (Stripe's test ids). */
export const payBodySchema = z.strictObject({
  paymentMethod: storableText().regex(/^[A-Za-z0-9_]{1,100}$/, 'must be a payment method id such as pm_card_visa'),
});

/** `POST /v1/orders/:id/refund` (admin): why, for the audit trail. */
export const refundBodySchema = z.strictObject({
  reason: storableText({ lengthMin: 1, lengthMax: 500, lineBreaks: true, trim: true }).default('refunded by an admin'),
});

/** `POST /v1/checkins` (admin): the scanned code and, optionally, which gate scanned it. */
export const checkInBodySchema = z.strictObject({
  // A ticket code is a compact JWS: base64url parts joined by dots.
  code: storableText({ lengthMin: 1, lengthMax: ticketCodeLengthMax }).regex(
    /^[A-Za-z0-9_.-]+$/,
    'must be a ticket code',
  ),
  gate: idSchema.optional(),
});
