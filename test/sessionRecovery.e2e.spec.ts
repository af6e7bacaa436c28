import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { launchChromium } from './support/browser.ts';
import { startTestServer } from './support/testServer.ts';

const sessionKey = 'seatactor.session';

/**
 * The page at `/` with a session the server refuses: it must get a session back by itself and go live, instead of
 * staying "reconnecting…" with a stale token. The server runs on a manual clock, so tokens expire by moving it.
 */
describe('the page recovers an invalid session (Chromium)', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;
  let rest: ReturnType<typeof api>;
  let eventId: string;

  beforeAll(async () => {
    ({ server, baseUrl, client: rest } = await startTestServer({ web: true, clock }));
    const venueId = await rest.createVenue(venueBody(4, 10));
    eventId = await rest.createEvent({ venueId, name: 'Recovery', startsAt: '2030-01-01T20:00:00Z', priceTiers });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.drain();
  });

  /** A page whose tab already holds `saved` as its session, as after a reload. */
  const pageWith = async (saved: object): Promise<{ page: Page; errors: string[] }> => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(
      ([key, value]) => {
        if (sessionStorage.getItem(key!) === null) sessionStorage.setItem(key!, value!);
      },
      [sessionKey, JSON.stringify(saved)],
    );
    await page.goto(`${baseUrl}/?event=${eventId}`);
    return { page, errors };
  };
  const savedSession = async (page: Page) =>
    JSON.parse((await page.evaluate((key) => sessionStorage.getItem(key), sessionKey)) ?? 'null');

  it('goes live with a new session when the saved token was signed with a key the server no longer has', async () => {
    const foreign = await new SignJWT({ role: 'buyer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('seatactor')
      .setSubject('u_from_before')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-key-from-an-earlier-server-32-bytes!!'));
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const { page, errors } = await pageWith({ token: foreign, userId: 'u_from_before', expiresAt });
    await expect.poll(() => page.locator('#connection').textContent(), { timeout: 10_000 }).toBe('live');
    const seat = page.locator('circle[data-seat-id="ORCH-1-1"]');
    await seat.click();
    await expect.poll(() => seat.getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    const saved = await savedSession(page);
    expect(saved).toMatchObject({ renewed: false });
    expect(saved.userId).not.toBe('u_from_before');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renews an expired session for the same buyer', async () => {
    // Saved with the expiry the server gave: still ahead by the browser's clock, past by the server's.
    const buyer = (await rest.call('POST', '/v1/sessions')).body;
    clock.advance(13 * 3_600_000);
    const { page, errors } = await pageWith(buyer);
    await expect.poll(() => page.locator('#connection').textContent(), { timeout: 10_000 }).toBe('live');
    await expect.poll(async () => (await savedSession(page)).renewed, { timeout: 5_000 }).toBe(true);
    expect((await savedSession(page)).userId).toBe(buyer.userId);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the buyer’s own holds as theirs after a reload, and in a new tab of the same session', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/?event=${eventId}`);
    const seat = (on: Page) => on.locator('circle[data-seat-id="ORCH-3-3"]');
    await expect.poll(() => seat(page).getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    await seat(page).click();
    await expect.poll(() => seat(page).getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');

    await page.reload();
    await expect.poll(() => seat(page).getAttribute('data-status'), { timeout: 10_000 }).toBe('held');
    await expect.poll(() => seat(page).getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    expect(await page.locator('#holds').textContent()).toContain('ORCH-3-3');

    // Another tab (a new device, say) given the same session finds the hold too, and can release it.
    const other = await pageWith(await savedSession(page));
    await expect.poll(() => seat(other.page).getAttribute('data-mine'), { timeout: 10_000 }).toBe('true');
    await seat(other.page).click();
    await expect.poll(() => seat(page).getAttribute('data-status'), { timeout: 5_000 }).toBe('available');
    expect([...errors, ...other.errors]).toEqual([]);
    await other.page.close();
    await page.close();
  });
});
