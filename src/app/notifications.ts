import type { Registry } from 'prom-client';
import type { CommittedBatch } from '../actors/eventActor.ts';
import { mayNotify, type Notification } from '../domain/notifications/notifications.ts';
import type { Channel } from '../notifications/channel.ts';
import { createSmsChannel } from '../notifications/sms/smsChannel.ts';
import { createWebhookSmsProvider, type WebhookSmsOptions } from '../notifications/sms/webhookSmsProvider.ts';
import { createSmtpChannel, type SmtpChannelOptions } from '../notifications/smtp/smtpChannel.ts';
import { createSocketChannel } from '../notifications/socketChannel.ts';
import {
  createWebPushChannel,
  generateVapidKeys,
  type VapidKeys,
  type WebPushChannelOptions,
} from '../notifications/webPush/webPushChannel.ts';
import type { TicketSigner } from '../payments/tickets.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { Contacts } from '../persistence/contacts.ts';
import type { Outbox } from '../persistence/outbox.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { createNotificationMetrics } from '../platform/notificationMetrics.ts';
import { createDeadLetters } from '../services/notifications/deadLetters.ts';
import {
  createDispatcher,
  type DeliveryOutcome,
  type DispatcherOptions,
} from '../services/notifications/dispatcher.ts';
import { createMessages } from '../services/notifications/messages.ts';

export type NotificationsConfig = Readonly<{
  /** Writes notifications into the outbox with the events (default true); false: nothing is written or sent. */
  outbox?: boolean;
  /** E-mail over SMTP (SMTP_URL, MAIL_FROM); unset: no e-mail is sent. */
  smtp?: SmtpChannelOptions;
  /**
   * Web Push (always on: it reaches only buyers who gave a subscription). `vapid` unset: a key pair is generated once
   * and kept with the server's secrets, like the ticket key, so subscriptions survive a restart. `subject` defaults to
   * the public URL when it is https, else `mailto:` the MAIL_FROM address.
   */
  webPush?: Partial<Pick<WebPushChannelOptions, 'vapid' | 'subject' | 'timeoutMs' | 'ttlSeconds'>>;
  /** SMS through the JSON-webhook provider (SMS_WEBHOOK_URL); unset: no SMS is sent. */
  sms?: WebhookSmsOptions;
  /** The outbox lease owner: NODE_ID, stable across restarts of this node. Default `local`. */
  owner?: string;
  /** The server's public address, for links in messages. */
  publicUrl?: string;
  /** Retries, backoff, leases (defaults in dispatcher.ts). */
  dispatcher?: Pick<
    DispatcherOptions,
    | 'attemptsMax'
    | 'backoffBaseMs'
    | 'backoffMaxMs'
    | 'leaseMs'
    | 'claimBatchMax'
    | 'deliveriesInFlightMax'
    | 'claimSpacingMs'
    | 'deliveredFlushMs'
    | 'deliveredBatchMax'
    | 'pollIntervalMs'
    | 'random'
  >;
  /** Told every delivery outcome (tests await them). */
  onOutcome?: (outcome: DeliveryOutcome) => void;
  /** More channels (tests, Web Push, SMS), after the socket and e-mail ones. */
  channels?: readonly Channel[];
}>;

export type NotificationsDeps = Readonly<{
  config: NotificationsConfig;
  outboxes: readonly Outbox[];
  contacts: Contacts;
  catalog: Catalog;
  signer: TicketSigner;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  push: (userId: string, notification: Notification) => void;
}>;

/** The outbox's dispatchers (one per database), their channels and metrics, wired from configuration. */
export const startNotifications = async (deps: NotificationsDeps) => {
  const { config, logger } = deps;
  const vapid = config.webPush?.vapid ?? (await loadOrCreateVapidKeys(deps.catalog));
  const channels: Channel[] = [
    createSocketChannel((userId, notification) => deps.push(userId, notification as Notification)),
    ...(config.smtp === undefined ? [] : [createSmtpChannel(config.smtp)]),
    createWebPushChannel({ ...config.webPush, vapid, subject: config.webPush?.subject ?? vapidSubjectOf(config) }),
    ...(config.sms === undefined ? [] : [createSmsChannel(createWebhookSmsProvider(config.sms))]),
    ...(config.channels ?? []),
  ];
  const messages = createMessages({
    signer: deps.signer,
    eventName: async (eventId) => (await deps.catalog.getEvent(eventId))?.name,
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
  });
  const metrics = createNotificationMetrics(deps.registry, async () => {
    const depths = await Promise.all(deps.outboxes.map((outbox) => outbox.depth()));
    return depths.reduce((sum, depth) => ({ pending: sum.pending + depth.pending, dead: sum.dead + depth.dead }), {
      pending: 0,
      dead: 0,
    });
  });
  const dispatchers = deps.outboxes.map((outbox) =>
    createDispatcher({
      outbox,
      contacts: deps.contacts,
      channels,
      render: messages.render,
      clock: deps.clock,
      owner: config.owner ?? 'local',
      ...config.dispatcher,
      metrics,
      onOutcome: (outcome) => {
        if (outcome.state === 'dead') logger.error(outcome, 'notification dead-lettered: out of attempts');
        else if (outcome.state === 'retry') logger.warn(outcome, 'notification not delivered; retrying later');
        if (outcome.channelsGone !== undefined)
          logger.info(outcome, 'a buyer address is gone for good (Web Push 404/410): dropped from their contact');
        config.onOutcome?.(outcome);
      },
      onError: (error, context) => logger.error({ err: error }, context),
    }),
  );
  const released = await Promise.all(dispatchers.map((dispatcher) => dispatcher.start()));
  const taken = released.reduce((sum, count) => sum + count, 0);
  if (taken > 0) logger.warn({ rows: taken }, 'took back outbox rows this node had leased before it stopped');
  logger.info({ channels: channels.map((channel) => channel.name) }, 'notifications ready');
  return {
    channels: channels.map((channel) => channel.name),
    /** The VAPID public key browsers subscribe with (`GET /v1/notifications/web-push-key`). */
    vapidPublicKey: vapid.publicKey,
    /** The admin's dead letters: listed, and retried on demand. */
    deadLetters: createDeadLetters({
      outboxes: deps.outboxes,
      clock: deps.clock,
      wake: () => {
        for (const dispatcher of dispatchers) dispatcher.wake();
      },
    }),
    /** A committed batch that may have written notifications wakes the dispatchers at once. */
    onCommitted(batch: CommittedBatch): void {
      if (batch.events.some(mayNotify)) for (const dispatcher of dispatchers) dispatcher.wake();
    },
    async stop(): Promise<void> {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
      await Promise.all(channels.map((channel) => channel.close?.()));
    },
  };
};

export type Notifications = Awaited<ReturnType<typeof startNotifications>>;

const vapidSecretName = 'vapid-keys';

/** The VAPID key pair kept with the server's secrets, created on first use (concurrent starts agree on one). */
export const loadOrCreateVapidKeys = async (catalog: Catalog): Promise<VapidKeys> => {
  const kept = JSON.parse(
    await catalog.secret(vapidSecretName, () => JSON.stringify(generateVapidKeys())),
  ) as VapidKeys;
  return { publicKey: kept.publicKey, privateKey: kept.privateKey };
};

const vapidSubjectOf = (config: NotificationsConfig): string => {
  if (config.publicUrl?.startsWith('https://')) return config.publicUrl;
  const address = config.smtp === undefined ? undefined : /<([^>]+)>/.exec(config.smtp.from)?.[1];
  return `mailto:${address ?? config.smtp?.from ?? 'tickets@localhost'}`;
};
