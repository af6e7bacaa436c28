import type { BuyerContact } from '../contract/schemas.ts';

/** A notification as people read it, rendered once per delivery attempt and handed to every channel. */
export type RenderedMessage = Readonly<{
  subject: string;
  /** The whole message as plain text (e-mail body). */
  text: string;
  html: string;
  /** One or two sentences for a push notification or an SMS. */
  short: string;
  /** Where the buyer acts on it (their order, the offer), when the server knows its public address. */
  url?: string;
  /** Inline images the html names as `cid:<cid>` (the tickets' QR codes). */
  attachments: readonly Readonly<{ filename: string; cid: string; contentType: string; content: Buffer }>[];
}>;

export type Delivery = Readonly<{
  /** The notification's stable key: the same on every attempt, so a channel that honours idempotency sends once. */
  key: string;
  topic: string;
  userId: string;
  /** The notification itself (wire form), for channels that push data rather than text. */
  payload: unknown;
  message: RenderedMessage;
}>;

/**
 * One way to reach a buyer. `reaches` says whether the buyer gave this channel an address: a channel the buyer did not
 * give is never used. `send` resolves once the channel accepted the message, and rejects (to be retried) otherwise.
 */
export interface Channel {
  readonly name: string;
  reaches(contact: BuyerContact | undefined): boolean;
  send(delivery: Delivery, contact: BuyerContact | undefined): Promise<void>;
  close?(): Promise<void>;
}
