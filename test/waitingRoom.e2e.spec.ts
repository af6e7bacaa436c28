import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type QueueAdmitted, type SeatActorClient } from '../client-sdk/src/index.ts';
import type { RunningServer } from '../src/app/startServer.ts';
import type { Venue } from '../src/domain/venue.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { api, priceTiers, venueBody } from './support/api.ts';
import { artifactsDir, launchChromium, seriousViolations } from './support/browser.ts';
import { adminToken } from './support/serverProcess.ts';
import { startTestServer } from './support/testServer.ts';

const tickMs = 1_000;
const admissionSeconds = 60;

/**
 * The buyer app's waiting room and sold-out view in Chromium: the page queues up front at an event whose room is
 * engaged, counts down to the sale, shows its place, ETA and progress as the line moves, and turns into the seat map
 * when admitted; a sold-out room (and a sold-out seat map) offers the waitlist, the page joins it, receives the offer
 * and pays. The server's clock is in the test's hands (started at the real time, since the page counts down on the
 * browser's); other buyers are SDK clients in this process.
 */
describe('waiting room and waitlist in Chromium', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let browser: Browser;
  let baseUrl: string;
  let rest: ReturnType<typeof api>;
  const clients: SeatActorClient[] = [];

  beforeAll(async () => {
    server = (await startTestServer({ web: true, clock, queue: { tickMs } })).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    rest = api(baseUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await browser?.close();
    await server?.drain();
  });

  const open = async (eventId: string) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/?event=${eventId}`);
    return { page, errors };
  };
  const buyer = async (): Promise<SeatActorClient> => {
    const client = connect(baseUrl, { token: (await rest.session()).token, ackTimeoutMs: 5_000 });
    clients.push(client);
    await client.ready();
    return client;
  };
  const admittedPush = (client: SeatActorClient) =>
    new Promise<QueueAdmitted>((resolve) => client.on('queue:admitted', resolve));
  const text = (page: Page, selector: string) => page.locator(selector).textContent();
  const seat = (page: Page, seatId: string) => page.locator(`circle[data-seat-id="${seatId}"]`);
  const roomEvent = async (name: string, saleStartsAt: number, venue: Omit<Venue, 'id'> = venueBody(2, 6)) =>
    rest.createEvent({
      venueId: await rest.createVenue(venue),
      name,
      startsAt: new Date(saleStartsAt + 86_400_000).toISOString(),
      saleStartsAt: new Date(saleStartsAt).toISOString(),
      priceTiers,
      waitingRoom: { enabled: true, admittedMax: 1, admissionSeconds },
    });
  /** Moves the server's clock one push round at a time until `done` (each round pushes positions and admits). */
  const roundsUntil = async (done: () => Promise<boolean>, what: string) => {
    for (let round = 0; round < 20; round++) {
      if (await done()) return;
      clock.advance(tickMs);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`not ${what} after 20 rounds`);
  };

  it('before the sale: the page waits in the pre-queue with a countdown, and turns into the seat map at the opening', async () => {
    const saleStartsAt = clock.now() + 5 * 60_000;
    const eventId = await roomEvent('Countdown Night', saleStartsAt);
    const { page, errors } = await open(eventId);
    const room = page.locator('#waiting-room');
    await expect.poll(() => room.getAttribute('data-phase'), { timeout: 10_000 }).toBe('prequeue');
    expect(await page.locator('#map-panel').isHidden()).toBe(true);
    expect(await text(page, '#room-countdown')).toMatch(/^The sale opens in [45] min \d\d s\.$/);
    expect(await text(page, '#room-status')).toMatch(/random order/);
    expect(await page.locator('#room-status').getAttribute('aria-live')).toBe('polite');
    await page.screenshot({ path: `${artifactsDir}/waiting-room-prequeue.png`, fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // The opening: the only buyer in the pre-queue is admitted, and the page becomes the seat map.
    clock.set(saleStartsAt);
    await expect.poll(() => page.locator('#map-panel').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await room.isHidden()).toBe(true);
    expect(await text(page, '#queue')).toMatch(/^It is your turn: pick your seats before /);
    await expect.poll(() => seat(page, 'ORCH-1-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    expect(errors).toEqual([]);
  });

  it('after the opening: the page queues up front, shows its place, ETA and progress, then the seat map when admitted', async () => {
    const eventId = await roomEvent('Line Night', clock.now() + 1_000);
    clock.advance(1_000);
    // Two buyers were here first: one is admitted (admittedMax 1), the other waits at place 1.
    const [first, second] = [await buyer(), await buyer()];
    const firstAdmitted = admittedPush(first!);
    expect(await first!.joinQueue(eventId)).toMatchObject({ state: 'queued', position: 1 });
    // Admissions are decided on the room's timer: the next round lets the first in.
    clock.advance(tickMs);
    await firstAdmitted;
    expect(await second!.joinQueue(eventId)).toMatchObject({ state: 'queued', position: 1 });

    const { page, errors } = await open(eventId);
    const room = page.locator('#waiting-room');
    await expect.poll(() => text(page, '#room-position'), { timeout: 10_000 }).toBe('2');
    expect(await room.getAttribute('data-phase')).toBe('queued');
    expect(await page.locator('#map-panel').isHidden()).toBe(true);
    expect(await text(page, '#room-status')).toBe('You are number 2 in line.');
    expect(await text(page, '#room-eta')).toMatch(/^(Estimated wait: .+|We are still estimating your wait)\.$/);
    expect(await page.locator('#room-progress').isVisible()).toBe(true);
    expect(await text(page, '#room-progress-text')).toBe('0 of the 1 buyer ahead of you have gone in.');
    await page.screenshot({ path: `${artifactsDir}/waiting-room-queued.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${artifactsDir}/waiting-room-queued-phone.png`, fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });

    // The first buyer's admission runs out unused: the second goes in and the page moves up to place 1 (pushed).
    clock.advance(admissionSeconds * 1000);
    await roundsUntil(async () => (await text(page, '#room-position')) === '1', 'at place 1');
    expect(await text(page, '#room-status')).toBe('You are number 1 in line.');
    expect(await text(page, '#room-progress-text')).toBe('Nobody is ahead of you: you are next.');
    expect(await page.locator('#room-progress').getAttribute('aria-valuetext')).toBe(
      'Nobody is ahead of you: you are next.',
    );

    // The second's runs out too: the page is admitted and becomes the seat map; a seat is held with its token.
    clock.advance(admissionSeconds * 1000);
    await roundsUntil(() => page.locator('#map-panel').isVisible(), 'admitted');
    expect(await room.isHidden()).toBe(true);
    await expect.poll(() => seat(page, 'ORCH-2-3').getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    await seat(page, 'ORCH-2-3').click();
    await expect.poll(() => seat(page, 'ORCH-2-3').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    expect(await text(page, '#message')).toBe('');
    expect(errors).toEqual([]);
  });

  const twoSeats: Omit<Venue, 'id'> = {
    name: 'Two Seat Hall',
    sections: [
      {
        id: 'ORCH',
        name: 'Orchestra',
        kind: 'seated',
        rows: [{ id: 'R1', seats: [1, 2].map((n) => ({ id: `ORCH-1-${n}`, priceTier: 'P' })) }],
      },
    ],
  };

  it('sold out while waiting: the page offers the waitlist, joins it, gets the refunded seats as an offer and pays', async () => {
    const eventId = await roomEvent('Sold Out Night', clock.now() + 1_000, twoSeats);
    clock.advance(1_000);
    const lucky = await buyer();
    const admitted = admittedPush(lucky);
    await lucky.joinQueue(eventId);
    clock.advance(tickMs);
    await admitted;
    const basket = lucky.basket(eventId);
    await basket.set({ seatIds: ['ORCH-1-1', 'ORCH-1-2'] });

    const { page, errors } = await open(eventId);
    await expect.poll(() => text(page, '#room-position'), { timeout: 10_000 }).toBe('1');
    const { order } = await basket.checkout('pm_card_mastercard');
    expect(order.status).toBe('succeeded');
    // The next round finds nothing left to sell: everyone waiting hears it, with the waitlist open.
    const panel = page.locator('#soldout-panel');
    await roundsUntil(() => panel.isVisible(), 'told it sold out');
    expect(await page.locator('#waiting-room').isHidden()).toBe(true);
    expect(await panel.getAttribute('data-waitlist')).toBe('open');
    expect(await text(page, '#sale-state')).toBe('Sold out');
    expect(await text(page, '#soldout-text')).toMatch(/^Every seat is taken\. Join the waitlist/);

    await page.locator('#waitlist-quantity').fill('1');
    await page.locator('#waitlist-join').click();
    await expect
      .poll(() => text(page, '#waitlist-status'), { timeout: 5_000 })
      .toMatch(/^You are number 1 on the waitlist for 1 seat\./);
    expect(await text(page, '#waitlist-position')).toBe('1');
    expect(await page.locator('#waitlist-form').isHidden()).toBe(true);
    await page.screenshot({ path: `${artifactsDir}/waitlist-waiting.png`, fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // A refund brings both seats back: one is held for the page's entry (an offer), and the page checks out from it.
    const refunded = await rest.call('POST', `/v1/orders/${order.orderId}/refund`, {}, adminToken);
    expect(refunded.status).toBe(200);
    await expect.poll(() => page.locator('#waitlist-offer').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await text(page, '#waitlist-offer-countdown')).toMatch(/^Held for you for \d+:\d\d$/);
    expect(await text(page, '#waitlist-status')).toMatch(/^Seats came back for you: ORCH-1-1\./);
    await expect.poll(() => seat(page, 'ORCH-1-1').getAttribute('data-mine'), { timeout: 10_000 }).toBe('true');
    expect(await page.locator('#holds li').count()).toBe(1);
    expect(await text(page, '#countdown')).toMatch(/^Held for you for \d+:\d\d$/);
    await page.screenshot({ path: `${artifactsDir}/waitlist-offer.png`, fullPage: true });
    // The other seat came back on sale, but the offer in the basket is paid or emptied, not changed into another.
    await expect.poll(() => seat(page, 'ORCH-1-2').getAttribute('data-status'), { timeout: 5_000 }).toBe('available');
    await seat(page, 'ORCH-1-2').click();
    await expect
      .poll(() => text(page, '#message'), { timeout: 5_000 })
      .toMatch(/^The seats held for you from the waitlist/);
    expect(await seat(page, 'ORCH-1-2').getAttribute('data-mine')).toBe('false');
    await page.locator('#card').selectOption('pm_card_visa');
    await page.locator('#pay').click();
    await page.waitForSelector('#tickets .ticket svg', { timeout: 10_000 });
    expect(await page.locator('#tickets .ticket').count()).toBe(1);
    await expect
      .poll(() => text(page, '#waitlist-status'), { timeout: 5_000 })
      .toMatch(/^You bought the seats the waitlist held for you/);
    expect(errors).toEqual([]);
  });

  it('a sold-out seat map (no room) offers the waitlist too; a released seat comes to the page as an offer', async () => {
    const venueId = await rest.createVenue(twoSeats);
    const eventId = await rest.createEvent({
      venueId,
      name: 'Full House',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
    });
    const holder = await buyer();
    const held = await holder.hold(eventId, { seatIds: ['ORCH-1-1', 'ORCH-1-2'] });

    const { page, errors } = await open(eventId);
    const panel = page.locator('#soldout-panel');
    await expect.poll(() => panel.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#map-panel').isVisible()).toBe(true);
    await page.locator('#waitlist-quantity').fill('2');
    await page.locator('#waitlist-join').click();
    await expect
      .poll(() => text(page, '#waitlist-status'), { timeout: 5_000 })
      .toMatch(/^You are number 1 on the waitlist for 2 seats\./);
    // A reload finds the entry again.
    await page.reload();
    await expect
      .poll(() => text(page, '#waitlist-status'), { timeout: 10_000 })
      .toMatch(/^You are number 1 on the waitlist for 2 seats\./);

    await holder.release(held.holdId);
    await expect.poll(() => page.locator('#waitlist-offer').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => seat(page, 'ORCH-1-2').getAttribute('data-mine'), { timeout: 10_000 }).toBe('true');
    expect(await seat(page, 'ORCH-1-1').getAttribute('data-mine')).toBe('true');
    await page.locator('#pay').click();
    await page.waitForSelector('#tickets .ticket svg', { timeout: 10_000 });
    expect(await page.locator('#tickets .ticket').count()).toBe(2);
    expect(errors).toEqual([]);
  });

  it('a room engaged by load: a refused hold shows the waiting room; when the room is released the seat map returns', async () => {
    const eventId = await rest.createEvent({
      venueId: await rest.createVenue(venueBody(2, 6)),
      name: 'Rush Hour',
      startsAt: '2030-01-01T20:00:00Z',
      saleStartsAt: new Date(clock.now() - 60_000).toISOString(),
      priceTiers,
      waitingRoom: { enabled: false, autoEngageRequestsPerSecond: 5, admittedMax: 1, admissionSeconds },
    });
    const { page, errors } = await open(eventId);
    await expect.poll(() => seat(page, 'ORCH-1-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('available');
    expect(await page.locator('#waiting-room').isHidden()).toBe(true);

    // A rush engages the room (six requests in a second); one buyer is admitted ahead of the page.
    const rusher = await rest.session();
    for (let i = 0; i < 6; i++)
      await rest.call('POST', `/v1/events/${eventId}/queue`, { requestId: `r${i}` }, rusher.token);
    const phase = async () =>
      (await rest.call('GET', `/v1/events/${eventId}/queue/stats`, undefined, adminToken)).body.phase as string;
    await roundsUntil(async () => (await phase()) === 'open', 'engaged');
    const first = await buyer();
    const firstAdmitted = admittedPush(first);
    await first.joinQueue(eventId);
    clock.advance(tickMs);
    await firstAdmitted;

    // The page's next hold is refused NOT_ADMITTED: it says so and waits in the room, at place 1.
    await seat(page, 'ORCH-1-1').click();
    await expect.poll(() => text(page, '#room-position'), { timeout: 10_000 }).toBe('1');
    expect(await page.locator('#map-panel').isHidden()).toBe(true);
    expect(await text(page, '#message')).toMatch(/waiting room/);

    // Calm for the switch's 30 s: the room lets everyone go ahead, and the page is the seat map again.
    for (let s = 0; s < 40 && !(await page.locator('#map-panel').isVisible()); s++) {
      clock.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await expect.poll(() => page.locator('#map-panel').isVisible(), { timeout: 5_000 }).toBe(true);
    expect(await page.locator('#waiting-room').isHidden()).toBe(true);
    await seat(page, 'ORCH-1-1').click();
    await expect.poll(() => seat(page, 'ORCH-1-1').getAttribute('data-mine'), { timeout: 5_000 }).toBe('true');
    expect(errors).toEqual([]);
  });
});
