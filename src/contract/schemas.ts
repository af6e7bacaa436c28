import { z } from 'zod';
import { BookingError } from '../domain/bookingError.ts';
import type { HoldRequest } from '../domain/seatMap/views.ts';
import { isStorableText, unstorableMessage } from '../domain/storableText.ts';
import {
  defaultHoldTtlSeconds,
  defaultMaxSeatsPerUser,
  defaultPaymentTimeoutSeconds,
  type EventConfig,
  type Venue,
} from '../domain/venue.ts';
// From its own module, not the waitlist's index: the client SDK compiles this file without Node's types, and the
// index brings the snapshot code (Buffer).
import type { WaitlistRequest } from '../domain/waitlist/commands.ts';

export const venueSeatsMax = 200_000;
export const venueSectionsMax = 1_000;
export const generalCapacityMax = 1_000_000;
export const nameLengthMax = 200;
export const requestIdLengthMax = 128;
export const priceTiersMax = 100;
/** Matches the largest maxSeatsPerUser an event may set, so no single request can ask for more. */
export const holdSeatsMax = 50;

/**
 * The one building block for text a client sends: every string schema of the API starts here, so nothing that
 * reaches a command or the store can hold what Postgres refuses (a lone surrogate, NUL: one such string would fail
 * the append of everyone's batch) or control characters where text is one line (ids, names, request ids). Free text
 * (`lineBreaks`) may hold tabs and line breaks. Bad text is refused first and alone, so its message is plain.
 * Lengths are checked only when given (a pattern such as the id pattern may bound them itself): a 200,000-seat venue
 * has 400,000 ids, and every check per string shows in its parse time.
 */
export const storableText = (
  options: Readonly<{ lengthMin?: number; lengthMax?: number; lineBreaks?: boolean; trim?: boolean }> = {},
) => {
  const controls = options.lineBreaks ? controlButLineBreaks : controlCharacters;
  let schema = (options.trim ? z.string().trim() : z.string()).check((ctx) => {
    const text = ctx.value;
    const storable = isStorableText(text);
    if (storable && !controls.test(text)) return;
    ctx.issues.push({
      code: 'custom',
      input: text,
      abort: true,
      message: !storable
        ? unstorableMessage
        : options.lineBreaks
          ? 'must not contain control characters other than tabs and line breaks'
          : 'must not contain control characters',
    });
  });
  if (options.lengthMin !== undefined) schema = schema.min(options.lengthMin);
  if (options.lengthMax !== undefined) schema = schema.max(options.lengthMax);
  return schema;
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters (C0, DEL, C1) are what it refuses.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it refuses.
const controlButLineBreaks = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * Ids are keys of plain objects on the wire (seat maps, price tiers, expected versions): `__proto__` cannot be one,
 * since assigning it sets an object's prototype instead of a key. Other names Object.prototype has (`constructor`,
 * `toString`) are fine ids: every lookup by an id is an own-property or Map lookup.
 */
export const idSchema = storableText().regex(
  /^(?!__proto__$)[A-Za-z0-9_-]{1,64}$/,
  'must be 1..64 characters of A-Z a-z 0-9 _ - (and not __proto__, a reserved name)',
);
/**
 * A record keyed by ids. zod drops a `__proto__` key without a word (it could not be assigned); here it is refused
 * like any other bad id, so a client learns its key was not taken.
 */
const idRecord = <V extends z.ZodType>(value: V) =>
  z
    .unknown()
    .check((ctx) => {
      if (typeof ctx.value === 'object' && ctx.value !== null && Object.hasOwn(ctx.value, '__proto__')) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          path: ['__proto__'],
          abort: true,
          message: 'must be 1..64 characters of A-Z a-z 0-9 _ - (and not __proto__, a reserved name)',
        });
      }
    })
    .pipe(z.record(idSchema, value));
const nameSchema = storableText({ lengthMin: 1, lengthMax: nameLengthMax, trim: true });
/** Request ids are remembered per buyer and stored with the events they cause. */
export const requestIdSchema = storableText({ lengthMin: 1, lengthMax: requestIdLengthMax });

const seatedSectionSchema = z.object({
  id: idSchema,
  name: nameSchema,
  kind: z.literal('seated'),
  rows: z
    .array(
      z.object({
        id: idSchema,
        seats: z
          .array(z.object({ id: idSchema, priceTier: idSchema }))
          .min(1)
          .max(venueSeatsMax),
      }),
    )
    .min(1)
    .max(venueSeatsMax),
});

const generalSectionSchema = z.object({
  id: idSchema,
  name: nameSchema,
  kind: z.literal('general'),
  capacity: z.int().min(1).max(generalCapacityMax),
  priceTier: idSchema,
});

export const venueBodySchema = z
  .object({
    id: idSchema.optional(),
    name: nameSchema,
    sections: z
      .array(z.discriminatedUnion('kind', [seatedSectionSchema, generalSectionSchema]))
      .min(1)
      .max(venueSectionsMax),
  })
  .superRefine((venue, ctx) => {
    // Seat ids are the keys of the seat map and section ids the keys of general admission, so both must be unique.
    const sectionIds = new Set<string>();
    const seatIds = new Set<string>();
    venue.sections.forEach((section, s) => {
      if (sectionIds.has(section.id))
        ctx.addIssue({ code: 'custom', path: ['sections', s, 'id'], message: `duplicate section id ${section.id}` });
      sectionIds.add(section.id);
      if (section.kind !== 'seated') return;
      section.rows.forEach((row, r) => {
        row.seats.forEach((seat, i) => {
          if (seatIds.has(seat.id)) {
            ctx.addIssue({
              code: 'custom',
              path: ['sections', s, 'rows', r, 'seats', i, 'id'],
              message: `duplicate seat id ${seat.id}`,
            });
          }
          seatIds.add(seat.id);
        });
      });
    });
    if (seatIds.size > venueSeatsMax) {
      ctx.addIssue({ code: 'custom', path: ['sections'], message: `a venue has at most ${venueSeatsMax} seats` });
    }
  });

const isoDateTime = z.iso.datetime({ offset: true });

export const eventBodySchema = z.object({
  id: idSchema.optional(),
  venueId: idSchema,
  name: nameSchema,
  startsAt: isoDateTime,
  priceTiers: idRecord(
    z.object({
      amount: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
      currency: storableText().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code'),
    }),
  ).refine((tiers) => Object.keys(tiers).length >= 1 && Object.keys(tiers).length <= priceTiersMax, {
    message: `must define 1..${priceTiersMax} price tiers`,
  }),
  holdTtlSeconds: z.int().min(10).max(3600).default(defaultHoldTtlSeconds),
  paymentTimeoutSeconds: z.int().min(30).max(3600).default(defaultPaymentTimeoutSeconds),
  maxSeatsPerUser: z.int().min(1).max(holdSeatsMax).default(defaultMaxSeatsPerUser),
  saleStartsAt: isoDateTime.optional(),
  /** How long a waitlist offer's hold lasts (default 600). */
  waitlistOfferSeconds: z
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .optional(),
  waitingRoom: z
    .strictObject({
      enabled: z.boolean(),
      preQueueOpensAt: isoDateTime.optional(),
      admittedMax: z.int().min(1).max(1_000_000).optional(),
      admissionSeconds: z.int().min(10).max(3600).optional(),
      autoEngageRequestsPerSecond: z.int().min(1).max(10_000_000).optional(),
      /** Risky sessions wait at the back and are not admitted before this long after the opening (default 120). */
      riskyHeldBackSeconds: z.int().min(0).max(86_400).optional(),
    })
    .optional(),
  antibot: z
    .strictObject({
      proofOfWork: z.boolean().optional(),
      difficultyMin: z.int().min(2).max(100_000_000).optional(),
      /** The risk band from which a session is sent to the back of this event's waiting room (default high). */
      backOfRoomFrom: z.enum(['medium', 'high', 'never']).optional(),
    })
    .optional(),
});

const quantitySchema = z.int().min(1).max(holdSeatsMax);

/**
 * Behavioural signals a client may send with session creation, queue joins and holds: hints that can be forged, never
 * proof of a human (docs/operations.md "Anti-bot"). `fingerprint`: the device fingerprint's hash (the page uses
 * ThumbmarkJS; an SDK in Node takes one from its caller); `device`: what the fingerprint library saw
 * (navigator.userAgent, navigator.languages), checked against the request's headers; `pointerEvents`: pointer events
 * on the page before this click; `msSinceMapShown`: from the seat map (or the event page) shown to this click.
 */
export const signalsSchema = z.strictObject({
  fingerprint: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be the fingerprint hash: 8 to 128 letters, digits, _ or -')
    .optional(),
  device: z
    .strictObject({
      userAgent: storableText({ lengthMax: 512 }).optional(),
      languages: z
        .array(storableText({ lengthMin: 1, lengthMax: 35 }))
        .max(20)
        .optional(),
    })
    .optional(),
  pointerEvents: z.int().min(0).max(1_000_000).optional(),
  msSinceMapShown: z
    .int()
    .min(0)
    .max(7 * 24 * 3600 * 1000)
    .optional(),
});
export type Signals = z.infer<typeof signalsSchema>;

/** `POST /v1/sessions`'s optional body: the device's signals with a new session. */
export const sessionBodySchema = z.strictObject({ signals: signalsSchema.optional() });

/** A waiting room's admission token (a JWT: three base64url parts), carried by holds while the room is engaged. */
export const admissionTokenSchema = storableText().regex(
  /^[A-Za-z0-9_-]{1,512}\.[A-Za-z0-9_-]{1,1024}\.[A-Za-z0-9_-]{1,512}$/,
  'must be the admission token the waiting room gave',
);

export const compoundIdSchema = storableText().regex(
  /^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}$/,
  'must be <eventId>.<id>',
);

/**
 * `replacesHoldId`: the buyer's own live hold that this hold replaces in one step (a basket that changes): the old
 * hold is released only if the new one is placed, and its seats count as free for it, so nobody can take them in
 * between. Refused HOLD_NOT_FOUND, FORBIDDEN, HOLD_EXPIRED or ORDER_STATE when that hold cannot be replaced.
 */
const replacesHoldIdSchema = compoundIdSchema.optional();

export const seatsHoldBodySchema = z
  .strictObject({
    requestId: requestIdSchema,
    admissionToken: admissionTokenSchema.optional(),
    replacesHoldId: replacesHoldIdSchema,
    signals: signalsSchema.optional(),
    seatIds: z.array(idSchema).min(1).max(holdSeatsMax),
    expectedVersions: idRecord(z.int().min(0)).optional(),
  })
  .superRefine((body, ctx) => {
    if (new Set(body.seatIds).size !== body.seatIds.length)
      ctx.addIssue({ code: 'custom', path: ['seatIds'], message: 'seat ids repeat' });
    for (const seatId of Object.keys(body.expectedVersions ?? {})) {
      if (!body.seatIds.includes(seatId)) {
        ctx.addIssue({ code: 'custom', path: ['expectedVersions', seatId], message: 'names a seat not in seatIds' });
      }
    }
  });

export const generalHoldBodySchema = z.strictObject({
  requestId: requestIdSchema,
  admissionToken: admissionTokenSchema.optional(),
  replacesHoldId: replacesHoldIdSchema,
  signals: signalsSchema.optional(),
  sectionId: idSchema,
  quantity: quantitySchema,
});

export const bestAvailableHoldBodySchema = z.strictObject({
  requestId: requestIdSchema,
  admissionToken: admissionTokenSchema.optional(),
  replacesHoldId: replacesHoldIdSchema,
  signals: signalsSchema.optional(),
  bestAvailable: z.strictObject({
    quantity: quantitySchema,
    sectionId: idSchema.optional(),
    priceTier: idSchema.optional(),
  }),
});

export const releaseBodySchema = z.object({ requestId: requestIdSchema });

/**
 * Cluster mode, between nodes only: a socket hold or release another node received for an event this node owns (its
 * entry node validated the buyer's payload with the schemas above and identified the buyer).
 */
export const internalHoldBodySchema = z.object({
  userId: storableText({ lengthMin: 1, lengthMax: 200 }),
  requestId: requestIdSchema,
  request: z.looseObject({ kind: z.enum(['seats', 'general', 'bestAvailable']) }),
  options: z
    .object({
      admittedUntil: z.number().int().optional(),
      replacesHoldId: storableText({ lengthMin: 1, lengthMax: 400 }).optional(),
    })
    .optional(),
});
export const internalReleaseBodySchema = z.object({
  holdId: storableText({ lengthMin: 1, lengthMax: 400 }),
  userId: storableText({ lengthMin: 1, lengthMax: 200 }),
  requestId: requestIdSchema,
});
/** A socket `queue:join` another node forwards (it ran the front door's stages: risk decided `atBack`). */
export const internalQueueJoinBodySchema = z.object({
  userId: storableText({ lengthMin: 1, lengthMax: 200 }),
  atBack: z.boolean(),
});
/** A socket `waitlist:join` another node forwards. */
export const internalWaitlistJoinBodySchema = z.object({
  userId: storableText({ lengthMin: 1, lengthMax: 200 }),
  requestId: requestIdSchema,
  request: z.object({
    quantity: quantitySchema,
    sectionId: idSchema.optional(),
    priceTier: idSchema.optional(),
    together: z.boolean(),
  }),
});
/** `GET /v1/me/holds` in cluster mode: the entry node asks every node for its part (services/buyerItems.ts). */
export const internalBuyerHoldsBodySchema = z.object({
  userId: storableText({ lengthMin: 1, lengthMax: 200 }),
  eventId: idSchema.optional(),
  after: idSchema.optional(),
  limit: z.int().min(1).max(1_000),
});
/** `GET /v1/me/orders` in cluster mode: the buyer's orders at events the node called runs (services/buyerItems.ts). */
export const internalBuyerOrdersBodySchema = z.object({
  userId: storableText({ lengthMin: 1, lengthMax: 200 }),
  orderIds: z.array(compoundIdSchema).min(1).max(1_000),
});
/** A socket subscriber resuming on another node: the owner's diffs since its version. */
export const internalDiffsBodySchema = z.object({ sinceVersion: z.int().min(0) });
/** A socket `waitlist:leave` another node forwards. */
export const internalWaitlistLeaveBodySchema = z.object({
  entryId: storableText({ lengthMin: 1, lengthMax: 400 }),
  userId: storableText({ lengthMin: 1, lengthMax: 200 }),
  requestId: requestIdSchema,
});

/** `POST /v1/events/:id/queue`; the socket's `queue:join` adds the eventId. */
/** An ALTCHA payload (base64 JSON of `{challenge, solution}`) answering a CHALLENGE_REQUIRED refusal. */
export const challengeSolutionSchema = z
  .string()
  .max(4_096)
  .regex(/^[A-Za-z0-9+/=_-]+$/, 'must be the base64 ALTCHA payload');

export const queueJoinBodySchema = z.strictObject({
  requestId: requestIdSchema,
  challengeSolution: challengeSolutionSchema.optional(),
  signals: signalsSchema.optional(),
});
export const queueJoinSocketSchema = z.strictObject({
  eventId: idSchema,
  requestId: requestIdSchema,
  challengeSolution: challengeSolutionSchema.optional(),
  signals: signalsSchema.optional(),
});

/**
 * `POST /v1/events/:id/waitlist`: what the entry waits for. `together` asks for adjacent seats in one row (ignored in a
 * general-admission section). The socket's `waitlist:join` adds the eventId.
 */
export const waitlistJoinBodySchema = z.strictObject({
  requestId: requestIdSchema,
  quantity: quantitySchema,
  sectionId: idSchema.optional(),
  priceTier: idSchema.optional(),
  together: z.boolean().optional(),
});
export const waitlistJoinSocketSchema = waitlistJoinBodySchema.extend({ eventId: idSchema });

/** A waitlist join as parsed (REST, a socket, or forwarded by another node), as the waitlist takes it. */
export const waitlistRequestOf = (parsed: {
  quantity: number;
  sectionId?: string | undefined;
  priceTier?: string | undefined;
  together?: boolean | undefined;
}): WaitlistRequest => ({
  quantity: parsed.quantity,
  ...(parsed.sectionId === undefined ? {} : { sectionId: parsed.sectionId }),
  ...(parsed.priceTier === undefined ? {} : { priceTier: parsed.priceTier }),
  together: parsed.together ?? false,
});

/** `POST /v1/admin/outbox/retry`: the keys of the dead letters to retry; absent, every dead letter. */
export const deadLetterRetryBodySchema = z.strictObject({
  keys: z
    .array(storableText({ lengthMin: 1, lengthMax: 512 }))
    .min(1)
    .max(1_000)
    .optional(),
});

export type VenueInput = Omit<Venue, 'id'> & { id?: string };
export type EventInput = Omit<EventConfig, 'id'> & { id?: string };
export type HoldInput = Readonly<{
  requestId: string;
  request: HoldRequest;
  admissionToken?: string;
  replacesHoldId?: string;
  signals?: Signals;
}>;

/** A readable INVALID_INPUT: each issue prefixed with where it is, e.g. `sections.0.rows.1.seats.3.priceTier: ...`. */
export const toInvalidInput = (error: z.ZodError): BookingError => {
  const shown = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.map(String).join('.');
    return where === '' ? issue.message : `${where}: ${issue.message}`;
  });
  const more = error.issues.length > shown.length ? ` (and ${error.issues.length - shown.length} more)` : '';
  return new BookingError('INVALID_INPUT', shown.join('; ') + more);
};

export const parseWith = <S extends z.ZodType>(schema: S, value: unknown): z.output<S> => {
  const result = schema.safeParse(value);
  if (!result.success) throw toInvalidInput(result.error);
  return result.data;
};

export const parseVenue = (body: unknown): VenueInput => parseWith(venueBodySchema, body);

export const parseEvent = (body: unknown): EventInput => {
  const { saleStartsAt, waitingRoom, ...rest } = parseWith(eventBodySchema, body);
  const saleStartsAtMs = saleStartsAt === undefined ? null : Date.parse(saleStartsAt);
  if (waitingRoom === undefined) return { ...rest, saleStartsAtMs };
  if (saleStartsAtMs === null) {
    throw new BookingError('INVALID_INPUT', 'waitingRoom: a waiting room needs the event to have a saleStartsAt');
  }
  const { preQueueOpensAt, ...settings } = waitingRoom;
  const preQueueOpensAtMs = preQueueOpensAt === undefined ? undefined : Date.parse(preQueueOpensAt);
  if (preQueueOpensAtMs !== undefined && preQueueOpensAtMs > saleStartsAtMs) {
    throw new BookingError('INVALID_INPUT', 'waitingRoom.preQueueOpensAt: the pre-queue opens before the sale');
  }
  return {
    ...rest,
    saleStartsAtMs,
    waitingRoom: { ...settings, ...(preQueueOpensAtMs === undefined ? {} : { preQueueOpensAtMs }) },
  };
};

/**
 * The three hold shapes are told apart by their distinguishing key, not by a zod union: a union's failure says
 * only "invalid input", while parsing the intended shape names the exact field that is wrong.
 */
export const parseHold = (body: unknown): HoldInput => {
  const has = (key: string) => typeof body === 'object' && body !== null && Object.hasOwn(body, key);
  const extras = (
    fields: Readonly<{
      admissionToken?: string | undefined;
      replacesHoldId?: string | undefined;
      signals?: Signals | undefined;
    }>,
  ) => ({
    ...(fields.admissionToken === undefined ? {} : { admissionToken: fields.admissionToken }),
    ...(fields.replacesHoldId === undefined ? {} : { replacesHoldId: fields.replacesHoldId }),
    ...(fields.signals === undefined ? {} : { signals: fields.signals }),
  });
  if (has('seatIds')) {
    const { requestId, seatIds, expectedVersions, ...rest } = parseWith(seatsHoldBodySchema, body);
    return {
      requestId,
      request: expectedVersions ? { kind: 'seats', seatIds, expectedVersions } : { kind: 'seats', seatIds },
      ...extras(rest),
    };
  }
  if (has('bestAvailable')) {
    const { requestId, bestAvailable, ...rest } = parseWith(bestAvailableHoldBodySchema, body);
    return { requestId, request: { kind: 'bestAvailable', ...bestAvailable }, ...extras(rest) };
  }
  if (has('sectionId') || has('quantity')) {
    const { requestId, sectionId, quantity, ...rest } = parseWith(generalHoldBodySchema, body);
    return { requestId, request: { kind: 'general', sectionId, quantity }, ...extras(rest) };
  }
  throw new BookingError('INVALID_INPUT', 'a hold needs seatIds, sectionId with quantity, or bestAvailable');
};

/** Ids the server issues for holds and orders name their event: `<eventId>.<suffix>`. */

export const parseId = (name: string, value: string, schema: z.ZodString = idSchema): string => {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new BookingError('INVALID_INPUT', `${name}: ${result.error.issues[0]?.message ?? 'invalid id'}`);
  return value;
};

export const parseRequestId = (value: unknown): string => parseWith(releaseBodySchema, { requestId: value }).requestId;

/**
 * Which form of the seat map a reader wants: `map` (the default: an object per seat with status, tier and version) or
 * `status` (one status byte per seat in the layout order of `GET /v1/events/:id/layout`, base64: a few KB compressed
 * for 50,000 seats; no per-seat versions). `?form=` on `GET /v1/events/:id/seatmap`, `form` in socket `subscribe`.
 */
export const seatMapFormSchema = z.enum(['map', 'status']);
export type SeatMapFormName = z.infer<typeof seatMapFormSchema>;

/** Built once: a zod object schema costs far more to build than to run (a seat-map read is a hot path). */
const seatMapFormQuerySchema = z.object({ form: seatMapFormSchema });

export const parseSeatMapForm = (raw: string | null): SeatMapFormName =>
  raw === null ? 'map' : parseWith(seatMapFormQuerySchema, { form: raw }).form;

/** A `?limit=` query: absent, the default; else a decimal integer 1..max, or INVALID_INPUT (never a silent default). */
export const parseLimit = (raw: string | null, defaultValue: number, max: number): number => {
  if (raw === null) return defaultValue;
  const limitSchema = z
    .string()
    .regex(/^[0-9]{1,9}$/, `must be an integer 1..${max}`)
    .transform(Number)
    .pipe(z.int().min(1).max(max));
  return parseWith(z.object({ limit: limitSchema }), { limit: raw }).limit;
};

export const emailLengthMax = 254;
export const webPushEndpointLengthMax = 2_048;

/**
 * A Web Push subscription as the browser's `PushSubscription.toJSON()` gives it: an https endpoint and the two keys
 * (base64url) the payload is encrypted to.
 */
export const webPushSubscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(webPushEndpointLengthMax),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: storableText().regex(/^[A-Za-z0-9_-]{1,200}={0,2}$/, 'must be base64url'),
    auth: storableText().regex(/^[A-Za-z0-9_-]{1,100}={0,2}$/, 'must be base64url'),
  }),
});

/**
 * `PUT /v1/me/contact`: where the server may notify the buyer (order confirmations with tickets, failed payments,
 * refunds, waitlist offers). Each channel is optional; what is left out is never used, and a PUT replaces the whole.
 */
export const contactBodySchema = z.strictObject({
  email: storableText({ trim: true }).max(emailLengthMax).pipe(z.email()).optional(),
  /** E.164: a plus and up to 15 digits. */
  phone: storableText({ trim: true })
    .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number, e.g. +4915112345678')
    .optional(),
  webPush: webPushSubscriptionSchema.optional(),
});

export type BuyerContact = z.infer<typeof contactBodySchema>;

export const parseContact = (body: unknown): BuyerContact => parseWith(contactBodySchema, body);
