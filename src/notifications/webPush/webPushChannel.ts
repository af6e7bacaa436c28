import { createHash } from 'node:crypto';
import webpush from 'web-push';
import { AddressGoneError, type Channel } from '../channel.ts';

export type VapidKeys = Readonly<{ publicKey: string; privateKey: string }>;

export type WebPushChannelOptions = Readonly<{
  vapid: VapidKeys;
  /** Who the push services may contact about this server: a `mailto:` or an `https:` URL (VAPID_SUBJECT). */
  subject: string;
  /** Longest wait for the push service. Default 10 s. */
  timeoutMs?: number;
  /** How long the push service keeps a message for a device that is offline. Default 1 h. */
  ttlSeconds?: number;
}>;

export const webPushTimeoutMsDefault = 10_000;

/** A new VAPID key pair (P-256, base64url), for a server that was given none: kept like the ticket key. */
export const generateVapidKeys = (): VapidKeys => webpush.generateVAPIDKeys();

/**
 * The Web Push `Topic` of a notification: derived from its key (32 base64url characters, the most the header takes),
 * so every attempt carries the same one, and a push service that still holds an undelivered message with that topic
 * replaces it instead of delivering both.
 */
export const pushTopicOf = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 32);

/**
 * Web Push through the `web-push` package: the payload (title, body, link and the notification itself) encrypted to the
 * subscription the buyer gave (`PUT /v1/me/contact {webPush}`), signed with the server's VAPID key.
 */
export const createWebPushChannel = (options: WebPushChannelOptions): Channel => {
  const vapidDetails = { subject: options.subject, ...options.vapid };
  return {
    name: 'webPush',
    reaches: (contact) => contact?.webPush !== undefined,
    async send(delivery, contact) {
      const subscription = contact?.webPush;
      if (subscription === undefined) throw new Error('no Web Push subscription');
      const message = await delivery.message();
      const payload = JSON.stringify({
        title: message.subject,
        body: message.short,
        ...(message.url === undefined ? {} : { url: message.url }),
        key: delivery.key,
        topic: delivery.topic,
        notification: delivery.payload,
      });
      // web-push encrypts the payload to the subscription and signs the VAPID header; the request goes out through
      // fetch, which speaks to the https push services and to a plain-http one on loopback in tests alike.
      const request = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: subscription.keys },
        payload,
        {
          vapidDetails,
          TTL: options.ttlSeconds ?? 3_600,
          topic: pushTopicOf(delivery.key),
          urgency: delivery.topic === 'waitlist_offer' ? 'high' : 'normal',
        },
      );
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers: request.headers as Record<string, string>,
        ...(request.body === null ? {} : { body: new Uint8Array(request.body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? webPushTimeoutMsDefault),
      });
      await response.arrayBuffer().catch(() => undefined);
      // 201 Created is the push service's yes. 404 and 410 say the subscription is gone for good (the browser
      // unsubscribed, or it expired): no retry can reach it, so it is dropped, and the buyer has to subscribe again.
      if (response.status === 404 || response.status === 410)
        throw new AddressGoneError('webPush', subscription.endpoint, `the push service answered ${response.status}`);
      if (!response.ok) throw new Error(`the push service answered ${response.status}`);
    },
  };
};
