import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CompactSign, calculateJwkThumbprint, compactVerify, exportJWK, type JWK } from 'jose';
import { z } from 'zod';
import { ticketCodeLengthMax } from '../contract/orderSchemas.ts';
import { BookingError } from '../domain/bookingError.ts';
import type { Catalog } from '../persistence/catalog.ts';

/** What a ticket code says, signed: enough for a gate to admit offline with only the public key. */
export type TicketPayload = Readonly<{
  ticketId: string;
  eventId: string;
  orderId: string;
  seatId?: string;
  sectionId?: string;
}>;

const payloadSchema = z.strictObject({
  ticketId: z.string().min(1).max(200),
  eventId: z.string().min(1).max(64),
  orderId: z.string().min(1).max(200),
  seatId: z.string().min(1).max(64).optional(),
  sectionId: z.string().min(1).max(64).optional(),
});

export type PublicKeyView = Readonly<{ alg: 'EdDSA'; crv: 'Ed25519'; kid: string; jwk: JWK; pem: string }>;

export type TicketSigner = Readonly<{
  /** A compact JWS (EdDSA over Ed25519). Ed25519 is deterministic, so a ticket always gets the same code. */
  sign(payload: TicketPayload): Promise<string>;
  /** The payload of a code this key signed, or TICKET_INVALID. */
  verify(code: string): Promise<TicketPayload>;
  publicKey: PublicKeyView;
}>;

export const createTicketSigner = async (privateKey: KeyObject): Promise<TicketSigner> => {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the ticket signing key must be Ed25519');
  const publicKey = createPublicKey(privateKey);
  const jwk = { ...(await exportJWK(publicKey)), alg: 'EdDSA', use: 'sig' };
  const kid = await calculateJwkThumbprint(jwk);
  const encoder = new TextEncoder();
  return {
    async sign(payload) {
      const body = payloadSchema.parse(payload);
      return new CompactSign(encoder.encode(JSON.stringify(body)))
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'seatactor-ticket' })
        .sign(privateKey);
    },
    async verify(code) {
      if (code.length > ticketCodeLengthMax) throw new BookingError('TICKET_INVALID', 'ticket code too long');
      try {
        const { payload } = await compactVerify(code, publicKey, { algorithms: ['EdDSA'] });
        return payloadSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
      } catch {
        throw new BookingError('TICKET_INVALID', 'ticket code does not verify');
      }
    },
    publicKey: {
      alg: 'EdDSA',
      crv: 'Ed25519',
      kid,
      jwk: { ...jwk, kid },
      pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
  };
};

/** `TICKET_SIGNING_KEY`: a PKCS#8 PEM, or the base64 of one (or of its DER), so it fits in one env line. */
export const parseSigningKey = (text: string): KeyObject => {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return createPrivateKey(trimmed);
  const bytes = Buffer.from(trimmed, 'base64');
  const decoded = bytes.toString('utf8');
  if (decoded.startsWith('-----BEGIN')) return createPrivateKey(decoded);
  return createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
};

/**
 * The key generated on first start and kept with the server's secrets (not in the event log, which projections
 * and exports read whole), so tickets stay verifiable across restarts without any configuration. Nodes starting
 * together all end up with the first key written. Set TICKET_SIGNING_KEY to keep the key out of the database.
 */
export const loadOrCreateSigningKey = async (catalog: Catalog): Promise<KeyObject> => {
  const pem = await catalog.secret('ticket-signing-key', () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  return createPrivateKey(pem);
};

export type QrFormat = 'svg' | 'png';

/** Medium error correction survives a scuffed phone screen; the PNG is drawn 6 pixels a module. */
const qrOptions = {
  svg: { errorCorrectionLevel: 'M', margin: 2 },
  png: { errorCorrectionLevel: 'M', margin: 2, scale: 6 },
};

type QrReply = { id: number; body?: string | Uint8Array; error?: string };

/**
 * The thread that draws QR codes (qrWorker.mjs): one per process, started on first use, holding the process open only
 * while a drawing is under way. A thread that dies fails what it was drawing, and the next drawing starts another.
 */
const qrThread = (() => {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (reply: QrReply) => void; reject: (error: Error) => void }>();
  const start = (): Worker => {
    const started = new Worker(new URL('./qrWorker.mjs', import.meta.url));
    started.unref();
    started.on('message', (reply: QrReply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      waiting?.resolve(reply);
    });
    const fail = (error: Error) => {
      if (worker === started) worker = undefined;
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    };
    started.on('error', fail);
    started.on('exit', (code) => fail(new Error(`the QR code thread stopped (exit code ${code})`)));
    return started;
  };
  return (code: string, format: QrFormat): Promise<QrReply> => {
    worker ??= start();
    const thread = worker;
    const id = nextId++;
    thread.ref();
    return new Promise<QrReply>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      thread.postMessage({ id, code, format, options: qrOptions[format] });
    });
  };
})();

/** The ticket code as a QR image, drawn on the QR code thread (the main thread only waits for it). */
export const renderTicketQr = async (
  code: string,
  format: QrFormat,
): Promise<{ body: string | Buffer; contentType: string }> => {
  const reply = await qrThread(code, format);
  if (reply.error !== undefined || reply.body === undefined)
    throw new Error(`the QR code could not be drawn: ${reply.error ?? 'no image'}`);
  return format === 'svg'
    ? { body: String(reply.body), contentType: 'image/svg+xml' }
    : { body: Buffer.from(reply.body as Uint8Array), contentType: 'image/png' };
};
