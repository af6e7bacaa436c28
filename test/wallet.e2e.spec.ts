import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium } from './support/browser.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

/** The ticket wallet and the staff check-in page in Chromium, online and then with the network cut. */
describe('ticket wallet and check-in, offline', () => {
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;
  let eventId: string;

  beforeAll(async () => {
    server = (await startTestServer({ web: true })).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(2, 6));
    eventId = await rest.createEvent({ venueId, name: 'Wallet Night', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.drain();
  });

  it('a bought ticket opens offline in the wallet; the gate verifies it offline, refuses a replay and a forgery, and syncs once online', async () => {
    const buyer = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await buyer.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/?event=${eventId}`);
    const seat = page.locator('circle[data-seat-id="ORCH-1-1"]');
    await expect.poll(() => seat.getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    await seat.click();
    await expect.poll(() => seat.getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    await page.locator('#pay').click();
    await page.waitForSelector('#tickets .ticket svg', { timeout: 10_000 });

    await page.goto(`${baseUrl}/wallet`);
    await page.waitForSelector('#wallet .ticket svg');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const code = (await page.locator('#wallet .ticket code').textContent())!;
    await buyer.setOffline(true);
    await page.reload();
    await page.waitForSelector('#wallet .ticket svg', { timeout: 5_000 });
    expect(await page.locator('#wallet .ticket strong').textContent()).toBe('Wallet Night · ORCH-1-1');
    await page.screenshot({ path: `${artifactsDir}/wallet-offline-phone.png`, fullPage: true });

    const staff = await browser.newContext();
    const gate = await staff.newPage();
    gate.on('pageerror', (error) => errors.push(error.message));
    await gate.goto(`${baseUrl}/checkin`);
    await gate.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await expect.poll(() => gate.evaluate(() => localStorage.getItem('seatactor.checkin.key') !== null)).toBe(true);
    await staff.setOffline(true);
    await gate.reload();
    await gate.locator('#code').fill(code);
    await gate.locator('#check').click();
    await expect.poll(() => gate.locator('#verdict').textContent()).toBe('Valid: ORCH-1-1. Welcome!');
    await gate.locator('#code').fill(code);
    await gate.locator('#check').click();
    await expect.poll(() => gate.locator('#verdict').textContent()).toMatch(/^Already checked in at .+: ORCH-1-1$/);
    const [header, payload, signature] = code.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), seatId: 'ORCH-1-2' }),
    ).toString('base64url');
    await gate.locator('#code').fill(`${header}.${forged}.${signature}`);
    await gate.locator('#check').click();
    await expect.poll(() => gate.locator('#verdict').textContent()).toMatch(/^Not valid/);
    expect(await gate.locator('#pending').textContent()).toBe('1 to sync');

    await gate.locator('summary').click();
    await gate.locator('#admin-token').fill(adminToken);
    await gate.locator('#sync').click();
    await staff.setOffline(false);
    await gate.evaluate(() => dispatchEvent(new Event('online')));
    await expect.poll(() => gate.locator('#pending').textContent(), { timeout: 5_000 }).toBe('all synced');
    // The server has the check-in: the same code at another gate is refused.
    const again = await fetch(`${baseUrl}/v1/checkins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    expect(((await again.json()) as { error?: { code: string } }).error?.code).toBe('TICKET_ALREADY_USED');
    await gate.screenshot({ path: `${artifactsDir}/checkin-desktop.png`, fullPage: true });
    expect(errors).toEqual([]);
  });
});
