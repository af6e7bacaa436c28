import type { SmsMessage, SmsProvider } from './smsChannel.ts';

export type WebhookSmsOptions = Readonly<{
  /** Where each message is POSTed as JSON (SMS_WEBHOOK_URL). */
  url: string;
  /** Longest wait for the webhook's answer. Default 10 s. */
  timeoutMs?: number;
}>;

export const webhookSmsTimeoutMsDefault = 10_000;

/**
 * The JSON-webhook SMS provider: `POST <url>` with `{to, text, key, topic}` and an `Idempotency-Key` header (the
 * notification's key, the same on every retry); any 2xx is accepted, anything else (or no answer in time) is retried
 * by the dispatcher. A gateway in front of a real SMS service (or a small function calling one) speaks this.
 */
export const createWebhookSmsProvider = (options: WebhookSmsOptions): SmsProvider => ({
  name: 'webhook',
  async send(message: SmsMessage) {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': message.key },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(options.timeoutMs ?? webhookSmsTimeoutMsDefault),
    });
    // The body is not needed; reading it lets the connection be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`the SMS webhook answered ${response.status}`);
  },
});
