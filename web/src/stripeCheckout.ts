import type { Stripe, StripeConstructor, StripeElements, StripePaymentElement } from '@stripe/stripe-js';

/**
 * The Stripe side of the buyer app's checkout: Stripe.js loaded from where the server says (js.stripe.com; a loopback
 * fake in the browser tests), the Payment Element mounted with the order's client secret, and the confirmation. The
 * outcome the server acts on comes from Stripe's webhook, so after confirming the page waits for the order.
 * Typed with Stripe's own declarations (@stripe/stripe-js, types only: Stripe requires Stripe.js to be loaded from
 * js.stripe.com, never bundled).
 */

let loading: Promise<Stripe> | undefined;

/** Loads Stripe.js once (a script tag, as Stripe's own loader does) and answers `Stripe(publishableKey)`. */
export const loadStripeJs = (jsUrl: string, publishableKey: string): Promise<Stripe> => {
  loading ??= new Promise<Stripe>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = jsUrl;
    script.async = true;
    script.onload = () => {
      const makeStripe = (window as unknown as { Stripe?: StripeConstructor }).Stripe;
      if (makeStripe === undefined) reject(new Error('Stripe.js loaded but defined no Stripe'));
      else resolve(makeStripe(publishableKey));
    };
    script.onerror = () => reject(new Error('Stripe.js could not be loaded'));
    document.head.append(script);
  }).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
};

/** What a confirmation ended with: paid (the webhook settles the order), refused by the bank, or to correct and retry. */
export type Confirmation =
  | Readonly<{ kind: 'confirmed' }>
  | Readonly<{ kind: 'declined'; message: string }>
  | Readonly<{ kind: 'retry'; message: string }>;

/** One order's Payment Element: mounted into `container` for its client secret until `destroy`. */
export class StripePayment {
  private readonly elements: StripeElements;
  private readonly element: StripePaymentElement;

  constructor(
    private readonly stripe: Stripe,
    clientSecret: string,
    container: HTMLElement,
  ) {
    this.elements = stripe.elements({ clientSecret });
    this.element = this.elements.create('payment');
    this.element.mount(container);
  }

  /**
   * Confirms with what the buyer entered. A card error (a decline) ends this payment: Stripe tells the server by
   * webhook and the order fails. Other errors (details incomplete, a network hiccup) leave the payment open to retry.
   */
  async confirm(): Promise<Confirmation> {
    const { error } = await this.stripe.confirmPayment({
      elements: this.elements,
      confirmParams: { return_url: location.href },
      redirect: 'if_required',
    });
    if (error === undefined) return { kind: 'confirmed' };
    const message = error.message ?? 'The payment did not go through.';
    return error.type === 'card_error' ? { kind: 'declined', message } : { kind: 'retry', message };
  }

  destroy(): void {
    this.element.destroy();
  }
}
