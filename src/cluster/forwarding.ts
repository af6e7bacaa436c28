import { createHash, timingSafeEqual } from 'node:crypto';
import { BookingError, type BookingErrorCode } from '../domain/bookingError.ts';
import type { Placement } from './placement.ts';

/**
 * Node-to-node forwarding over HTTP: a node that does not own an event sends the request to the node that does, and
 * hands the answer back as it came. Chosen over Redis request/reply because the owner already serves exactly these
 * requests over HTTP (same routes, same validation, same idempotency by requestId), fetch keeps a connection per
 * peer alive, and a dead peer fails the request at once (connection refused) instead of at a reply timeout; the
 * measured cost is in docs/benchmarks.md ("Cluster").
 *
 * A forwarded request carries the cluster's forwarding key (derived from the session secret every node shares), so
 * the owner knows the entry node has already counted it against the buyer's limits, and never forwards it again.
 */
export const forwardHeader = 'x-seatactor-forwarded';

/** The key nodes of one cluster show each other: a hash of their shared session secret, never the secret itself. */
export const forwardingKeyOf = (sessionSecret: string): string =>
  createHash('sha256').update(`seatactor-forwarding\u0000${sessionSecret}`).digest('base64url');

export type ForwardTarget = Readonly<{ kind: 'local' }> | Readonly<{ kind: 'remote'; url: string; nodeId: string }>;

export type ForwardedReply = Readonly<{ status: number; headers: Record<string, string>; body: Buffer }>;

/**
 * Headers a forwarded request keeps (what the owner's routes read), and those its answer keeps. Not the encodings:
 * fetch decodes what it receives, so a forwarded answer goes back uncompressed (node to node and on to the client).
 */
const requestHeaders = ['authorization', 'content-type', 'if-none-match', 'x-challenge-solution', 'stripe-signature'];
const replyHeaders = ['content-type', 'etag', 'cache-control', 'retry-after'];

/** How long one forwarded request may take before the entry node answers UNAVAILABLE (the client retries). */
export const forwardTimeoutMsDefault = 5_000;

export class Forwarder {
  private readonly key: string;

  constructor(
    private readonly placement: Placement,
    sessionSecret: string,
    private readonly timeoutMs = forwardTimeoutMsDefault,
  ) {
    this.key = forwardingKeyOf(sessionSecret);
  }

  /** Whether a request came from another node of this cluster (its key matches). */
  isForwarded(header: string | undefined): boolean {
    if (header === undefined || header.length !== this.key.length) return false;
    return timingSafeEqual(Buffer.from(header), Buffer.from(this.key));
  }

  /** Where the event's requests are served: here, or the owner's URL. */
  async target(eventId: string): Promise<ForwardTarget> {
    const decision = await this.placement.route(eventId);
    if (decision.kind !== 'forward') return { kind: 'local' };
    return { kind: 'remote', url: decision.url!, nodeId: decision.nodeId };
  }

  /** The other live nodes (their heartbeat has not lapsed). */
  async peers(): Promise<{ nodeId: string; url: string }[]> {
    const live = await this.placement.liveNodes();
    return live.filter((node) => node.id !== this.placement.nodeId).map((node) => ({ nodeId: node.id, url: node.url }));
  }

  /** Sends a request to `url` as the client sent it here, and returns the owner's answer. */
  async proxy(
    url: string,
    method: string,
    pathAndQuery: string,
    headers: Readonly<Record<string, string>>,
    body: Buffer,
  ): Promise<ForwardedReply> {
    const sent: Record<string, string> = { [forwardHeader]: this.key };
    for (const name of requestHeaders) if (headers[name] !== undefined) sent[name] = headers[name];
    const response = await this.fetch(`${url}${pathAndQuery}`, {
      method: method.toUpperCase(),
      headers: sent,
      ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
    });
    const kept: Record<string, string> = {};
    for (const name of replyHeaders) {
      const value = response.headers.get(name);
      if (value !== null) kept[name] = value;
    }
    return { status: response.status, headers: kept, body: Buffer.from(await response.arrayBuffer()) };
  }

  /** Calls an internal route of the owner with a JSON body; its error answers come back as the same BookingError. */
  async call<T>(url: string, path: string, payload: unknown): Promise<T> {
    const response = await this.fetch(`${url}${path}`, {
      method: 'POST',
      headers: { [forwardHeader]: this.key, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const text = await response.text();
    const parsed = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new BookingError(
      (error?.code ?? 'UNAVAILABLE') as BookingErrorCode,
      error?.message ?? `the owner answered ${response.status}`,
    );
  }

  /** A GET of the owner's, as text (the seat map a socket subscriber needs). */
  async get(url: string, path: string): Promise<string> {
    const response = await this.fetch(`${url}${path}`, { headers: { [forwardHeader]: this.key } });
    const text = await response.text();
    if (!response.ok) throw new BookingError('UNAVAILABLE', `the owner answered ${response.status} to ${path}`);
    return text;
  }

  /** fetch with a deadline; a peer that cannot be reached or does not answer in time is UNAVAILABLE, to retry. */
  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new BookingError('UNAVAILABLE', `the event's node did not answer (${(error as Error).message}); retry`);
    }
  }
}
