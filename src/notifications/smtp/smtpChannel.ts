import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Channel } from '../channel.ts';

export type SmtpChannelOptions = Readonly<{
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  url: string;
  /** The sender, e.g. `Seatactor <tickets@example.com>`. */
  from: string;
  /** Longest wait for the connection, the greeting and any reply of the server. Default 10 s. */
  timeoutMs?: number;
  /**
   * SMTP connections kept open and reused (nodemailer's pool); mails beyond them wait in the pool's queue. Default 10
   * (SMTP_CONNECTIONS_MAX): a mail service's limit per client is usually about that; docs/benchmarks.md has what 5 gave.
   */
  connectionsMax?: number;
}>;

export const smtpTimeoutMsDefault = 10_000;
export const smtpConnectionsMaxDefault = 10;
/** Mails sent over one connection before it is closed and another opened (nodemailer's default). */
const smtpMessagesPerConnectionMax = 100;

/**
 * A Message-ID derived from the notification's key: every attempt carries the same one, so a receiving system that
 * deduplicates by Message-ID (most do) shows a resent mail once. SMTP itself has no idempotency: a mail the server
 * accepted whose acknowledgement was lost is sent again.
 */
export const messageIdOf = (key: string, from: string): string => {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'seatactor.invalid';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
};

/** E-mail through nodemailer over SMTP_URL, to the address the buyer gave. */
export const createSmtpChannel = (options: SmtpChannelOptions): Channel => {
  const timeoutMs = options.timeoutMs ?? smtpTimeoutMsDefault;
  // Pooled: a mail goes out over a connection already open and greeted (one round of MAIL, RCPT, DATA) instead of a new
  // TCP (and TLS) connection, greeting and EHLO each; the dispatcher sends many at once, the pool bounds what the SMTP
  // server sees.
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.connectionsMax ?? smtpConnectionsMaxDefault,
    maxMessages: smtpMessagesPerConnectionMax,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    name: 'email',
    reaches: (contact) => contact?.email !== undefined,
    async send(delivery, contact) {
      const to = contact?.email;
      if (to === undefined) throw new Error('no e-mail address');
      const message = await delivery.message({ attachments: true });
      await transport.sendMail({
        from: options.from,
        to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: messageIdOf(delivery.key, options.from),
        headers: { 'X-Notification-Key': delivery.key },
        attachments: message.attachments.map((attachment) => ({ ...attachment })),
      });
    },
    async close() {
      transport.close();
    },
  };
};
