import { STATUS_CODES } from 'node:http';
import { type ContentCoding, contentCodings } from '../actors/seatMapCache.ts';
import { BookingError, type BookingErrorCode } from '../domain/bookingError.ts';
import { knownError } from './knownError.ts';
import type { HttpResponse } from './uws.ts';

export const bodyBytesMaxDefault = 64 * 1024;

/**
 * HTTP status per error code. A Record over the union makes a new code a compile error here until it is mapped.
 * SALE_NOT_OPEN is 409, not 403: the caller is allowed to buy, the event's state (not their identity) refuses,
 * and clients treat 403 as "your credentials are not enough", which would be misleading.
 */
export const httpStatusByCode: Readonly<Record<BookingErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_ADMITTED: 403,
  NOT_FOUND: 404,
  HOLD_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  WAITLIST_ENTRY_NOT_FOUND: 404,
  WAITLIST_ALREADY_JOINED: 409,
  WAITLIST_FULL: 409,
  SEATS_AVAILABLE: 409,
  SEAT_UNAVAILABLE: 409,
  VERSION_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  HOLD_LIMIT: 409,
  SOLD_OUT: 409,
  SALE_NOT_OPEN: 409,
  QUEUE_CLOSED: 409,
  QUEUE_FULL: 409,
  ORDER_STATE: 409,
  TICKET_ALREADY_USED: 409,
  HOLD_EXPIRED: 410,
  IDEMPOTENCY_KEY_REUSED: 409,
  PURCHASE_LIMIT: 409,
  PAYMENT_FAILED: 402,
  TICKET_INVALID: 400,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  CHALLENGE_REQUIRED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export type ErrorBody = { error: { code: BookingErrorCode; message: string; challenge?: unknown } };

/** A CHALLENGE_REQUIRED refusal's challenge (the challenge stage puts it in the details), for the error body. */
export const challengeOf = (error: BookingError): { challenge?: unknown } =>
  error.code === 'CHALLENGE_REQUIRED' && error.details?.challenge !== undefined
    ? { challenge: error.details.challenge }
    : {};

/** Turns any thrown value into a status and wire body; only known errors (see knownError) reveal their message. */
export const errorResponse = (error: unknown): { status: number; body: ErrorBody; internal: boolean } => {
  const known = knownError(error);
  if (known !== undefined) {
    return {
      status: httpStatusByCode[known.code],
      body: { error: { code: known.code, message: known.message, ...challengeOf(known) } },
      internal: false,
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal server error' } }, internal: true };
};

/** `Authorization: Bearer <token>`; the scheme is case-insensitive per RFC 7235. */
export const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
};

export const parseJson = (body: Buffer): unknown => {
  if (body.length === 0) throw new BookingError('INVALID_INPUT', 'expected a JSON body');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BookingError('INVALID_INPUT', 'body is not valid JSON');
  }
};

/** A tag's opaque part, without `W/` and without the content-coding suffix `codedTag` adds. */
const tagBase = (tag: string): string => tag.replace(/^W\//, '').replace(/\+(?:br|gzip)"$/, '"');

/**
 * If-None-Match against the current entity tag: `*` or any listed tag, compared weakly (W/ ignored) as RFC 9110 says
 * for If-None-Match, and across content codings: a client holding the gzip bytes of a version holds that version.
 */
export const etagMatches = (ifNoneMatch: string | undefined, etag: string): boolean => {
  if (ifNoneMatch === undefined) return false;
  const current = tagBase(etag);
  return ifNoneMatch.split(',').some((listed) => {
    const tag = listed.trim();
    return tag === '*' || tagBase(tag) === current;
  });
};

/**
 * The entity tag of a representation in a content coding: `"42"` in gzip is `"42+gzip"`. A strong tag names exact
 * bytes (RFC 9110 8.8.3), and the gzip and identity bytes of one version differ.
 */
export const codedTag = (etag: string, coding: string | undefined): string =>
  coding === undefined ? etag : `${etag.slice(0, -1)}+${coding}"`;

/**
 * The coding to send a body in, from Accept-Encoding (RFC 9110 12.5.3): the first of `contentCodings` (br, then gzip)
 * the client accepts with a q above 0, named or through `*`; undefined for identity. An absent header means identity
 * here: any coding is allowed then, but a client that says nothing may not decode one.
 */
export const preferredCoding = (acceptEncoding: string | undefined): ContentCoding | undefined => {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  // Clients send a handful of distinct Accept-Encoding values: each is parsed once (a bounded memo, emptied when full).
  const known = preferredCodings.get(acceptEncoding);
  if (known !== undefined) return known === 'identity' ? undefined : known;
  const coding = parsePreferredCoding(acceptEncoding);
  if (preferredCodings.size >= preferredCodingsMax) preferredCodings.clear();
  preferredCodings.set(acceptEncoding, coding ?? 'identity');
  return coding;
};

const preferredCodingsMax = 256;
const preferredCodings = new Map<string, ContentCoding | 'identity'>();

const parsePreferredCoding = (acceptEncoding: string): ContentCoding | undefined => {
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (name !== '') weights.set(name, Number.isNaN(weight) ? 0 : weight);
  }
  let best: ContentCoding | undefined;
  let bestWeight = 0;
  for (const coding of contentCodings) {
    const weight = weights.get(coding) ?? weights.get('*') ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
};

const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;

/**
 * One request/response pair. uWS frees `res` once onAborted fires or end() returns, and touching it afterwards
 * crashes the process, so every write goes through `send`, which does nothing once the exchange is over.
 * Construct it synchronously in the route handler: onAborted must be attached before the handler returns.
 */
export class HttpExchange {
  readonly #res: HttpResponse;
  #finished = false;
  #aborted = false;
  #onAbort: (() => void) | undefined;
  /** Settles a reply still being written when the client goes away. */
  #onAbortWhileSending: (() => void) | undefined;
  /** True while request body bytes may still be arriving; a reply then closes the connection to stop them. */
  #bodyUnread = false;

  /** A HEAD request: answered with the status and headers GET would send, and no body. */
  readonly #head: boolean;
  /** The request was malformed in a way that leaves the connection's framing in doubt: close it after the reply. */
  #closeAfterReply = false;

  constructor(res: HttpResponse, method = 'get') {
    this.#res = res;
    this.#head = method === 'head';
    res.onAborted(() => {
      this.#aborted = true;
      this.#finished = true;
      this.#onAbort?.();
      this.#onAbortWhileSending?.();
    });
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /**
   * Buffers the request body up to bytesMax. Must be called synchronously in the route handler: uWS drops
   * chunks that arrive before onData is attached. Past the limit it rejects with PAYLOAD_TOO_LARGE and ignores
   * the rest, and the reply then closes the connection so the client cannot keep uploading into it.
   */
  readBody(headers: Readonly<Record<string, string>>, bytesMax: number): Promise<Buffer> {
    const declared = headers['content-length'];
    // Repeated Content-Length headers arrive joined with ", ". uWS reads the first and parses the rest of the bytes as
    // the next request, so lengths that disagree (a request-smuggling shape) are refused and the connection closed.
    if (declared !== undefined && new Set(declared.split(',').map((value) => value.trim())).size > 1) {
      this.#closeAfterReply = true;
      return Promise.reject(new BookingError('INVALID_INPUT', `conflicting Content-Length headers: ${declared}`));
    }
    const chunked = headers['transfer-encoding'] !== undefined;
    if (!chunked && (declared === undefined || declared === '0')) return Promise.resolve(Buffer.alloc(0));
    const tooLarge = () => new BookingError('PAYLOAD_TOO_LARGE', `request body exceeds ${bytesMax} bytes`);
    this.#bodyUnread = true;
    if (declared !== undefined && Number(declared) > bytesMax) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      let settled = false;
      this.#onAbort = () => {
        settled = true;
        reject(new BookingError('UNAVAILABLE', 'client aborted the request'));
      };
      this.#res.onData((chunk, isLast) => {
        if (settled) return;
        length += chunk.byteLength;
        if (length > bytesMax) {
          settled = true;
          reject(tooLarge());
          return;
        }
        // uWS neuters the ArrayBuffer when this callback returns, so the bytes must be copied now.
        chunks.push(Buffer.copyBytesFrom(new Uint8Array(chunk)));
        if (isLast) {
          settled = true;
          this.#bodyUnread = false;
          resolve(Buffer.concat(chunks, length));
        }
      });
    });
  }

  /** The reply will close the connection (after a request whose framing cannot be trusted). */
  closeAfterReply(): void {
    this.#closeAfterReply = true;
  }

  /**
   * Writes status, headers and body in one corked syscall; a no-op when the client is gone or already answered.
   * Settles (never rejects) once every byte is handed to the kernel or the client went away. A Buffer body goes out
   * as the socket drains (tryEnd, onWritable), so a large reply to a slow reader is not copied whole into uWS's
   * buffer, and whoever waits for the promise knows when the reply is really over.
   */
  send(status: number, body: string | Buffer, headers: Readonly<Record<string, string>>): Promise<void> {
    if (this.#finished) return Promise.resolve();
    this.#finished = true;
    const res = this.#res;
    let rest: { body: Buffer; offset: number } | undefined;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
      // endWithoutBody(undefined) writes `Content-Length: 9223372036854775808` in this build, hence the explicit 0.
      const close = this.#bodyUnread || this.#closeAfterReply;
      if (status === 204 || status === 304) res.endWithoutBody(0, close);
      // HEAD: no body. This uWS build always writes its own Content-Length and cannot end a response with a reported
      // length above zero, so a HEAD answer says `Content-Length: 0` rather than the GET body's length.
      else if (this.#head) res.endWithoutBody(0, close);
      else if (typeof body === 'string' || close) res.end(body, close);
      else {
        const offset = res.getWriteOffset();
        const [, done] = res.tryEnd(body, body.length);
        if (!done) rest = { body, offset };
      }
    });
    return rest === undefined ? Promise.resolve() : this.#drain(rest.body, rest.offset);
  }

  /** The rest of a body tryEnd could not write at once, written each time the socket can take more. */
  #drain(body: Buffer, startOffset: number): Promise<void> {
    const res = this.#res;
    return new Promise((resolve) => {
      this.#onAbortWhileSending = resolve;
      res.onWritable((offset) => {
        const [ok, done] = res.tryEnd(body.subarray(offset - startOffset), body.length);
        if (done) {
          this.#onAbortWhileSending = undefined;
          resolve();
        }
        return ok;
      });
    });
  }

  /** `undefined` sends no body and no content-type (for 204). */
  sendJson(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
    const typed: Record<string, string> =
      value === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' };
    this.send(status, value === undefined ? '' : JSON.stringify(value), {
      ...typed,
      'cache-control': 'no-store',
      ...headers,
    });
  }
}

/** What the risk stage compares a device's claims with. */
export const headersOf = (
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Readonly<{ userAgent?: string; acceptLanguage?: string }> => {
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const userAgent = one(headers['user-agent']);
  const acceptLanguage = one(headers['accept-language']);
  return {
    ...(userAgent === undefined ? {} : { userAgent }),
    ...(acceptLanguage === undefined ? {} : { acceptLanguage }),
  };
};
