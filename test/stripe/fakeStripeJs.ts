/**
 * The part of Stripe.js (v3) the buyer page uses, served by the loopback fake at `/v3/` as js.stripe.com serves the
 * real one, so a browser test drives the page's real Stripe flow: `Stripe(publishableKey)`, `stripe.elements({
 * clientSecret })`, `elements.create('payment')` with `mount`/`destroy`, and `stripe.confirmPayment({ elements,
 * redirect: 'if_required' })`. The Payment Element here is a labelled select of Stripe's test payment methods instead
 * of card fields; confirming posts it with the publishable key and the client secret to the fake's
 * `/v1/payment_intents/:id/confirm`, as Stripe.js does, and answers as Stripe.js answers: `{ paymentIntent }`, or
 * `{ error }` with `type: 'card_error'` for a decline and `'validation_error'` when nothing was chosen.
 *
 * `apiBase` is the fake's own origin (the script is plain browser JavaScript, not bundled).
 */
export const fakeStripeJs = (apiBase: string): string => `
(() => {
  const apiBase = ${JSON.stringify(apiBase)};
  const methods = [
    ['', 'Choose a test card'],
    ['pm_card_visa', 'Visa 4242 4242 4242 4242'],
    ['pm_card_mastercard', 'Mastercard 5555 5555 5555 4444'],
    ['pm_card_chargeDeclined', 'Declined card 4000 0000 0000 0002'],
  ];
  let mounted = 0;
  window.Stripe = (publishableKey) => {
    if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_')) {
      throw new Error('IntegrationError: Invalid API Key provided: ' + publishableKey);
    }
    const stripe = {
      elements(options) {
        const clientSecret = options && options.clientSecret;
        if (typeof clientSecret !== 'string' || !clientSecret.includes('_secret_')) {
          throw new Error('IntegrationError: elements() needs the PaymentIntent client secret');
        }
        const elements = {
          clientSecret,
          payment: undefined,
          create(type) {
            if (type !== 'payment') throw new Error('IntegrationError: this fake has only the Payment Element');
            const id = 'fake-stripe-method-' + ++mounted;
            const box = document.createElement('div');
            box.className = 'fake-stripe-payment-element';
            box.dataset.fakeStripe = 'payment-element';
            const label = document.createElement('label');
            label.htmlFor = id;
            label.textContent = 'Card (Stripe test mode) ';
            const select = document.createElement('select');
            select.id = id;
            select.name = 'payment_method';
            for (const [value, text] of methods) {
              const option = document.createElement('option');
              option.value = value;
              option.textContent = text;
              select.append(option);
            }
            label.append(select);
            box.append(label);
            const element = {
              mount(target) {
                const parent = typeof target === 'string' ? document.querySelector(target) : target;
                if (!parent) throw new Error('IntegrationError: no element to mount into: ' + target);
                parent.replaceChildren(box);
              },
              destroy() {
                box.remove();
                elements.payment = undefined;
              },
              method: () => select.value,
            };
            elements.payment = element;
            return element;
          },
        };
        return elements;
      },
      async confirmPayment(params) {
        const elements = params && params.elements;
        if (!elements || !elements.payment) throw new Error('IntegrationError: confirmPayment needs mounted elements');
        if (params.redirect !== 'if_required') {
          throw new Error('IntegrationError: this fake confirms without redirects only (redirect: "if_required")');
        }
        const method = elements.payment.method();
        if (method === '') {
          return { error: { type: 'validation_error', code: 'incomplete', message: 'Your card details are incomplete.' } };
        }
        const intentId = elements.clientSecret.split('_secret_')[0];
        const body = new URLSearchParams({
          key: publishableKey,
          client_secret: elements.clientSecret,
          payment_method: method,
        });
        const response = await fetch(apiBase + '/v1/payment_intents/' + encodeURIComponent(intentId) + '/confirm', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        const answer = await response.json();
        if (!response.ok) {
          return { error: { type: 'invalid_request_error', message: (answer.error && answer.error.message) || 'failed' } };
        }
        if (answer.status === 'requires_payment_method' && answer.last_payment_error) {
          return {
            error: {
              type: 'card_error',
              code: answer.last_payment_error.code,
              message: answer.last_payment_error.message,
              payment_intent: answer,
            },
          };
        }
        return { paymentIntent: answer };
      },
    };
    return stripe;
  };
})();
`;
