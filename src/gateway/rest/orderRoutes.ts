import { checkInBodySchema, orderBodySchema, payBodySchema, refundBodySchema } from '../../contract/orderSchemas.ts';
import type { PaymentsConfigView } from '../../contract/rest.ts';
import { compoundIdSchema, parseId, parseWith } from '../../contract/schemas.ts';
import { BookingError } from '../../domain/bookingError.ts';
import { householdKeyOf } from '../../domain/seatMap/purchaseLimits.ts';
import { requireAdmin, requireBuyer } from '../../frontDoor/identify.ts';
import type { PaymentNotice } from '../../payments/paymentProvider.ts';
import type { BuyerViews } from '../../services/orders/buyerViews.ts';
import type { CheckIns } from '../../services/orders/checkIn.ts';
import type { OrderAudit } from '../../services/orders/orderAudit.ts';
import type { PaymentSaga } from '../../services/orders/paymentSaga.ts';
import { parseJson } from '../http.ts';
import type { Route } from './routes.ts';

/** Stripe sends events of up to a few KB; this leaves room without letting anyone post megabytes. */
export const webhookBodyBytesMax = 256 * 1024;

export type OrderRouteDeps = Readonly<{
  saga: PaymentSaga;
  views: BuyerViews;
  audit: OrderAudit;
  checkIns: CheckIns;
  /** Verifies and parses a Stripe webhook; absent when the provider is not Stripe. */
  stripeWebhook?: (rawBody: Buffer, signature: string | undefined) => PaymentNotice | undefined;
  /** What `GET /v1/payments/config` answers: how a page pays here. */
  clientConfig: PaymentsConfigView;
}>;

/** Orders, payments, tickets and check-ins, registered through the gateway's route helper; each calls one service. */
export const registerOrderRoutes = (route: Route, deps: OrderRouteDeps): void => {
  const { saga, views, audit, checkIns } = deps;

  route('post', '/v1/orders', async ({ door, body }) => {
    const { userId } = requireBuyer(door.who);
    const { holdId, requestId, address } = parseWith(orderBodySchema, parseJson(body));
    const householdKey = address === undefined ? undefined : householdKeyOf(address);
    return { status: 201, json: await saga.placeOrder(holdId, userId, requestId, householdKey) };
  });

  route('get', '/v1/orders/:id', async ({ door, params }) => {
    const { userId } = requireBuyer(door.who);
    return { status: 200, json: await views.getOrder(parseId('id', params.id ?? '', compoundIdSchema), userId) };
  });

  route('get', '/v1/orders/:id/history', async ({ door, params }) => {
    const { userId } = requireBuyer(door.who);
    return {
      status: 200,
      json: { events: await audit.history(parseId('id', params.id ?? '', compoundIdSchema), userId) },
    };
  });

  route('post', '/v1/orders/:id/pay', async ({ door, params, body }) => {
    const { userId } = requireBuyer(door.who);
    const orderId = parseId('id', params.id ?? '', compoundIdSchema);
    const { paymentMethod } = parseWith(payBodySchema, parseJson(body));
    const order = await views.buyerView(await saga.pay(orderId, userId, paymentMethod));
    // 202 while the provider has not answered yet (a slow method, or Stripe's webhook still to come).
    return { status: order.status === 'succeeded' ? 200 : 202, json: order };
  });

  route(
    'post',
    '/v1/payments/stripe/webhook',
    async ({ headers, body }) => {
      if (deps.stripeWebhook === undefined)
        throw new BookingError('NOT_FOUND', 'the Stripe provider is not configured');
      const notice = deps.stripeWebhook(body, headers['stripe-signature']);
      if (notice !== undefined) {
        await saga.handleNotice(notice).catch((error: unknown) => {
          // An order this server does not know is acknowledged, or Stripe would retry it for days.
          if (!(error instanceof BookingError && error.code === 'ORDER_NOT_FOUND')) throw error;
        });
      }
      return { status: 200, json: { received: true } };
    },
    { bodyBytesMax: webhookBodyBytesMax },
  );

  route('get', '/v1/payments/config', () => ({
    status: 200,
    json: deps.clientConfig,
    headers: { 'cache-control': 'public, max-age=60' },
  }));

  route('get', '/v1/tickets/public-key', () => ({
    status: 200,
    json: views.publicKey(),
    headers: { 'cache-control': 'public, max-age=300' },
  }));

  route('get', '/v1/tickets/:id/qr', async ({ door, params, query }) => {
    const { userId } = requireBuyer(door.who);
    const format = query.get('format') ?? 'svg';
    if (format !== 'svg' && format !== 'png') throw new BookingError('INVALID_INPUT', 'format must be svg or png');
    const { body, contentType } = await views.ticketQr(
      parseId('id', params.id ?? '', compoundIdSchema),
      userId,
      format,
    );
    return { status: 200, text: body, headers: { 'content-type': contentType, 'cache-control': 'private, no-store' } };
  });

  route('post', '/v1/orders/:id/refund', async ({ door, params, body }) => {
    requireAdmin(door.who);
    const orderId = parseId('id', params.id ?? '', compoundIdSchema);
    const { reason } = parseWith(refundBodySchema, body.length === 0 ? {} : parseJson(body));
    return { status: 200, json: await views.buyerView(await saga.refundOrder(orderId, reason)) };
  });

  route('post', '/v1/checkins', async ({ door, body }) => {
    requireAdmin(door.who);
    const { code, gate } = parseWith(checkInBodySchema, parseJson(body));
    return { status: 200, json: await checkIns.checkIn(code, gate) };
  });
};
