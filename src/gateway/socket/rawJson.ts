import { randomBytes } from 'node:crypto';
import * as defaultParser from 'socket.io-parser';
import type { ServerToClientEvents } from '../../contract/protocol.ts';

const nonce = randomBytes(8).toString('hex');
let created = 0;
/** The RawJson values met while the current packet is stringified. */
let written: RawJson[] = [];

/**
 * JSON text serialised once (a seat map of 3 MB, say) that a socket payload carries as is: the encoder below writes
 * the text into the packet where the value stands, instead of stringifying a parsed copy for every socket. Outside
 * that encoder it stringifies as a placeholder string, so it must only travel in socket.io payloads.
 */
export class RawJson {
  /** A string no payload contains (NUL and a per-process nonce), which the encoder swaps for the text. */
  readonly #placeholder = `\u0000raw-json:${nonce}:${created++}\u0000`;

  constructor(readonly text: string) {}

  toJSON(): string {
    written.push(this);
    return this.#placeholder;
  }

  /** The placeholder as JSON.stringify writes it into a packet. */
  get quoted(): string {
    return JSON.stringify(this.#placeholder);
  }
}

/**
 * Events whose payload type leaves room for binary: `order:updated` is an open record (`[key: string]: unknown`). They
 * keep the default encoder's walk for binary; the spec checks that this is every such event of the protocol.
 */
export const eventsThatMayCarryBinary: ReadonlySet<keyof ServerToClientEvents> = new Set(['order:updated']);

/** An ack, or an event whose payload type holds no binary (the protocol's types; see the encoder below). */
const cannotCarryBinary = (packet: defaultParser.Packet): boolean =>
  packet.type === defaultParser.PacketType.ACK ||
  (packet.type === defaultParser.PacketType.EVENT &&
    !eventsThatMayCarryBinary.has((packet.data as unknown[] | undefined)?.[0] as keyof ServerToClientEvents));

/** What the default encoder's string encoding is, reached past its TypeScript `private` (socket.io-parser 4.2). */
type StringEncoder = { encodeAsString(packet: defaultParser.Packet): string };

/**
 * socket.io's default encoder, whose packets are the same text it would write, with every RawJson's placeholder
 * replaced by its text. The wire format stays socket.io's default JSON parser: clients use the stock decoder.
 *
 * An ack, and an event but those below, is written as text at once, without the default encoder's `hasBinary`, which
 * walks every value of a packet (each ack, each diff) looking for a Buffer, an ArrayBuffer or a Blob to send as an
 * attachment. Every payload the server acknowledges or emits is typed by the protocol (`ClientRequests`' replies,
 * `ServerToClientEvents`), and rawJson.unit.spec.ts checks at the type level that none of those types can hold binary
 * except the events named in `eventsThatMayCarryBinary`, which keep the walk.
 */
class RawJsonEncoder extends defaultParser.Encoder {
  // biome-ignore lint/suspicious/noExplicitAny: socket.io-parser types encode's result as any[] (strings and buffers).
  override encode(packet: defaultParser.Packet): any[] {
    written = [];
    const encoded = cannotCarryBinary(packet)
      ? [(this as unknown as StringEncoder).encodeAsString(packet)]
      : super.encode(packet);
    if (written.length > 0 && typeof encoded[0] === 'string') {
      let text: string = encoded[0];
      // A value met twice in one packet (written into two places) is swapped once.
      for (const raw of new Set(written)) text = text.replaceAll(raw.quoted, () => raw.text);
      encoded[0] = text;
    }
    written = [];
    return encoded;
  }
}

/** For `new Server({ parser })`: the default parser with the RawJson-aware encoder. */
export const rawJsonParser = { ...defaultParser, Encoder: RawJsonEncoder };
