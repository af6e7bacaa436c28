import type { TicketPublicKeyView } from '../../src/contract/rest.ts';

/** What a ticket code says once its signature is checked: enough for a gate to let its holder in. */
export type VerifiedTicket = Readonly<{
  ticketId: string;
  eventId: string;
  orderId: string;
  seatId?: string;
  sectionId?: string;
}>;

const fromBase64Url = (text: string): Uint8Array<ArrayBuffer> => {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
};

/**
 * Checks a ticket code (a compact JWS, EdDSA over Ed25519) against the server's public key (`ticketPublicKey()`,
 * fetched once and kept) with no network: answers the ticket, or undefined when the code is not one this key signed.
 * Needs WebCrypto with Ed25519 (current browsers, Node 20+); React Native needs a WebCrypto polyfill for it.
 */
export const verifyTicketCode = async (
  code: string,
  publicKey: Pick<TicketPublicKeyView, 'jwk'>,
): Promise<VerifiedTicket | undefined> => {
  const parts = code.trim().split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const protectedHeader = JSON.parse(new TextDecoder().decode(fromBase64Url(header))) as { alg?: string };
    if (protectedHeader.alg !== 'EdDSA') return undefined;
    const subtle = globalThis.crypto.subtle;
    const key = await subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: publicKey.jwk.x ?? '' },
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
    const ok = await subtle.verify(
      { name: 'Ed25519' },
      key,
      fromBase64Url(signature),
      new TextEncoder().encode(`${header}.${payload}`),
    );
    if (!ok) return undefined;
    const ticket = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as VerifiedTicket;
    return typeof ticket.ticketId === 'string' && typeof ticket.eventId === 'string' ? ticket : undefined;
  } catch {
    return undefined;
  }
};
