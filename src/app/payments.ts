import type { Activations } from '../actors/activations.ts';
import type { PaymentsConfigView } from '../contract/rest.ts';
import type { PaymentNotice, PaymentProvider } from '../payments/paymentProvider.ts';
import { createSimulatedProvider } from '../payments/simulated/simulatedProvider.ts';
import { createStripeClient, createStripeProvider } from '../payments/stripe/stripeProvider.ts';
import { parseStripeWebhook } from '../payments/stripe/webhook.ts';
import { createTicketSigner, loadOrCreateSigningKey, parseSigningKey, type TicketSigner } from '../payments/tickets.ts';
import { eventStoreAuditLog } from '../persistence/auditLog.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { type BuyerOrderView, type BuyerViews, createBuyerViews } from '../services/orders/buyerViews.ts';
import { type CheckIns, createCheckIns } from '../services/orders/checkIn.ts';
import { createOrderAudit, type OrderAudit } from '../services/orders/orderAudit.ts';
import { createOrderReads } from '../services/orders/orderReads.ts';
import { createPaymentSaga, type PaymentSaga } from '../services/orders/paymentSaga.ts';

/** Which provider takes payments; src/main.ts builds this from PAYMENT_PROVIDER and the STRIPE_* variables. */
export type PaymentsConfig =
  | Readonly<{ provider: 'simulated'; slowMethodDelayMs?: number }>
  | Readonly<{
      provider: 'stripe';
      secretKey: string;
      webhookSecret: string;
      apiBase?: string;
      /** STRIPE_PUBLISHABLE_KEY: what the buyer page's Stripe.js confirms payments with. */
      publishableKey?: string;
      /** STRIPE_JS_URL: where pages load Stripe.js from; js.stripe.com unless a test points it at a fake. */
      jsUrl?: string;
    }>;

/** Stripe.js, as Stripe requires it to be loaded: from js.stripe.com, never bundled or self-hosted. */
export const stripeJsUrlDefault = 'https://js.stripe.com/v3/';

export type PaymentsDeps = Readonly<{
  config: PaymentsConfig;
  /** TICKET_SIGNING_KEY; when unset a key is generated once and kept with the server's secrets. */
  ticketSigningKey: string | undefined;
  activations: Activations;
  /** The clock the simulated provider's slow payments settle on. */
  clock: Clock;
  store: EventStore;
  catalog: Catalog;
  logger: Logger;
  onOrderUpdated: (userId: string, order: BuyerOrderView) => void;
}>;

/** The order services the gateway's order routes call, and what the app wires to the actors' listeners. */
export type OrderServices = Readonly<{
  saga: PaymentSaga;
  views: BuyerViews;
  audit: OrderAudit;
  checkIns: CheckIns;
  /** Signs ticket codes (the e-mailed confirmation carries them as QR codes). */
  signer: TicketSigner;
  /** Verifies and parses a Stripe webhook; absent when the provider is not Stripe. */
  stripeWebhook?: (rawBody: Buffer, signature: string | undefined) => PaymentNotice | undefined;
  /** What `GET /v1/payments/config` tells pages. */
  clientConfig: PaymentsConfigView;
}>;

const clientConfigOf = (config: PaymentsConfig): PaymentsConfigView =>
  config.provider === 'stripe' && config.publishableKey !== undefined
    ? {
        provider: 'stripe',
        stripe: { publishableKey: config.publishableKey, jsUrl: config.jsUrl ?? stripeJsUrlDefault },
      }
    : { provider: config.provider };

/** Builds the provider, the ticket signer and the order services (the gateway registers their routes). */
export const startPayments = async (deps: PaymentsDeps): Promise<OrderServices> => {
  const { config, logger } = deps;
  const onError = (error: unknown, context: string) => logger.error({ err: error }, context);
  const key =
    deps.ticketSigningKey === undefined
      ? await loadOrCreateSigningKey(deps.catalog)
      : parseSigningKey(deps.ticketSigningKey);
  const signer = await createTicketSigner(key);
  let provider: PaymentProvider;
  let stripeWebhook: OrderServices['stripeWebhook'];
  let simulated: ReturnType<typeof createSimulatedProvider> | undefined;
  if (config.provider === 'stripe') {
    const stripe = createStripeClient({
      secretKey: config.secretKey,
      ...(config.apiBase === undefined ? {} : { apiBase: config.apiBase }),
    });
    provider = createStripeProvider(stripe);
    stripeWebhook = (rawBody, signature) => parseStripeWebhook(stripe, rawBody, signature, config.webhookSecret);
  } else {
    simulated = createSimulatedProvider({
      clock: deps.clock,
      ...(config.slowMethodDelayMs === undefined ? {} : { slowMethodDelayMs: config.slowMethodDelayMs }),
    });
    provider = simulated;
  }
  const reads = createOrderReads(deps.activations);
  const views = createBuyerViews({ reads, signer });
  const saga = createPaymentSaga({
    reads,
    provider,
    onOrderChanged: ({ order, view }) => {
      views
        .buyerView(view)
        .then((signed) => deps.onOrderUpdated(order.userId, signed))
        .catch((error: unknown) => onError(error, `telling the buyer of ${order.orderId} failed`));
    },
    onError,
    onWarning: (details, message) => logger.warn(details, message),
  });
  simulated?.setNoticeListener((notice) => {
    saga
      .handleNotice(notice)
      .catch((error: unknown) => onError(error, `recording simulated payment ${notice.paymentId} failed`));
  });
  logger.info({ provider: provider.name, ticketKeyId: signer.publicKey.kid }, 'payments ready');
  return {
    saga,
    views,
    audit: createOrderAudit({ reads, log: eventStoreAuditLog(deps.store) }),
    checkIns: createCheckIns({ reads, signer, clock: deps.clock }),
    signer,
    clientConfig: clientConfigOf(config),
    ...(stripeWebhook === undefined ? {} : { stripeWebhook }),
  };
};
