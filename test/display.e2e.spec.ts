import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium } from './support/browser.ts';
import { restBuyer } from './support/elsewhere.ts';
import { startTestServer } from './support/testServer.ts';

/** The live display at /display/:eventId in Chromium: counters, sections and the map follow holds and sales made elsewhere. */
describe('live display in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;
  let eventId: string;

  beforeAll(async () => {
    // The anti-bot stages on, as `npm start` has them: the display solves its session's proof of work by itself.
    server = (await startTestServer({ web: true, antibot: {} })).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(6, 12));
    eventId = await rest.createEvent({ venueId, name: 'Display Night', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.drain();
  });

  const open = async (path: string, viewport = { width: 1920, height: 1080 }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const subscribes: string[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        if (String(payload).includes('"subscribe"')) subscribes.push(String(payload));
      }),
    );
    await page.goto(`${baseUrl}${path}`);
    return { page, errors, subscribes };
  };
  const count = (page: Page, status: string) => page.locator(`#count-${status}`).textContent();
  const canvasPixels = (page: Page) =>
    page.locator('#display-map').evaluate((canvas: HTMLCanvasElement) => canvas.toDataURL());
  const paintedVersion = (page: Page) => page.locator('#display-map').getAttribute('data-version');

  it('shows the counts, then a hold and a sale made elsewhere, live, on the map and the counters', async () => {
    const { page, errors, subscribes } = await open(`/display/${eventId}`);
    await expect.poll(() => count(page, 'available'), { timeout: 15_000 }).toBe('72');
    expect(await page.locator('#title').textContent()).toBe('Display Night');
    expect(await page.locator('#event-info').textContent()).toContain('Load Hall');
    expect(await page.locator('#legend').textContent()).toContain('€120.00');
    expect(await page.locator('[data-section-id="FLOOR"]').textContent()).toContain('100 of 100 places left');
    // The display loads from the compact status form, not the full JSON map.
    expect(subscribes.some((frame) => frame.includes('"form":"status"'))).toBe(true);
    expect(await paintedVersion(page)).toBe(String((await api(baseUrl).seatMap(eventId)).version));
    const before = await canvasPixels(page);
    // The map fills the screen: the canvas takes the space beside the counters, at least 3/4 of the width.
    const box = await page.locator('#display-map').boundingBox();
    expect(box!.width).toBeGreaterThan(1920 * 0.6);
    expect(box!.height).toBeGreaterThan(1080 * 0.75);

    const buyer = await restBuyer(baseUrl);
    const { holdId } = await buyer.hold(eventId, { seatIds: ['ORCH-1-1', 'ORCH-1-2', 'ORCH-1-3'] });
    await expect.poll(() => count(page, 'held'), { timeout: 2_000 }).toBe('3');
    expect(await count(page, 'available')).toBe('69');
    expect(await page.locator('[data-section-id="ORCH"]').textContent()).toContain('69 of 72 seats left');
    await expect.poll(() => paintedVersion(page)).toBe(String((await api(baseUrl).seatMap(eventId)).version));
    const held = await canvasPixels(page);
    expect(held).not.toBe(before);
    await page.screenshot({ path: `${artifactsDir}/display-held-1080p.png` });

    expect((await buyer.buy(holdId)).status).toBe('succeeded');
    await expect.poll(() => count(page, 'sold'), { timeout: 2_000 }).toBe('3');
    expect(await count(page, 'held')).toBe('0');
    expect(await count(page, 'reserved')).toBe('0');
    await expect.poll(() => paintedVersion(page)).toBe(String((await api(baseUrl).seatMap(eventId)).version));
    expect(await canvasPixels(page)).not.toBe(held);

    // Another buyer (the first has bought 3 of the 5 a buyer may have) takes places on the floor.
    await (await restBuyer(baseUrl)).hold(eventId, { sectionId: 'FLOOR', quantity: 4 });
    await expect
      .poll(() => page.locator('[data-section-id="FLOOR"]').textContent(), { timeout: 2_000 })
      .toContain('96 of 100 places left');
    await page.screenshot({ path: `${artifactsDir}/display-sold-1080p.png` });
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
    expect(serious.map((violation) => `${violation.id}: ${violation.nodes.length} ${violation.help}`)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a 50,000-seat venue: loads, paints on one canvas and follows a hold (paint times printed)', async () => {
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(250, 200));
    const bigEventId = await rest.createEvent({
      venueId,
      name: 'Stadium Night',
      startsAt: '2027-03-01T20:00:00Z',
      priceTiers,
    });
    const started = Date.now();
    const { page, errors } = await open(`/display/${bigEventId}`);
    await expect.poll(() => count(page, 'available'), { timeout: 30_000 }).toBe('50,000');
    const loadedMs = Date.now() - started;
    const buyer = await restBuyer(baseUrl);
    const heldAt = Date.now();
    await buyer.hold(bigEventId, { seatIds: ['ORCH-250-199', 'ORCH-250-200'] });
    await expect.poll(() => count(page, 'held'), { timeout: 2_000 }).toBe('2');
    const shownMs = Date.now() - heldAt;
    const paints = await page.evaluate(() =>
      Object.fromEntries(
        ['display:paint-all', 'display:paint-seats'].map((name) => [
          name,
          performance.getEntriesByName(name).map((entry) => Math.round(entry.duration * 10) / 10),
        ]),
      ),
    );
    console.log(
      `display, 50,000 seats, 1920x1080: opened to counted ${loadedMs} ms; hold over REST to shown ${shownMs} ms;`,
      `whole paints ${JSON.stringify(paints['display:paint-all'])} ms; seat paints ${JSON.stringify(paints['display:paint-seats'])} ms`,
    );
    expect(paints['display:paint-seats']!.length).toBeGreaterThan(0);
    await page.screenshot({ path: `${artifactsDir}/display-50000.png` });
    expect(errors).toEqual([]);
  });

  it('scales to a portrait screen, and says so when the event does not exist', async () => {
    const { page, errors } = await open(`/display/${eventId}`, { width: 1080, height: 1920 });
    await expect.poll(() => count(page, 'sold'), { timeout: 15_000 }).toBe('3');
    const box = await page.locator('#display-map').boundingBox();
    expect(box!.width).toBeGreaterThan(1080 * 0.9);
    await page.screenshot({ path: `${artifactsDir}/display-portrait.png` });
    expect(errors).toEqual([]);

    const missing = await open('/display/evt_missing');
    await expect
      .poll(() => missing.page.locator('#message').textContent(), { timeout: 15_000 })
      .toContain('no event at this address');
  });
});
