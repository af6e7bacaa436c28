import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { startFakeStripe } from './stripe/fakeStripe.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium, seriousViolations } from './support/browser.ts';
import { startTestServer } from './support/testServer.ts';

const webhookSecret = 'whsec_browser_test';

/**
 * The buyer app paying through Stripe in Chromium: the server's Stripe provider (the real `stripe` package) against
 * the loopback fake, and the page's Stripe.js from the same fake (STRIPE_JS_URL), so the whole flow runs for real:
 * order → PaymentIntent with its client secret → Payment Element → confirmPayment from the browser → signed webhook →
 * order paid → tickets with QR codes. Only the URL Stripe.js is loaded from differs from production.
 */
describe('buyer app paying with Stripe (Payment Element) in Chromium', () => {
  let fake: Awaited<ReturnType<typeof startFakeStripe>>;
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;
  let eventId: string;

  beforeAll(async () => {
    fake = await startFakeStripe(webhookSecret);
    server = (
      await startTestServer({
        web: true,
        payments: {
          provider: 'stripe',
          secretKey: 'sk_test_fake',
          webhookSecret,
          apiBase: fake.url,
          publishableKey: 'pk_test_fake',
          jsUrl: fake.jsUrl,
        },
      })
    ).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    fake.setWebhookUrl(`${baseUrl}/v1/payments/stripe/webhook`);
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(4, 10));
    eventId = await rest.createEvent({ venueId, name: 'Stripe Night', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.drain();
    await fake?.close();
  });

  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    });
    await page.goto(`${baseUrl}/?event=${eventId}`);
    return { page, errors, scripts };
  };
  const seat = (page: Page, seatId: string) => page.locator(`circle[data-seat-id="${seatId}"]`);
  const pick = async (page: Page, seatIds: readonly string[]) => {
    await expect.poll(() => seat(page, seatIds[0]!).getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    for (const seatId of seatIds) {
      await seat(page, seatId).click();
      await expect.poll(() => seat(page, seatId).getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    }
  };
  const card = (page: Page) => page.getByLabel('Card (Stripe test mode)');

  it('loads Stripe.js from the configured URL, and pays 2 seats: intent → confirm in the browser → webhook → tickets', async () => {
    const { page, errors, scripts } = await open();
    await expect.poll(() => page.locator('#pay').textContent(), { timeout: 10_000 }).toBe('Continue to payment');
    expect(scripts).toContain(fake.jsUrl);
    expect(await page.locator('#card-label').isHidden()).toBe(true);
    await pick(page, ['ORCH-1-1', 'ORCH-1-2']);

    await page.locator('#pay').click();
    await card(page).waitFor({ timeout: 10_000 });
    // The order reserved the seats and made a PaymentIntent for their price; the basket shows what is being paid.
    await expect.poll(() => seat(page, 'ORCH-1-1').getAttribute('data-status'), { timeout: 5_000 }).toBe('reserved');
    expect(await page.locator('#pay').textContent()).toBe('Pay €240.00');
    expect(await page.locator('#holds li').count()).toBe(2);
    expect(await page.locator('#countdown').textContent()).toMatch(/^Reserved while you pay, for \d+:\d\d$/);
    const intent = [...fake.intents.values()].at(-1)!;
    expect(intent).toMatchObject({ amount: 24000, currency: 'eur', status: 'requires_payment_method' });
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${artifactsDir}/buyer-stripe-element.png`, fullPage: true });

    await card(page).selectOption('pm_card_visa');
    await page.locator('#pay').click();
    await page.waitForSelector('#tickets .ticket svg', { timeout: 10_000 });
    expect(await page.locator('#tickets .ticket').count()).toBe(2);
    expect(fake.confirmsFromBrowser).toContain(intent.id);
    expect(fake.events.map((event) => event.type)).toContain('payment_intent.succeeded');
    expect(await seat(page, 'ORCH-1-1').getAttribute('data-status')).toBe('sold');
    expect(await page.locator('#stripe-element').isHidden()).toBe(true);
    await page.screenshot({ path: `${artifactsDir}/buyer-stripe-tickets.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  it('incomplete details stay on the payment; a decline says so in words and holds the seats again', async () => {
    const { page, errors } = await open();
    await expect.poll(() => page.locator('#pay').textContent(), { timeout: 10_000 }).toBe('Continue to payment');
    await pick(page, ['ORCH-2-1']);
    await page.locator('#pay').click();
    await card(page).waitFor({ timeout: 10_000 });
    const intent = [...fake.intents.values()].at(-1)!;

    await page.locator('#pay').click();
    await expect.poll(() => page.locator('#message').textContent(), { timeout: 5_000 }).toContain('incomplete');
    expect(intent.status).toBe('requires_payment_method');
    expect(await seat(page, 'ORCH-2-1').getAttribute('data-status')).toBe('reserved');

    await card(page).selectOption('pm_card_chargeDeclined');
    await page.locator('#pay').click();
    await expect.poll(() => page.locator('#message').textContent(), { timeout: 10_000 }).toContain('declined');
    expect(await page.locator('#message').textContent()).not.toMatch(/[A-Z]{4,}_[A-Z]+/);
    expect(fake.events.map((event) => event.type)).toContain('payment_intent.payment_failed');
    await expect.poll(() => seat(page, 'ORCH-2-1').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    expect(await page.locator('#pay').textContent()).toBe('Continue to payment');
    expect(await page.locator('#stripe-element').isHidden()).toBe(true);
    expect(errors).toEqual([]);
  });
});
