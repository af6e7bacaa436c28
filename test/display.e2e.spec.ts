import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import type { SeatMapView } from '../src/domain/seatMap/views.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium, seriousViolations } from './support/browser.ts';
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
    expect(await seriousViolations(page)).toEqual([]);
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

/**
 * The display's replay (`?replay`) in Chromium: a sale made over time on the server's manual clock, then played back
 * with the time slider. At an instant between changes the map shown (its version, the counts by status, the floor's
 * places) is the map `GET /v1/events/:id/seatmap?at=` answers for that instant, moving forwards and backwards; play
 * runs to the end, where the map is the live one.
 */
describe('live display replay in Chromium', () => {
  const clock = new ManualClock(Date.parse('2030-05-01T18:00:00Z'));
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    server = (await startTestServer({ web: true, clock })).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.drain();
  });

  it('shows at each instant of the slider the map seatmap?at= answers, and plays to the end', async () => {
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(4, 10));
    const eventId = await rest.createEvent({
      venueId,
      name: 'Replay Night',
      startsAt: '2030-06-01T20:00:00Z',
      priceTiers,
      holdTtlSeconds: 90,
    });
    const start = clock.now();
    const [alice, bob] = [await restBuyer(baseUrl), await restBuyer(baseUrl)];
    // 18:00:00 Alice holds three seats; 18:01:00 she buys them; 18:02:00 Bob holds two seats and three floor places,
    // which lapse at 18:03:30 (the actor's timer sweeps them as the clock passes).
    const { holdId } = await alice.hold(eventId, { seatIds: ['ORCH-1-1', 'ORCH-1-2', 'ORCH-1-3'] });
    clock.advance(60_000);
    await alice.buy(holdId);
    clock.advance(60_000);
    await bob.hold(eventId, { seatIds: ['ORCH-2-1', 'ORCH-2-2'] });
    await bob.hold(eventId, { sectionId: 'FLOOR', quantity: 3 });
    clock.advance(150_000);
    // A read answers once the sweep's batch has committed.
    expect((await rest.seatMap(eventId)).seats['ORCH-2-1'].status).toBe('available');

    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/display/${eventId}?replay`);
    const slider = page.getByLabel('Time');
    // The controls sit in a hidden section until the replay is loaded, and a hidden range input counts as enabled.
    await expect.poll(() => page.locator('#connection').textContent(), { timeout: 15_000 }).toBe('replay');
    await expect.poll(async () => (await slider.isVisible()) && (await slider.isEnabled())).toBe(true);
    // The slider spans the sale: from the second before the first change to the server's now.
    expect(Number(await slider.getAttribute('min'))).toBe(start - 1_000);
    expect(Number(await slider.getAttribute('max'))).toBe(clock.now());

    const count = (status: string) => page.locator(`#count-${status}`).textContent();
    const shown = async () => ({
      version: await page.locator('#display-map').getAttribute('data-version'),
      available: await count('available'),
      held: await count('held'),
      reserved: await count('reserved'),
      sold: await count('sold'),
      floor: await page.locator('[data-section-id="FLOOR"]').textContent(),
    });
    /** What the display must show at an instant: the map `?at=` answers, counted as the display counts. */
    const expected = async (atMs: number) => {
      const reply = await rest.call('GET', `/v1/events/${eventId}/seatmap?at=${new Date(atMs).toISOString()}`);
      expect(reply.status).toBe(200);
      const map = reply.body as SeatMapView;
      const counts = { available: 0, held: 0, reserved: 0, sold: 0 };
      for (const seat of Object.values(map.seats)) counts[seat.status] += 1;
      return {
        version: String(map.version),
        ...Object.fromEntries(Object.entries(counts).map(([status, value]) => [status, String(value)])),
        floor: `Floor: ${map.general.FLOOR!.available} of 100 places left`,
      };
    };
    const instants = [start + 30_000, start + 90_000, start + 150_000, start + 240_000];
    const seen = new Set<string>();
    for (const atMs of [instants[2]!, instants[0]!, instants[3]!, instants[1]!, instants[2]!]) {
      await slider.fill(String(atMs));
      expect(await slider.getAttribute('data-at-ms')).toBe(String(atMs));
      const want = await expected(atMs);
      await expect.poll(shown, { timeout: 2_000 }).toMatchObject(want);
      seen.add(JSON.stringify(want));
      // The instant in words (to the second) for screen readers, and how far into the sale it is.
      expect(await slider.getAttribute('aria-valuetext')).toMatch(/\d:\d\d:\d\d.*, \d+ of \d+ changes$/);
    }
    // Four instants, four different maps: held, sold, sold with Bob's holds, and after they lapsed.
    expect(seen.size).toBe(4);
    await page.screenshot({ path: `${artifactsDir}/display-replay-1080p.png` });

    // Play from the start at 600×: the sale's 4.5 minutes take about half a second, and end on the live map.
    await slider.fill(String(start - 1_000));
    await page.getByLabel('Speed').selectOption('600');
    await page.getByRole('button', { name: 'Play' }).click();
    await expect
      .poll(() => slider.getAttribute('data-at-ms'), { timeout: 10_000 })
      .toBe(await slider.getAttribute('max'));
    expect(await page.locator('#replay-play').textContent()).toBe('Play');
    await expect.poll(shown).toMatchObject(await expected(clock.now()));
    expect(await page.locator('#display-map').getAttribute('data-version')).toBe(
      String((await rest.seatMap(eventId)).version),
    );

    // Change by change: the step buttons land on the instants changes happened.
    await slider.fill(String(start - 1_000));
    await page.getByRole('button', { name: 'Next change' }).click();
    expect(Number(await slider.getAttribute('data-at-ms'))).toBe(start);
    await expect.poll(() => count('held')).toBe('3');

    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
