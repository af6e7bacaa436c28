import type { Activations } from '../actors/activations.ts';
import type { Auth } from '../gateway/auth.ts';
import { registerOrderRoutes } from '../gateway/rest/orderRoutes.ts';
import type { Route } from '../gateway/rest/routes.ts';
import type { PaymentProvider } from '../payments/paymentProvider.ts';
import { createSimulatedProvider } from '../payments/simulated/simulatedProvider.ts';
import { createStripeClient, createStripeProvider } from '../payments/stripe/stripeProvider.ts';
import { parseStripeWebhook } from '../payments/stripe/webhook.ts';
import { createTicketSigner, loadOrCreateSigningKey, parseSigningKey } from '../payments/tickets.ts';
import type { Catalog } from '../persistence/catalog.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { type BuyerOrderView, createOrderService, type OrderService } from '../services/orderService.ts';

/** Which provider takes payments; src/main.ts builds this from PAYMENT_PROVIDER and the STRIPE_* variables. */
export type PaymentsConfig =
  | Readonly<{ provider: 'simulated'; slowMethodDelayMs?: number }>
  | Readonly<{ provider: 'stripe'; secretKey: string; webhookSecret: string; apiBase?: string }>;

export type PaymentsDeps = Readonly<{
  config: PaymentsConfig;
  /** TICKET_SIGNING_KEY; when unset a key is generated once and kept with the server's secrets. */
  ticketSigningKey: string | undefined;
  activations: Activations;
  /** The clock the simulated provider's slow payments settle on. */
  clock: Clock;
  store: EventStore;
  catalog: Catalog;
  auth: Auth;
  route: Route;
  logger: Logger;
  onOrderUpdated: (userId: string, order: BuyerOrderView) => void;
}>;

/** Builds the provider, the ticket signer and the order service, and registers their routes. */
export const startPayments = async (deps: PaymentsDeps): Promise<OrderService> => {
  const { config, logger } = deps;
  const onError = (error: unknown, context: string) => logger.error({ err: error }, context);
  const key =
    deps.ticketSigningKey === undefined
      ? await loadOrCreateSigningKey(deps.catalog)
      : parseSigningKey(deps.ticketSigningKey);
  const signer = await createTicketSigner(key);
  let provider: PaymentProvider;
  let stripeWebhook:
    | ((rawBody: Buffer, signature: string | undefined) => ReturnType<typeof parseStripeWebhook>)
    | undefined;
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
  const orders = createOrderService({
    activations: deps.activations,
    store: deps.store,
    provider,
    signer,
    onOrderUpdated: deps.onOrderUpdated,
    onError,
    onWarning: (details, message) => logger.warn(details, message),
  });
  simulated?.setNoticeListener((notice) => {
    orders
      .handleNotice(notice)
      .catch((error: unknown) => onError(error, `recording simulated payment ${notice.paymentId} failed`));
  });
  registerOrderRoutes(deps.route, {
    orders,
    auth: deps.auth,
    ...(stripeWebhook === undefined ? {} : { stripeWebhook }),
  });
  logger.info({ provider: provider.name, ticketKeyId: signer.publicKey.kid }, 'payments ready');
  return orders;
};
