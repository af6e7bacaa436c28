import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { fakeStripeJs } from './fakeStripeJs.ts';

type Intent = {
  id: string;
  object: 'payment_intent';
  amount: number;
  /** What was captured: set on success, as Stripe sets it. */
  amount_received: number;
  currency: string;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
  client_secret: string;
  metadata: Record<string, string>;
  last_payment_error: { code: string; message: string } | null;
  latest_charge: string | null;
  payment_method: string | null;
};

type Charge = {
  id: string;
  object: 'charge';
  payment_intent: string;
  payment_method: string;
  payment_method_details: { type: 'card'; card: { brand: string; fingerprint: string; last4: string } };
};

/** Test cards that succeed; each has one stable fingerprint, as Stripe's test cards do. */
const succeedingCards = new Set(['pm_card_visa', 'pm_card_visa_debit', 'pm_card_mastercard', 'pm_card_amex']);
export const fakeCardFingerprint = (paymentMethod: string): string => `fp_${paymentMethod.replace(/^pm_card_/, '')}`;
const cardOf = (paymentMethod: string) => ({
  brand: paymentMethod.replace(/^pm_card_/, '').split('_')[0]!,
  fingerprint: fakeCardFingerprint(paymentMethod),
  last4: '4242',
});

export type FakeStripeEvent = {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: unknown };
  api_version: string;
  livemode: false;
};

/**
 * A Stripe-compatible fake on loopback: enough of the API for the real `stripe` package (PaymentIntents create
 * with Idempotency-Key semantics, retrieve, confirm, cancel; refunds), and webhooks signed the way Stripe signs
 * them (`Stripe-Signature: t=...,v1=HMAC-SHA256(secret, "t.payload")`). `pm_card_slow` leaves an intent
 * processing until the test calls `complete`, which is how a payment that succeeds after the timeout is played.
 */
export const startFakeStripe = async (webhookSecret: string) => {
  const intents = new Map<string, Intent>();
  const idempotent = new Map<string, { status: number; body: unknown }>();
  const charges: { id: string; paymentIntent: string }[] = [];
  const chargeObjects = new Map<string, Charge>();
  const refunds: { id: string; paymentIntent: string; amount: number }[] = [];
  const events: FakeStripeEvent[] = [];
  /** Intents confirmed from a browser through the fake Stripe.js (publishable key and client secret). */
  const confirmsFromBrowser: string[] = [];
  const signer = new Stripe('sk_test_fake');
  let webhookUrl: string | undefined;
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_fake${++counter}`;

  const deliver = async (event: FakeStripeEvent): Promise<number> => {
    if (webhookUrl === undefined) throw new Error('no webhook url');
    const payload = JSON.stringify(event);
    const header = signer.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    await response.text();
    return response.status;
  };
  const emit = async (type: string, intent: Intent) => {
    const event: FakeStripeEvent = {
      id: nextId('evt'),
      object: 'event',
      type,
      created: Math.floor(Date.now() / 1000),
      data: { object: { ...intent } },
      api_version: Stripe.API_VERSION,
      livemode: false,
    };
    events.push(event);
    await deliver(event);
  };
  const succeed = async (intent: Intent) => {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    const charge = { id: nextId('ch'), paymentIntent: intent.id };
    charges.push(charge);
    const method = intent.payment_method ?? 'pm_card_visa';
    chargeObjects.set(charge.id, {
      id: charge.id,
      object: 'charge',
      payment_intent: intent.id,
      payment_method: method,
      payment_method_details: { type: 'card', card: cardOf(method) },
    });
    intent.latest_charge = charge.id;
    await emit('payment_intent.succeeded', intent);
  };

  const readForm = async (req: IncomingMessage): Promise<URLSearchParams> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };
  // Stripe's API answers browsers from any origin (Stripe.js calls it from the shop's page).
  const cors = { 'access-control-allow-origin': '*' };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': nextId('req'), ...cors });
    res.end(JSON.stringify(body));
  };
  const invalid = (message: string) => ({ error: { type: 'invalid_request_error', message } });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/v3/') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', ...cors });
      res.end(fakeStripeJs(`http://127.0.0.1:${port}`));
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-headers': 'content-type',
        'access-control-allow-methods': 'GET, POST',
      });
      res.end();
      return;
    }
    const form = req.method === 'POST' ? await readForm(req) : new URLSearchParams();
    const key = req.headers['idempotency-key'];
    const remembered = typeof key === 'string' ? idempotent.get(`${url.pathname}:${key}`) : undefined;
    if (remembered !== undefined) return send(res, remembered.status, remembered.body);
    const answer = (status: number, body: unknown) => {
      if (typeof key === 'string') idempotent.set(`${url.pathname}:${key}`, { status, body });
      send(res, status, body);
    };
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'POST' && url.pathname === '/v1/payment_intents') {
      const id = nextId('pi');
      const metadata: Record<string, string> = {};
      for (const [name, value] of form) {
        const match = /^metadata\[(.+)\]$/.exec(name);
        if (match) metadata[match[1]!] = value;
      }
      const intent: Intent = {
        id,
        object: 'payment_intent',
        amount: Number(form.get('amount')),
        amount_received: 0,
        currency: form.get('currency') ?? 'eur',
        status: 'requires_payment_method',
        client_secret: `${id}_secret_${counter}`,
        metadata,
        last_payment_error: null,
        latest_charge: null,
        payment_method: null,
      };
      intents.set(id, intent);
      return answer(200, intent);
    }
    if (parts[0] === 'v1' && parts[1] === 'payment_intents' && parts[2] !== undefined) {
      const intent = intents.get(parts[2]);
      if (intent === undefined) return answer(404, invalid(`No such payment_intent: '${parts[2]}'`));
      if (req.method === 'GET' && parts.length === 3) {
        const expanded = [...url.searchParams].some(
          ([name, value]) => name.startsWith('expand') && value === 'latest_charge',
        );
        const charge = intent.latest_charge === null ? undefined : chargeObjects.get(intent.latest_charge);
        return send(res, 200, expanded && charge !== undefined ? { ...intent, latest_charge: charge } : intent);
      }
      // Update, as Stripe allows before confirmation: anyone holding the secret key can change what is charged.
      if (req.method === 'POST' && parts.length === 3) {
        if (intent.status !== 'requires_payment_method')
          return answer(400, invalid(`This PaymentIntent's status is ${intent.status}`));
        if (form.has('amount')) intent.amount = Number(form.get('amount'));
        if (form.has('currency')) intent.currency = form.get('currency')!;
        return answer(200, intent);
      }
      if (req.method === 'POST' && parts[3] === 'confirm') {
        // From a browser (Stripe.js) the call carries the publishable key, which may confirm only with the intent's
        // client secret; the server's own calls carry the secret key in the header.
        if (form.has('key')) {
          confirmsFromBrowser.push(intent.id);
          if (!form.get('key')!.startsWith('pk_')) return answer(401, invalid('Invalid API Key provided'));
          if (form.get('client_secret') !== intent.client_secret)
            return answer(400, invalid('The client_secret provided does not match this PaymentIntent'));
        }
        if (intent.status !== 'requires_payment_method')
          return answer(400, invalid(`This PaymentIntent's status is ${intent.status}`));
        const method = form.get('payment_method') ?? '';
        const succeeds = succeedingCards.has(method);
        intent.payment_method = method;
        const declined = !succeeds && method !== 'pm_card_slow';
        if (declined) intent.last_payment_error = { code: 'card_declined', message: 'Your card was declined.' };
        answer(200, {
          ...intent,
          status: succeeds ? 'succeeded' : method === 'pm_card_slow' ? 'processing' : 'requires_payment_method',
        });
        if (succeeds) await succeed(intent);
        else if (method === 'pm_card_slow') intent.status = 'processing';
        else await emit('payment_intent.payment_failed', intent);
        return;
      }
      if (req.method === 'POST' && parts[3] === 'cancel') {
        if (intent.status === 'processing' || intent.status === 'succeeded') {
          return answer(
            400,
            invalid(`You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`),
          );
        }
        intent.status = 'canceled';
        return answer(200, intent);
      }
    }
    if (req.method === 'GET' && parts[0] === 'v1' && parts[1] === 'payment_methods' && parts.length === 3) {
      const id = parts[2]!;
      if (!id.startsWith('pm_card_')) return send(res, 404, invalid(`No such PaymentMethod: '${id}'`));
      return send(res, 200, { id, object: 'payment_method', type: 'card', card: cardOf(id) });
    }
    if (req.method === 'POST' && url.pathname === '/v1/refunds') {
      const intent = intents.get(form.get('payment_intent') ?? '');
      if (intent === undefined || intent.status !== 'succeeded') return answer(400, invalid('nothing to refund'));
      const refund = {
        id: nextId('re'),
        object: 'refund',
        payment_intent: intent.id,
        amount: Number(form.get('amount') ?? intent.amount),
        status: 'succeeded',
      };
      refunds.push({ id: refund.id, paymentIntent: intent.id, amount: refund.amount });
      return answer(200, refund);
    }
    return send(res, 404, invalid(`Unrecognized request URL (${req.method}: ${url.pathname})`));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      send(res, 500, { error: { type: 'api_error', message: String(error) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    /** Where pages load this fake's Stripe.js from (STRIPE_JS_URL), as they load https://js.stripe.com/v3/. */
    jsUrl: `http://127.0.0.1:${port}/v3/`,
    confirmsFromBrowser,
    intents,
    charges,
    refunds,
    events,
    setWebhookUrl(url: string) {
      webhookUrl = url;
    },
    /** Redelivers an event exactly as sent before (same id, freshly signed), as Stripe's retries do. */
    redeliver: deliver,
    /** The bank settles a processing (slow) payment. */
    async complete(paymentIntentId: string) {
      const intent = intents.get(paymentIntentId);
      if (intent?.status !== 'processing') throw new Error(`intent ${paymentIntentId} is ${intent?.status}`);
      await succeed(intent);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
