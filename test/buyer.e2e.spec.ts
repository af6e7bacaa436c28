import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium, seriousViolations } from './support/browser.ts';
import { startTestServer } from './support/testServer.ts';

/** The buyer app at / in Chromium: the whole journey, a decline, a second browser watching, phone size, axe. */
describe('buyer app in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;
  let eventId: string;

  beforeAll(async () => {
    // The anti-bot stages on, as `npm start` has them: the buyer journey runs through the page's own proof of work.
    server = (await startTestServer({ web: true, antibot: {} })).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(6, 12));
    eventId = await rest.createEvent({ venueId, name: 'Buyer Night', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.drain();
  });

  const open = async (viewport = { width: 1280, height: 900 }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/?event=${eventId}`);
    return { page, errors };
  };
  const seat = (page: Page, seatId: string) => page.locator(`circle[data-seat-id="${seatId}"]`);

  it('session → 2 seats in one basket → pay pm_card_visa → tickets with QR; a second browser sees them sold; a reload keeps the tickets', async () => {
    const { page, errors } = await open();
    const watcher = await open();
    await expect.poll(() => seat(page, 'ORCH-1-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    expect(await page.locator('#event-info').textContent()).toMatch(/2027/);
    expect(await page.locator('#legend').textContent()).toContain('€120.00');

    await seat(page, 'ORCH-1-1').click();
    await expect.poll(() => seat(page, 'ORCH-1-1').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    // The keyboard: focus a seat and press Enter.
    await seat(page, 'ORCH-1-2').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => seat(page, 'ORCH-1-2').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    expect(await seat(page, 'ORCH-1-2').getAttribute('aria-label')).toMatch(
      /Orchestra, row R1, seat 2, €120\.00: in your basket/,
    );
    // One basket: both seats in one hold, one countdown, one total.
    expect(await page.locator('#holds li').count()).toBe(2);
    expect(await page.locator('#countdown').textContent()).toMatch(/^Held for you for \d+:\d\d$/);
    expect(await page.locator('#total').textContent()).toBe('Total €240.00');
    await expect
      .poll(() => seat(watcher.page, 'ORCH-1-2').getAttribute('data-status'), { timeout: 2_000 })
      .toBe('held');
    await page.screenshot({ path: `${artifactsDir}/buyer-basket-desktop.png`, fullPage: true });

    // The basket survives a reload.
    await page.reload();
    await expect.poll(() => seat(page, 'ORCH-1-2').getAttribute('data-mine'), { timeout: 10_000 }).toBe('true');
    expect(await page.locator('#holds li').count()).toBe(2);

    await page.locator('#card').selectOption('pm_card_visa');
    await page.locator('#pay').click();
    await page.waitForSelector('#tickets .ticket svg', { timeout: 10_000 });
    expect(await page.locator('#tickets .ticket').count()).toBe(2);
    expect(await page.locator('#tickets .ticket svg').count()).toBe(2);
    await expect
      .poll(() => seat(watcher.page, 'ORCH-1-1').getAttribute('data-status'), { timeout: 2_000 })
      .toBe('sold');
    await page.screenshot({ path: `${artifactsDir}/buyer-tickets-desktop.png`, fullPage: true });

    await page.reload();
    await page.waitForSelector('#my-tickets .ticket svg', { timeout: 10_000 });
    expect(await page.locator('#my-tickets .ticket').count()).toBe(2);
    expect(await seat(page, 'ORCH-1-1').getAttribute('data-status')).toBe('sold');
    expect([...errors, ...watcher.errors]).toEqual([]);
  });

  it('a declined card says so in words and puts the seats back in the basket', async () => {
    const { page, errors } = await open();
    await expect.poll(() => seat(page, 'ORCH-2-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    await seat(page, 'ORCH-2-1').click();
    await expect.poll(() => seat(page, 'ORCH-2-1').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    await page.locator('#card').selectOption('pm_card_chargeDeclined');
    await page.locator('#pay').click();
    await expect.poll(() => page.locator('#message').textContent(), { timeout: 10_000 }).toContain('declined');
    expect(await page.locator('#message').textContent()).not.toMatch(/[A-Z]{4,}_[A-Z]+/);
    await expect.poll(() => seat(page, 'ORCH-2-1').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    expect(errors).toEqual([]);
  });

  it('on a phone every seat is a 24 px touch target, and axe finds no serious violation', async () => {
    const { page, errors } = await open({ width: 390, height: 844 });
    await expect.poll(() => seat(page, 'ORCH-3-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    const box = await seat(page, 'ORCH-3-1').boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(24);
    await seat(page, 'ORCH-3-1').click();
    await expect.poll(() => seat(page, 'ORCH-3-1').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    await page.screenshot({ path: `${artifactsDir}/buyer-basket-phone.png`, fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keyboard: one tab stop on the map, arrows/Home/End between seats, Enter adds, visible focus; axe accepts the grid', async () => {
    const { page, errors } = await open();
    await expect.poll(() => seat(page, 'ORCH-4-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.seatId);
    const press = async (key: string, seatId: string) => {
      await page.keyboard.press(key);
      expect(await focused(), `${key} → ${seatId}`).toBe(seatId);
    };
    // Tab from the toolbar lands on the map's one tab stop: the first seat.
    await page.locator('#best').focus();
    await press('Tab', 'ORCH-1-1');
    expect(await page.locator('#seatmap circle[tabindex="0"]').count()).toBe(1);
    await press('ArrowRight', 'ORCH-1-2');
    await press('ArrowDown', 'ORCH-2-2');
    await press('ArrowDown', 'ORCH-3-2');
    await press('ArrowDown', 'ORCH-4-2');
    await press('End', 'ORCH-4-12');
    await press('ArrowRight', 'ORCH-4-12');
    await press('Home', 'ORCH-4-1');
    await press('ArrowLeft', 'ORCH-4-1');
    await press('Control+End', 'ORCH-6-12');
    await press('ArrowDown', 'ORCH-6-12');
    await press('Control+Home', 'ORCH-1-1');
    await press('ArrowUp', 'ORCH-1-1');
    await press('PageDown', 'ORCH-6-1');
    await press('ArrowUp', 'ORCH-5-1');
    await press('ArrowUp', 'ORCH-4-1');
    // Enter adds the focused seat, Space the next; the focus stays on the map.
    await page.keyboard.press('Enter');
    await expect.poll(() => seat(page, 'ORCH-4-1').getAttribute('aria-selected'), { timeout: 5_000 }).toBe('true');
    await press('ArrowRight', 'ORCH-4-2');
    await page.keyboard.press(' ');
    await expect.poll(() => seat(page, 'ORCH-4-2').getAttribute('aria-selected'), { timeout: 5_000 }).toBe('true');
    expect(await page.locator('#holds li').count()).toBe(2);
    expect(await seat(page, 'ORCH-4-2').getAttribute('aria-label')).toMatch(/row R4, seat 2, .*: in your basket/);
    // The focus is visible: a thick dark ring on the focused seat, none on the others.
    const ring = (seatId: string) =>
      seat(page, seatId).evaluate((element) => {
        const style = getComputedStyle(element);
        return `${style.stroke} ${style.strokeWidth}`;
      });
    expect(await ring('ORCH-4-2')).toBe('rgb(17, 17, 17) 4px');
    expect(await ring('ORCH-4-3')).not.toBe('rgb(17, 17, 17) 4px');
    // The tab stop follows the focus: Tab leaves the map, Shift+Tab comes back to the seat last focused.
    expect(await page.locator('#seatmap circle[tabindex="0"]').getAttribute('data-seat-id')).toBe('ORCH-4-2');
    await page.keyboard.press('Tab');
    expect(await focused()).toBeUndefined();
    await press('Shift+Tab', 'ORCH-4-2');
    await page.screenshot({ path: `${artifactsDir}/buyer-keyboard-focus.png` });
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.locator('#seatmap').getAttribute('role')).toBe('grid');
    expect(await page.locator('#seatmap [role="row"]').count()).toBe(6);
    expect(await page.locator('#seatmap [role="row"]').first().locator('[role="gridcell"]').count()).toBe(12);
    expect(errors).toEqual([]);
  });
});
