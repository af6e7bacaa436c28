import { z } from 'zod';
import { checkInBodySchema, orderBodySchema, payBodySchema, refundBodySchema } from './orderSchemas.ts';
import { eventStatsSchema, replayAfterSchema, replayPageSchema, seatHistorySchema } from './readSchemas.ts';
import {
  createdSchema,
  errorBodySchema,
  eventOwnerSchema,
  holdViewSchema,
  orderViewSchema,
  paymentsConfigViewSchema,
  probeSchema,
  riskViewSchema,
  seatMapViewSchema,
  sessionViewSchema,
  waitlistEntryViewSchema,
} from './responses.ts';
import {
  bestAvailableHoldBodySchema,
  contactBodySchema,
  deadLetterRetryBodySchema,
  eventBodySchema,
  generalHoldBodySchema,
  idSchema,
  internalBuyerHoldsBodySchema,
  internalBuyerOrdersBodySchema,
  internalDiffsBodySchema,
  internalHoldBodySchema,
  internalQueueJoinBodySchema,
  internalReleaseBodySchema,
  internalWaitlistJoinBodySchema,
  internalWaitlistLeaveBodySchema,
  queueJoinBodySchema,
  seatMapFormSchema,
  seatsHoldBodySchema,
  sessionBodySchema,
  venueBodySchema,
  waitlistJoinBodySchema,
} from './schemas.ts';

/**
 * The REST API as data: every route the gateway registers, with the zod schemas its handler parses and the shapes it
 * answers. The OpenAPI document (openapi.ts, `npm run docs` → docs/openapi.json, `GET /v1/openapi.json`) is generated
 * from this table, and test/openapi.int.spec.ts fails when the gateway registers a route that is not here (or this
 * lists one it does not register).
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/** Who may call: anyone, a buyer session (`Authorization: Bearer <session token>`), or the admin token. */
export type Caller = 'anyone' | 'buyer' | 'admin';

export type Answer = Readonly<{
  description: string;
  /** A JSON body of this shape; absent: described in words only (or no body). */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}>;

export type Operation = Readonly<{
  method: HttpMethod;
  /** The gateway's pattern: `:name` segments are path parameters. */
  path: string;
  summary: string;
  tag: string;
  caller: Caller;
  body?: z.ZodType;
  query?: z.ZodObject;
  answers: Readonly<Record<number, Answer>>;
}>;

const limitQuery = (max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/)
    .meta({ description: `1..${max}` })
    .optional();
const buyerListQuery = z.object({
  eventId: idSchema.optional(),
  limit: limitQuery(100),
  cursor: z.string().optional().meta({ description: 'the `next` of a previous page' }),
});
const json = (description: string, schema?: z.ZodType): Answer =>
  schema === undefined ? { description } : { description, schema };

export const operations: readonly Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    tag: 'probes',
    caller: 'anyone',
    answers: { 200: json('alive', probeSchema) },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the store answers and bookings are taken',
    tag: 'probes',
    caller: 'anyone',
    answers: { 200: json('ready', probeSchema), 503: json('not ready (UNAVAILABLE)', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (admin; or METRICS_PORT without a token)',
    tag: 'probes',
    caller: 'admin',
    answers: { 200: { description: 'Prometheus text exposition', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    tag: 'docs',
    caller: 'anyone',
    answers: { 200: json('the OpenAPI 3.1 document') },
  },
  {
    method: 'post',
    path: '/v1/sessions',
    summary:
      "A buyer session; with the previous token as bearer, renews the same buyer. The optional body carries the device's signals (fingerprint, what it saw); a new buyer may be asked for a proof of work (CHALLENGE_REQUIRED) and is refused RATE_LIMITED past the sessions per address or per device",
    tag: 'sessions',
    caller: 'anyone',
    body: sessionBodySchema,
    answers: { 201: json('the session', sessionViewSchema) },
  },
  {
    method: 'post',
    path: '/v1/venues',
    summary: 'Create a venue (sections, rows, seats; or general admission)',
    tag: 'catalog',
    caller: 'admin',
    body: venueBodySchema,
    answers: { 201: json('created', createdSchema), 409: json('ALREADY_EXISTS', errorBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/events',
    summary: 'Create an event on sale at a venue',
    tag: 'catalog',
    caller: 'admin',
    body: eventBodySchema,
    answers: { 201: json('created', createdSchema), 404: json('no such venue', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/events',
    summary: 'Events in the catalog, oldest first',
    tag: 'catalog',
    caller: 'anyone',
    query: z.object({ limit: limitQuery(500) }),
    answers: { 200: json('`{events: [...]}`') },
  },
  {
    method: 'get',
    path: '/v1/venues/:id',
    summary: 'A venue',
    tag: 'catalog',
    caller: 'anyone',
    answers: { 200: json('the venue as created'), 404: json('NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/events/:id',
    summary: 'An event',
    tag: 'catalog',
    caller: 'anyone',
    answers: { 200: json('the event; instants as ISO 8601'), 404: json('NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/events/:id/seatmap',
    summary: 'The live seat map (ETag = version; If-None-Match → 304; gzip/br by Accept-Encoding)',
    tag: 'seats',
    caller: 'anyone',
    query: z.object({
      form: seatMapFormSchema.optional(),
      at: z.iso
        .datetime({ offset: true })
        .optional()
        .meta({ description: 'the map as it was at this instant (replayed from the log)' }),
    }),
    answers: {
      200: json('the map (`form=status`: the compact status form, docs/api.md)', seatMapViewSchema),
      304: { description: 'not modified' },
      429: json('RATE_LIMITED: the seat-map budget of this address is spent (Retry-After)', errorBodySchema),
    },
  },
  {
    method: 'get',
    path: '/v1/events/:id/replay',
    summary: "The event's seat map played back from the log, a page of frames at a time (the display's replay)",
    tag: 'seats',
    caller: 'anyone',
    query: z.object({ after: replayAfterSchema.optional(), limit: limitQuery(5_000) }),
    answers: {
      200: json('a page of frames (default 1,000 batches)', replayPageSchema),
      400: json('INVALID_INPUT: `after` is beyond the end of the log, or not a version', errorBodySchema),
      404: json('NOT_FOUND', errorBodySchema),
      429: json('RATE_LIMITED: the seat-map budget of this address is spent (Retry-After)', errorBodySchema),
    },
  },
  {
    method: 'get',
    path: '/v1/events/:id/stats',
    summary: "The event's stock, sales and revenue for the dashboard (stock live, sales from the projection)",
    tag: 'reads',
    caller: 'admin',
    answers: { 200: json('the stats', eventStatsSchema), 404: json('NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/events/:id/seats/:seatId/history',
    summary: 'Every change of one seat, with time and cause (from the seat-history projection)',
    tag: 'reads',
    caller: 'admin',
    answers: { 200: json('the history', seatHistorySchema), 404: json('NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/events/:id/orders.csv',
    summary: "The event's orders as CSV (one line per order: id, buyer, status, places, amount, currency, times)",
    tag: 'reads',
    caller: 'admin',
    answers: { 200: { description: 'text/csv', contentType: 'text/csv' }, 404: json('NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/events/:id/layout',
    summary: 'The immutable layout (sections, seats in layout order, tiers, prices), cacheable forever',
    tag: 'seats',
    caller: 'anyone',
    answers: { 200: json('the layout'), 304: { description: 'not modified' } },
  },
  {
    method: 'post',
    path: '/v1/events/:id/holds',
    summary: 'Hold seats: by id, a general-admission quantity, or best available',
    tag: 'holds',
    caller: 'buyer',
    body: z.union([seatsHoldBodySchema, generalHoldBodySchema, bestAvailableHoldBodySchema]),
    answers: {
      201: json('held', holdViewSchema),
      403: json('NOT_ADMITTED: the waiting room is engaged and the hold has no valid admission', errorBodySchema),
      409: json(
        'SEAT_UNAVAILABLE, VERSION_CONFLICT, HOLD_LIMIT, SOLD_OUT, SALE_NOT_OPEN, IDEMPOTENCY_KEY_REUSED',
        errorBodySchema,
      ),
    },
  },
  {
    method: 'delete',
    path: '/v1/holds/:holdId',
    summary: 'Release a hold (requestId in the query or body; absent, the hold id serves)',
    tag: 'holds',
    caller: 'buyer',
    query: z.object({ requestId: z.string().optional() }),
    answers: { 204: { description: 'released' }, 404: json('HOLD_NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/events/:id/queue',
    summary: "Join the event's waiting room (one entry per buyer: joining again returns it)",
    tag: 'waiting room',
    caller: 'buyer',
    body: queueJoinBodySchema,
    answers: { 201: json('`{queueId, state, position?, etaSeconds?, admission?}`') },
  },
  {
    method: 'get',
    path: '/v1/events/:id/queue/me',
    summary: "The caller's place in the waiting room (for clients that poll)",
    tag: 'waiting room',
    caller: 'buyer',
    answers: { 200: json('`{queueId, state, position?, etaSeconds?, admission?}`') },
  },
  {
    method: 'get',
    path: '/v1/events/:id/queue/fairness',
    summary: "The pre-queue shuffle's commitment, and its seed and order once revealed",
    tag: 'waiting room',
    caller: 'anyone',
    answers: { 200: json('`{commitment, seed?, algorithm, order?}`') },
  },
  {
    method: 'get',
    path: '/v1/events/:id/owner',
    summary: 'The node that runs the event now and its owner epoch (cluster mode; docs/operations.md)',
    tag: 'cluster',
    caller: 'admin',
    answers: { 200: json('the owner', eventOwnerSchema), 404: json('no such event (NOT_FOUND)', errorBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/internal/events/:id/holds',
    summary:
      'Cluster nodes only (the x-seatactor-forwarded key, else FORBIDDEN): a socket hold another node forwards to the event’s owner',
    tag: 'cluster',
    caller: 'admin',
    body: internalHoldBodySchema,
    answers: { 201: json('the hold', holdViewSchema), 403: json('not a node of this cluster', errorBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/internal/holds/release',
    summary: 'Cluster nodes only: a socket release another node forwards to the event’s owner',
    tag: 'cluster',
    caller: 'admin',
    body: internalReleaseBodySchema,
    answers: { 204: json('released'), 403: json('not a node of this cluster', errorBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/internal/events/:id/queue',
    summary:
      'Cluster nodes only: a socket queue:join another node forwards to the event’s owner (after its front door)',
    tag: 'cluster',
    caller: 'admin',
    body: internalQueueJoinBodySchema,
    answers: {
      201: json('`{queueId, state, position?, etaSeconds?, admission?}`'),
      403: json('not a node of this cluster', errorBodySchema),
    },
  },
  {
    method: 'post',
    path: '/v1/internal/events/:id/waitlist',
    summary: 'Cluster nodes only: a socket waitlist:join another node forwards to the event’s owner',
    tag: 'cluster',
    caller: 'admin',
    body: internalWaitlistJoinBodySchema,
    answers: {
      201: json('the entry', waitlistEntryViewSchema),
      403: json('not a node of this cluster', errorBodySchema),
    },
  },
  {
    method: 'post',
    path: '/v1/internal/waitlist/leave',
    summary: 'Cluster nodes only: a socket waitlist:leave another node forwards to the event’s owner',
    tag: 'cluster',
    caller: 'admin',
    body: internalWaitlistLeaveBodySchema,
    answers: { 204: json('left'), 403: json('not a node of this cluster', errorBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/internal/me/holds',
    summary: 'Cluster nodes only: this node’s part of a buyer’s holds (GET /v1/me/holds asked through another node)',
    tag: 'cluster',
    caller: 'admin',
    body: internalBuyerHoldsBodySchema,
    answers: {
      200: json('`{events: [{eventId, holds}], more}`'),
      403: json('not a node of this cluster', errorBodySchema),
    },
  },
  {
    method: 'post',
    path: '/v1/internal/me/orders',
    summary:
      'Cluster nodes only: a buyer’s orders at events this node runs, by id, in the order asked (GET /v1/me/orders asked through another node)',
    tag: 'cluster',
    caller: 'admin',
    body: internalBuyerOrdersBodySchema,
    answers: {
      200: json('`{orders: [order]}`, each as `GET /v1/orders/:id` answers it'),
      403: json('not a node of this cluster', errorBodySchema),
      404: json('an order that is not the buyer’s (ORDER_NOT_FOUND)', errorBodySchema),
    },
  },
  {
    method: 'post',
    path: '/v1/internal/events/:id/diffs',
    summary: 'Cluster nodes only: the owner’s seat-map diffs since a version (a socket subscriber resuming elsewhere)',
    tag: 'cluster',
    caller: 'admin',
    body: internalDiffsBodySchema,
    answers: {
      200: json('`{version, diffs?}` (no diffs: the ring no longer has them)'),
      403: json('not a node of this cluster', errorBodySchema),
    },
  },
  {
    method: 'get',
    path: '/v1/events/:id/queue/stats',
    summary: "The waiting room's counts",
    tag: 'waiting room',
    caller: 'admin',
    answers: { 200: json('`{state, waiting, admitted, admittedTotal, ...}`') },
  },
  {
    method: 'get',
    path: '/v1/events/:id/risk',
    summary:
      'What the anti-bot stages saw at the event on this node: sessions by risk band, sent to the back of the waiting room and held back, refusals by front-door stage, the addresses with most sessions',
    tag: 'anti-bot',
    caller: 'admin',
    answers: { 200: json('the risk view', riskViewSchema), 404: json('NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/events/:id/waitlist',
    summary:
      "Join the event's waitlist (one active entry per buyer; the same request again returns it). Refused SEATS_AVAILABLE while seats that fit are on sale",
    tag: 'waitlist',
    caller: 'buyer',
    body: waitlistJoinBodySchema,
    answers: {
      201: json('the entry', waitlistEntryViewSchema),
      409: json('WAITLIST_ALREADY_JOINED, SEATS_AVAILABLE, HOLD_LIMIT, WAITLIST_FULL', errorBodySchema),
    },
  },
  {
    method: 'get',
    path: '/v1/events/:id/waitlist/me',
    summary: "The caller's latest waitlist entry at the event: its position, its offer, or how it ended",
    tag: 'waitlist',
    caller: 'buyer',
    answers: { 200: json('the entry', waitlistEntryViewSchema), 404: json('NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'delete',
    path: '/v1/waitlist/:entryId',
    summary: 'Leave the waitlist (an offer the entry holds goes to the next entry); requestId in the query or body',
    tag: 'waitlist',
    caller: 'buyer',
    query: z.object({ requestId: z.string().optional() }),
    answers: { 204: { description: 'left' }, 404: json('WAITLIST_ENTRY_NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/me/holds',
    summary: "The caller's live holds",
    tag: 'buyer recovery',
    caller: 'buyer',
    query: buyerListQuery,
    answers: { 200: json('`{items, next?}`') },
  },
  {
    method: 'get',
    path: '/v1/me/orders',
    summary: "The caller's orders, with tickets",
    tag: 'buyer recovery',
    caller: 'buyer',
    query: buyerListQuery,
    answers: { 200: json('`{items, next?}`') },
  },
  {
    method: 'put',
    path: '/v1/me/contact',
    summary: 'Where the server may notify the caller (replaced whole; a channel left out is never used)',
    tag: 'buyer recovery',
    caller: 'buyer',
    body: contactBodySchema,
    answers: { 200: json('the contact as stored', contactBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/me/contact',
    summary: "The caller's contact ({} when none was given)",
    tag: 'buyer recovery',
    caller: 'buyer',
    answers: { 200: json('the contact as stored', contactBodySchema) },
  },
  {
    method: 'post',
    path: '/v1/orders',
    summary: 'Check out a hold: an order with its payment',
    tag: 'orders',
    caller: 'buyer',
    body: orderBodySchema,
    answers: {
      201: json('the order', orderViewSchema),
      409: json("PURCHASE_LIMIT (the address's household), ORDER_STATE", errorBodySchema),
      410: json('HOLD_EXPIRED', errorBodySchema),
    },
  },
  {
    method: 'get',
    path: '/v1/orders/:id',
    summary: 'An order of the caller, with signed tickets once paid',
    tag: 'orders',
    caller: 'buyer',
    answers: { 200: json('the order', orderViewSchema), 404: json('ORDER_NOT_FOUND', errorBodySchema) },
  },
  {
    method: 'get',
    path: '/v1/orders/:id/history',
    summary: "Every change of the caller's order",
    tag: 'orders',
    caller: 'buyer',
    answers: { 200: json('`{events: [...]}`') },
  },
  {
    method: 'post',
    path: '/v1/orders/:id/pay',
    summary: 'Pay with the simulated provider (pm_card_visa, pm_card_chargeDeclined, ...)',
    tag: 'orders',
    caller: 'buyer',
    body: payBodySchema,
    answers: {
      200: json('paid', orderViewSchema),
      202: json('the provider has not answered yet', orderViewSchema),
      402: json('PAYMENT_FAILED', errorBodySchema),
      409: json('PURCHASE_LIMIT (the card is at its limit; nothing charged), ORDER_STATE', errorBodySchema),
    },
  },
  {
    method: 'post',
    path: '/v1/orders/:id/refund',
    summary: 'Refund a sold order; its seats go back on sale',
    tag: 'orders',
    caller: 'admin',
    body: refundBodySchema,
    answers: { 200: json('the order', orderViewSchema) },
  },
  {
    method: 'post',
    path: '/v1/payments/stripe/webhook',
    summary: 'Stripe webhook (verified by its Stripe-Signature)',
    tag: 'orders',
    caller: 'anyone',
    answers: { 200: json('`{received: true}`') },
  },
  {
    method: 'get',
    path: '/v1/payments/config',
    summary: 'How a page pays here: the provider, and for Stripe the publishable key and where Stripe.js loads from',
    tag: 'orders',
    caller: 'anyone',
    answers: { 200: json('the payments configuration', paymentsConfigViewSchema) },
  },
  {
    method: 'get',
    path: '/v1/notifications/web-push-key',
    summary: 'The VAPID public key to subscribe to Web Push with (then PUT /v1/me/contact {webPush})',
    tag: 'notifications',
    caller: 'anyone',
    answers: { 200: json('`{publicKey}` (base64url)') },
  },
  {
    method: 'get',
    path: '/v1/admin/outbox/dead',
    summary: 'Notifications out of attempts (dead letters), oldest first',
    tag: 'notifications',
    caller: 'admin',
    query: z.object({ limit: limitQuery(1_000) }),
    answers: { 200: json('`{items:[{key, topic, userId, attempts, channelsDone, lastError?, deadAt}]}`') },
  },
  {
    method: 'post',
    path: '/v1/admin/outbox/retry',
    summary:
      'Retry dead letters (these keys, or all): due at once with a fresh count of attempts; channels that took one are skipped',
    tag: 'notifications',
    caller: 'admin',
    body: deadLetterRetryBodySchema,
    answers: { 200: json('`{retried}`: how many were revived') },
  },
  {
    method: 'get',
    path: '/v1/tickets/public-key',
    summary: 'The Ed25519 key that verifies ticket codes offline',
    tag: 'tickets',
    caller: 'anyone',
    answers: { 200: json('`{alg, crv, kid, jwk, pem}`') },
  },
  {
    method: 'get',
    path: '/v1/tickets/:id/qr',
    summary: "A ticket's QR code",
    tag: 'tickets',
    caller: 'buyer',
    query: z.object({ format: z.enum(['svg', 'png']).optional() }),
    answers: { 200: { description: 'the QR code', contentType: 'image/svg+xml' } },
  },
  {
    method: 'post',
    path: '/v1/checkins',
    summary: 'Check a ticket in at a gate (once)',
    tag: 'tickets',
    caller: 'admin',
    body: checkInBodySchema,
    answers: { 200: json('checked in'), 409: json('TICKET_ALREADY_USED', errorBodySchema) },
  },
];
