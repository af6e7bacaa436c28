import type { BuyerContact } from '../contract/schemas.ts';

/** A notification as people read it, rendered at most once per delivery attempt and shared by its channels. */
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
  /**
   * The notification's words, rendered on first use and shared by the channels of one attempt; the attachments (the
   * tickets' QR codes) are drawn only for a channel that asks for them. A channel that pushes only `payload` (the socket)
   * renders nothing.
   */
  message(options?: RenderOptions): Promise<RenderedMessage>;
}>;

export type RenderOptions = Readonly<{ attachments?: boolean }>;

/**
 * A channel's answer that the address itself is gone for good (a Web Push endpoint answering 404 or 410): no retry can
 * succeed, so the dispatcher drops that address from the buyer's contact (only while it is still the one they gave)
 * and stops trying that channel for the notification.
 */
export class AddressGoneError extends Error {
  constructor(
    readonly field: keyof BuyerContact,
    /** The address as stored: the e-mail address, the number, or the Web Push endpoint. */
    readonly address: string,
    message: string,
  ) {
    super(message);
    this.name = 'AddressGoneError';
  }
}

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
