/**
 * REST answers the client SDK reads (types only): events, orders, payments, tickets, contact. The server's handlers
 * produce these shapes (src/gateway/rest/); the SDK imports them from here so a renamed field breaks its build.
 */
import type { z } from 'zod';
import type { OrderView, TicketView } from '../domain/seatMap/views.ts';
import type { EventConfig, WaitingRoomSettings } from '../domain/venue.ts';
import type { paymentsConfigViewSchema } from './responses.ts';
import type { contactBodySchema } from './schemas.ts';

/** `GET /v1/events/:id/replay`: a page of the event's seat map played back from the log. */
export type { ReplayPageView } from './readSchemas.ts';

/** `GET /v1/events/:id` and each entry of `GET /v1/events`: the catalog's event with instants as ISO 8601. */
export type EventView = Readonly<
  Omit<EventConfig, 'saleStartsAtMs' | 'waitingRoom'> & {
    saleStartsAt: string | null;
    waitingRoom?: Readonly<Omit<WaitingRoomSettings, 'preQueueOpensAtMs'> & { preQueueOpensAt?: string }>;
  }
>;

/** A ticket as its buyer reads it: `code` is a compact JWS (EdDSA, Ed25519) a gate verifies with the public key. */
export type IssuedTicketView = TicketView & Readonly<{ code: string }>;

/** An order as `GET /v1/orders/:id`, `POST /v1/orders/:id/pay` and `GET /v1/me/orders` answer it. */
export type BuyerOrderView = Omit<OrderView, 'tickets'> & Readonly<{ tickets?: readonly IssuedTicketView[] }>;

/**
 * `POST /v1/orders`: the order placed for a hold. `payment.clientSecret` is what Stripe.js (Payment Element) or a
 * native Stripe SDK confirms the payment with when the server's provider is Stripe.
 */
export type OrderPlacement = Readonly<{
  orderId: string;
  status: OrderView['status'];
  amount: number;
  currency: string;
  payment: Readonly<{ provider: string; clientSecret?: string }>;
  expiresAt: string;
}>;

/** `GET /v1/tickets/public-key`: the key every ticket code is signed with (JWK and PEM). */
export type TicketPublicKeyView = Readonly<{
  alg: 'EdDSA';
  crv: 'Ed25519';
  kid: string;
  jwk: Readonly<{ kty?: string; crv?: string; x?: string; kid?: string; alg?: string; use?: string }>;
  pem: string;
}>;

/** `PUT /v1/me/contact` takes it, `GET /v1/me/contact` answers it: where this buyer's notifications go. */
export type BuyerContactView = z.infer<typeof contactBodySchema>;

/** `GET /v1/payments/config`: which provider takes payments, and for Stripe what Stripe.js needs. */
export type PaymentsConfigView = z.infer<typeof paymentsConfigViewSchema>;
