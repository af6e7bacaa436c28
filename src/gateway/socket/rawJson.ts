import { randomBytes } from 'node:crypto';
import * as defaultParser from 'socket.io-parser';

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
 * socket.io's default encoder, whose packets are the same text it would write, with every RawJson's placeholder
 * replaced by its text. The wire format stays socket.io's default JSON parser: clients use the stock decoder.
 */
class RawJsonEncoder extends defaultParser.Encoder {
  // biome-ignore lint/suspicious/noExplicitAny: socket.io-parser types encode's result as any[] (strings and buffers).
  override encode(packet: defaultParser.Packet): any[] {
    written = [];
    const encoded = super.encode(packet);
    if (written.length > 0 && typeof encoded[0] === 'string') {
      let text: string = encoded[0];
      // hasBinary and the stringify both met each value: every one is swapped once.
      for (const raw of new Set(written)) text = text.replaceAll(raw.quoted, () => raw.text);
      encoded[0] = text;
    }
    written = [];
    return encoded;
  }
}

/** For `new Server({ parser })`: the default parser with the RawJson-aware encoder. */
export const rawJsonParser = { ...defaultParser, Encoder: RawJsonEncoder };
