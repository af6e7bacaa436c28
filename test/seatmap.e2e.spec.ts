import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/app/demoSeed.ts';
import type { RunningServer } from '../src/app/startServer.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium } from './support/browser.ts';
import { startTestServer } from './support/testServer.ts';

describe('live seat-map page in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    // The anti-bot stages on, as `npm start` has them: the page solves the session's proof of work by itself.
    server = (await startTestServer({ web: true, antibot: {} })).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.drain();
  });

  it('a click holds a seat on one page and the other page shows it held within 1 s', async () => {
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(6, 12));
    const eventId = await rest.createEvent({
      venueId,
      name: 'Browser Night',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
    });
    const [one, two] = [await browser.newPage(), await browser.newPage()];
    const errors: string[] = [];
    const sessionAnswers: number[] = [];
    for (const page of [one, two]) {
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('response', (response) => {
        if (response.url().endsWith('/v1/sessions')) sessionAnswers.push(response.status());
      });
    }
    await Promise.all([one.goto(`${baseUrl}/?event=${eventId}`), two.goto(`${baseUrl}/?event=${eventId}`)]);
    const seat = (page: typeof one) => page.locator('circle[data-seat-id="ORCH-2-5"]');
    for (const page of [one, two])
      await expect.poll(() => seat(page).getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    // Each page was asked for work (429 CHALLENGE_REQUIRED), solved it in its worker and got its session, unasked.
    expect(sessionAnswers.sort()).toEqual([201, 201, 429, 429]);

    await seat(one).click();
    await expect.poll(() => seat(one).getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    const heldAt = Date.now();
    await two.waitForSelector('circle[data-seat-id="ORCH-2-5"][data-status="held"]', { timeout: 1_000 });
    expect(Date.now() - heldAt).toBeLessThan(1_000);
    expect(await seat(two).getAttribute('data-mine')).toBe('false');
    expect(await one.locator('#holds').textContent()).toContain('ORCH-2-5');
    expect((await rest.seatMap(eventId)).seats['ORCH-2-5'].status).toBe('held');
    await two.screenshot({ path: `${artifactsDir}/seatmap-observer.png`, fullPage: true });
    await one.screenshot({ path: `${artifactsDir}/seatmap-holder.png`, fullPage: true });

    // Clicking one's own held seat releases it, and the other page sees it free again.
    await seat(one).click();
    await two.waitForSelector('circle[data-seat-id="ORCH-2-5"][data-status="available"]', { timeout: 2_000 });
    expect(errors).toEqual([]);
  });

  it('opens on the demo event (not the newest) and says when a sale that has not opened opens', async () => {
    await seedDemo(server.booking, Date.now());
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(2, 4));
    const later = await rest.createEvent({
      venueId,
      name: 'Later Night',
      startsAt: '2027-06-01T20:00:00Z',
      // Half a minute short of 3 h, so the countdown reads 2 h 59 min for the whole test, not 3 h 00 min in its first second.
      saleStartsAt: new Date(Date.now() + 3 * 3_600_000 - 30_000).toISOString(),
      priceTiers,
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.locator('#title').textContent(), { timeout: 10_000 }).toBe('Demo Night');
    expect(await page.locator('#sale-state').textContent()).toBe('On sale');

    await page.goto(`${baseUrl}/?event=${later}`);
    await expect.poll(() => page.locator('#title').textContent(), { timeout: 10_000 }).toBe('Later Night');
    const state = page.locator('#sale-state');
    expect(await state.textContent()).toMatch(/^Sale opens .+ \(in 2 h 5\d min\)$/);
    expect(await state.getAttribute('data-open')).toBe('false');
    // A click before the opening is refused by the server, and the page says why.
    const seat = page.locator('circle[data-seat-id="ORCH-1-1"]');
    await expect.poll(() => seat.getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    await seat.click();
    await expect
      .poll(() => page.locator('#message').textContent(), { timeout: 5_000 })
      .toContain('The sale has not opened yet');
    expect(errors).toEqual([]);
  });
});
