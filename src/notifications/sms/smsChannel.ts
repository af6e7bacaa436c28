import type { Channel } from '../channel.ts';

/** One text message to one number, with the notification's stable key (providers that honour it send it once). */
export type SmsMessage = Readonly<{ to: string; text: string; key: string; topic: string }>;

/** The port an SMS provider implements: resolves once the provider accepted the message, rejects to be retried. */
export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage): Promise<void>;
}

/** SMS to the number the buyer gave (`PUT /v1/me/contact {phone}`), through whichever provider the server was given. */
export const createSmsChannel = (provider: SmsProvider): Channel => ({
  name: 'sms',
  reaches: (contact) => contact?.phone !== undefined,
  async send(delivery, contact) {
    const to = contact?.phone;
    if (to === undefined) throw new Error('no phone number');
    const message = await delivery.message();
    const text = message.url === undefined ? message.short : `${message.short} ${message.url}`;
    await provider.send({ to, text, key: delivery.key, topic: delivery.topic });
  },
});
