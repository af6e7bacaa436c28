import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium, seriousViolations } from './support/browser.ts';
import { restBuyer } from './support/elsewhere.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

/** The admin dashboard at /admin in Chromium: the token, the event list, stats that follow sales made elsewhere. */
describe('admin dashboard in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;
  let rest: ReturnType<typeof api>;
  let eventId: string;
  let roomEventId: string;

  beforeAll(async () => {
    server = (await startTestServer({ web: true })).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(6, 12));
    eventId = await rest.createEvent({ venueId, name: 'Admin Night', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const saleStartsAt = Date.now() + 10 * 60_000;
    roomEventId = await rest.createEvent({
      venueId,
      name: 'Queue Night',
      startsAt: '2027-02-01T20:00:00Z',
      saleStartsAt: new Date(saleStartsAt).toISOString(),
      priceTiers,
      waitingRoom: { enabled: true },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.drain();
  });

  const open = async (path: string) => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const statsRequests: number[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/stats')) statsRequests.push(Date.now());
    });
    await page.goto(`${baseUrl}${path}`);
    return { page, errors, statsRequests };
  };
  const signIn = async (page: Page, token: string) => {
    await page.locator('#token').fill(token);
    await page.locator('#login button[type="submit"]').click();
  };
  const stat = (page: Page, name: string) => page.locator(`#stat-${name}`).textContent();
  const restStats = async (id: string) =>
    (await rest.call('GET', `/v1/events/${id}/stats`, undefined, adminToken)).body;

  it('asks for the token, refuses a wrong one, keeps the right one for the tab', async () => {
    const { page, errors } = await open('/admin');
    await page.locator('#login').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await signIn(page, 'not-the-token');
    await expect
      .poll(() => page.locator('#message').textContent(), { timeout: 5_000 })
      .toContain('not the admin token');
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('seatactor.admin.token'))).toBeNull();

    await signIn(page, adminToken);
    await page.locator('#events-nav').waitFor();
    expect(await page.locator('#login').isVisible()).toBe(false);
    expect(await page.locator('#events').textContent()).toContain('Admin Night');
    expect(await page.locator('#events').textContent()).toContain('Queue Night');
    // A reload in the same tab goes straight to the dashboard.
    await page.reload();
    await page.locator('#events-nav').waitFor();
    expect(await page.locator('#login').isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('shows the stats and follows a hold and a sale made elsewhere, throttled, with a CSV of the orders', async () => {
    const { page, errors, statsRequests } = await open(`/admin?event=${eventId}`);
    await signIn(page, adminToken);
    const initial = await restStats(eventId);
    await expect.poll(() => stat(page, 'available'), { timeout: 15_000 }).toBe(initial.available.toLocaleString('en'));
    expect(await page.locator('#event-name').textContent()).toBe('Admin Night');
    expect(await page.locator('#events a[aria-current="page"]').textContent()).toContain('Admin Night');
    expect(await page.locator('#display-link').getAttribute('href')).toBe(`/display/${eventId}`);
    expect(await stat(page, 'sold')).toBe('0');
    expect(await page.locator('#queue').isVisible()).toBe(false);
    expect(await page.locator('#velocity-chart canvas').count()).toBeGreaterThan(0);

    const buyer = await restBuyer(baseUrl);
    const { holdId } = await buyer.hold(eventId, { seatIds: ['ORCH-1-1', 'ORCH-1-2', 'ORCH-1-3'] });
    await expect.poll(() => stat(page, 'held'), { timeout: 3_000 }).toBe('3');
    expect(await stat(page, 'holds')).toBe('1');

    const order = await buyer.buy(holdId);
    expect(order.status).toBe('succeeded');
    await expect.poll(() => stat(page, 'sold'), { timeout: 3_000 }).toBe('3');
    await expect.poll(() => stat(page, 'revenue'), { timeout: 3_000 }).toBe('€360.00');
    expect(await stat(page, 'held')).toBe('0');
    const tierP = page.locator('#tiers tbody tr', { hasText: '€120.00' });
    expect(await tierP.locator('td').nth(1).textContent()).toBe('3');
    expect(await tierP.locator('td').last().textContent()).toBe('€360.00');
    expect(await page.locator('#sections tr[data-section-id="ORCH"] td').first().textContent()).toBe('3');
    expect(await page.locator('#velocity').textContent()).toMatch(/places a minute over the last 5 minutes/);
    // The stock chart has a sample per answer: the first, the hold, the sale at least.
    expect(Number(await page.locator('#stock-chart').getAttribute('data-samples'))).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: `${artifactsDir}/admin-dashboard.png`, fullPage: true });

    // A burst of changes elsewhere: the page asks for stats at most about once a second, not once per diff.
    const before = statsRequests.length;
    const started = Date.now();
    const burst = await restBuyer(baseUrl);
    for (let seat = 1; seat <= 5; seat++) {
      const { holdId: single } = await burst.hold(eventId, { seatIds: [`ORCH-4-${seat}`] });
      await rest.release(single, burst.token);
    }
    const diffs = 10;
    await expect.poll(() => stat(page, 'held'), { timeout: 3_000 }).toBe('0');
    const { version } = await restStats(eventId);
    await expect
      .poll(() => page.locator('#event').getAttribute('data-version'), { timeout: 3_000 })
      .toBe(String(version));
    const asked = statsRequests.length - before;
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(asked).toBeGreaterThan(0);
    expect(asked).toBeLessThanOrEqual(Math.min(diffs, seconds + 2));

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    expect(download.suggestedFilename()).toBe(`orders-${eventId}.csv`);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toContain(order.orderId);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows the waiting room’s length for an event that has one', async () => {
    for (let buyer = 0; buyer < 2; buyer++) await (await restBuyer(baseUrl)).joinQueue(roomEventId);
    const { page, errors } = await open(`/admin?event=${roomEventId}`);
    await signIn(page, adminToken);
    await expect.poll(() => page.locator('#queue-waiting').textContent(), { timeout: 15_000 }).toBe('2');
    expect(await page.locator('#queue').isVisible()).toBe(true);
    // A join moves no seat, but it is a batch of the event's log like any other, so it pushes a diff, and the page asks.
    await (await restBuyer(baseUrl)).joinQueue(roomEventId);
    await expect.poll(() => page.locator('#queue-waiting').textContent(), { timeout: 3_000 }).toBe('3');
    expect((await restStats(roomEventId)).queue.waiting).toBe(3);
    await page.screenshot({ path: `${artifactsDir}/admin-queue.png`, fullPage: true });
    expect(errors).toEqual([]);
  });
});
