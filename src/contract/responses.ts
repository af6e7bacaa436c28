import { z } from 'zod';
import { bookingErrorCodes } from '../domain/bookingError.ts';
import { type HoldView, type SeatMapView, seatStatusNames } from '../domain/seatMap/views.ts';
import type { WaitlistEntryView } from '../domain/waitlist/read.ts';

/**
 * The response bodies the OpenAPI document describes with a schema. Where the domain already names a view type
 * (HoldView, SeatMapView), the schema is checked against it at compile time below, so the two cannot drift.
 */
/** An ISO 8601 instant with its offset, as every answer writes times. */
export const instant = z.iso.datetime({ offset: true });

/** An ALTCHA v2 challenge (altcha-lib's createChallenge): what a CHALLENGE_REQUIRED refusal asks the client to solve. */
export const altchaChallengeSchema = z
  .object({
    parameters: z.object({
      algorithm: z.string(),
      nonce: z.string(),
      salt: z.string(),
      cost: z.number(),
      keyLength: z.number(),
      keyPrefix: z.string(),
      keySignature: z.string().optional(),
      data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    }),
    signature: z.string(),
  })
  .meta({
    id: 'AltchaChallenge',
    description:
      'Solve with altcha-lib (solveChallenge) or the ALTCHA widget; send `{challenge, solution}` as base64 JSON.',
  });

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(bookingErrorCodes),
      message: z.string(),
      challenge: altchaChallengeSchema.optional(),
    }),
  })
  .meta({
    id: 'Error',
    description:
      'Every refusal: a stable code (docs/api.md lists them) and a readable message; CHALLENGE_REQUIRED carries `challenge`.',
  });

export const sessionViewSchema = z
  .object({ token: z.string(), userId: z.string(), expiresAt: instant, renewed: z.boolean().optional() })
  .meta({ id: 'Session' });

export const createdSchema = z.object({ id: z.string() }).meta({ id: 'Created' });

export const holdViewSchema = z
  .object({
    holdId: z.string(),
    seatIds: z.array(z.string()).readonly(),
    sectionId: z.string().optional(),
    quantity: z.int(),
    expiresAt: instant,
  })
  .readonly()
  .meta({ id: 'Hold' });

export const seatStatusSchema = z.enum(seatStatusNames);

export const seatMapViewSchema = z
  .object({
    eventId: z.string(),
    version: z.int(),
    seats: z
      .record(z.string(), z.object({ status: seatStatusSchema, priceTier: z.string(), version: z.int() }).readonly())
      .readonly(),
    general: z
      .record(z.string(), z.object({ capacity: z.int(), available: z.int(), priceTier: z.string() }).readonly())
      .readonly(),
  })
  .readonly()
  .meta({ id: 'SeatMap' });

export const probeSchema = z.object({ status: z.string() });

/** Where an event's actor runs (cluster mode); a single node answers with its mode and no epoch. */
export const eventOwnerSchema = z.object({
  eventId: z.string(),
  mode: z.enum(['single', 'redis']).meta({ description: 'CLUSTER_MODE of the node that answered' }),
  nodeId: z.string().nullable().meta({ description: 'the node holding the lease now; null: none' }),
  epoch: z.number().int().nullable().meta({ description: 'the owner epoch Postgres handed that node' }),
  preferredNodeId: z
    .string()
    .nullable()
    .meta({ description: 'the live node rendezvous hashing prefers: who claims it when nobody holds it' }),
});

/** Orders carry more than is listed (lines, payment, refund, tickets): the fields every client reads. */
export const orderViewSchema = z
  .looseObject({
    orderId: z.string(),
    eventId: z.string(),
    status: z.enum(['pending', 'processing', 'succeeded', 'failed', 'timed_out', 'refunded']),
    amount: z.int(),
    currency: z.string(),
    expiresAt: instant,
  })
  .meta({ id: 'Order' });

/** `GET /v1/payments/config`: how a page pays here. */
export const paymentsConfigViewSchema = z
  .object({
    provider: z.enum(['simulated', 'stripe']),
    stripe: z
      .object({
        publishableKey: z.string(),
        /** Where the page loads Stripe.js from: https://js.stripe.com/v3/ (a loopback fake in the browser tests). */
        jsUrl: z.string(),
      })
      .optional(),
  })
  .meta({
    id: 'PaymentsConfig',
    description:
      "`stripe` is present when the provider is Stripe and STRIPE_PUBLISHABLE_KEY is set: confirm an order's `payment.clientSecret` with Stripe.js from `jsUrl` (Payment Element). With the simulated provider, pay with `POST /v1/orders/:id/pay`.",
  });

export const waitlistEntryViewSchema = z
  .object({
    entryId: z.string(),
    state: z.enum(['waiting', 'offered', 'fulfilled', 'lapsed', 'declined', 'left']),
    position: z.int().nullable(),
    quantity: z.int(),
    sectionId: z.string().optional(),
    priceTier: z.string().optional(),
    together: z.boolean(),
    offer: holdViewSchema.optional(),
    orderId: z.string().optional(),
  })
  .readonly()
  .meta({
    id: 'WaitlistEntry',
    description:
      '`position` is 1-based among waiting entries (null once offered or ended); `offer` is the hold held for the entry.',
  });

/** Fails to compile when a schema and the domain's view type disagree, in either direction. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(): T | undefined => undefined;
agree<Same<z.infer<typeof holdViewSchema>, HoldView>>();
agree<Same<z.infer<typeof seatMapViewSchema>, SeatMapView>>();
agree<Same<z.infer<typeof waitlistEntryViewSchema>, WaitlistEntryView>>();

/** `GET /v1/events/:id/risk` (admin): what the anti-bot stages saw at the event on this node. */
export const riskViewSchema = z
  .object({
    eventId: z.string(),
    sessions: z.object({ low: z.int(), medium: z.int(), high: z.int() }),
    sentToBack: z.int(),
    heldBack: z.int(),
    refusalsByStage: z.object({
      limits: z.int(),
      risk: z.int(),
      challenge: z.int(),
      admission: z.int(),
      actor: z.int(),
    }),
    topAddresses: z.array(z.object({ address: z.string(), sessions: z.int(), highRisk: z.int(), refusals: z.int() })),
  })
  .meta({ id: 'RiskView' });
