import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/startServer.ts';
import { api, priceTiers, venueBody } from '../../test/support/api.ts';
import { startTestServer } from '../../test/support/testServer.ts';
import { openSession, type SeatActorClient, SeatActorError, type SessionStore, start } from './index.ts';

/** A SessionStore as a Node app or a test keeps it: a Map, nothing from the DOM. */
const memoryStore = (): SessionStore & { values: Map<string, string> } => {
  const values = new Map<string, string>();
  return { values, getItem: (key) => values.get(key), setItem: (key, value) => void values.set(key, value) };
};

describe('the whole buyer journey through the SDK, from Node without DOM globals', () => {
  let server: RunningServer;
  let baseUrl: string;
  let eventId: string;
  const clients: SeatActorClient[] = [];

  beforeAll(async () => {
    ({ server, baseUrl } = await startTestServer());
    const rest = api(baseUrl);
    const venueId = await rest.createVenue(venueBody(4, 8));
    eventId = await rest.createEvent({ venueId, name: 'Journey', startsAt: '2027-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.drain();
  });

  it('runs in an environment with no window, document or localStorage', () => {
    const globals = globalThis as Record<string, unknown>;
    expect([globals.window, globals.document, globals.localStorage]).toEqual([undefined, undefined, undefined]);
  });

  it('session → catalog → 2 seats in one basket → order → pay pm_card_visa → tickets with QR; the store keeps the buyer', async () => {
    const store = memoryStore();
    const client = await start(baseUrl, { store, ackTimeoutMs: 3_000 });
    clients.push(client);
    await client.ready();

    const events = await client.events();
    const event = events.find((candidate) => candidate.id === eventId)!;
    expect(event.priceTiers).toEqual(priceTiers);
    const venue = await client.venue(event.venueId);
    expect(venue.sections[0]?.kind).toBe('seated');
    const layout = await client.layout(eventId);
    expect(Object.values(await client.statuses(eventId, layout)).every((status) => status === 'available')).toBe(true);

    const map = await client.subscribe(eventId);
    const basket = client.basket(eventId);
    await basket.add(['ORCH-1-1']);
    const held = await basket.add(['ORCH-1-2']);
    expect([...held.seatIds].sort()).toEqual(['ORCH-1-1', 'ORCH-1-2']);
    expect(basket.remainingMs()).toBeGreaterThan(60_000);
    // One hold: the first seat's hold was replaced, not kept beside it.
    expect((await client.myHolds({ eventId })).holds.map((hold) => hold.holdId)).toEqual([held.holdId]);
    await expect.poll(() => map.seats['ORCH-1-2']?.status).toBe('held');

    const { order, placement } = await basket.checkout('pm_card_visa');
    expect(placement.payment.clientSecret).toEqual(expect.any(String));
    expect(order.status).toBe('succeeded');
    expect(order.tickets?.map((ticket) => ticket.seatId).sort()).toEqual(['ORCH-1-1', 'ORCH-1-2']);
    expect(basket.hold).toBeUndefined();
    const svg = await client.ticketQr(order.tickets![0]!.ticketId);
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const png = await client.ticketQr(order.tickets![0]!.ticketId, 'png');
    expect(png.startsWith('data:image/png;base64,iVBOR')).toBe(true);
    const key = await client.ticketPublicKey();
    expect(key.alg).toBe('EdDSA');
    await expect.poll(() => map.seats['ORCH-1-1']?.status).toBe('sold');

    expect(await client.setContact({ email: 'buyer@example.com' })).toMatchObject({ email: 'buyer@example.com' });
    expect(await client.contact()).toMatchObject({ email: 'buyer@example.com' });

    // A second run of the app (a reload) with the same store is the same buyer, with the order and its tickets.
    const again = await start(baseUrl, { store });
    clients.push(again);
    const { orders } = await again.myOrders({ eventId });
    expect(orders.map((mine) => mine.orderId)).toEqual([order.orderId]);
  });

  it('a decline fails the order, puts the seats back on sale, and holdAgain takes them back', async () => {
    const client = await start(baseUrl, {});
    clients.push(client);
    const basket = client.basket(eventId);
    await basket.set({ seatIds: ['ORCH-2-1', 'ORCH-2-2'] });
    const { order, error: declined } = await basket.checkout('pm_card_chargeDeclined');
    expect(order.status).toBe('failed');
    expect(declined?.code).toBe('PAYMENT_FAILED');
    const again = await basket.holdAgain();
    expect([...again.seatIds].sort()).toEqual(['ORCH-2-1', 'ORCH-2-2']);
    await basket.clear();
  });

  it('best available and a refused change keep the basket as it was', async () => {
    const one = await start(baseUrl, {});
    const two = await start(baseUrl, {});
    clients.push(one, two);
    const held = await one.basket(eventId).set({ bestAvailable: { quantity: 2 } });
    expect(held.seatIds).toHaveLength(2);
    await two.basket(eventId).set({ seatIds: ['ORCH-4-8'] });
    const refused = await one
      .basket(eventId)
      .add(['ORCH-4-8'])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SeatActorError);
    expect((refused as SeatActorError).code).toBe('SEAT_UNAVAILABLE');
    expect([...(one.basket(eventId).seatIds ?? [])].sort()).toEqual([...held.seatIds].sort());
    // A reloaded app finds the basket again.
    const reloaded = await start(baseUrl, {});
    clients.push(reloaded);
    expect(await reloaded.basket(eventId).restore()).toBeUndefined();
  });

  it('a basket change replaces the hold in one step: a seat that stays is never seen available', async () => {
    const buyer = await start(baseUrl, {});
    const watcher = await start(baseUrl, {});
    clients.push(buyer, watcher);
    const map = await watcher.subscribe(eventId);
    const seen: string[] = [];
    map.on('change', (diff) => {
      for (const change of diff.changes) if (change.seatId === 'ORCH-3-1') seen.push(change.status);
    });
    const basket = buyer.basket(eventId);
    const first = await basket.add(['ORCH-3-1']);
    await basket.add(['ORCH-3-2']);
    const last = await basket.remove(['ORCH-3-2']);
    expect(last?.seatIds).toEqual(['ORCH-3-1']);
    await expect.poll(() => map.seats['ORCH-3-2']?.status).toBe('available');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(seen.map(() => 'held'));
    expect((await buyer.myHolds({ eventId })).holds.map((hold) => hold.holdId)).toEqual([last?.holdId]);
    expect(last?.holdId).not.toBe(first.holdId);

    // The basket's hold ended behind its back (another tab released it): the next change holds the selection anew.
    await buyer.release(last!.holdId);
    const again = await basket.add(['ORCH-3-3']);
    expect([...again.seatIds].sort()).toEqual(['ORCH-3-1', 'ORCH-3-3']);
    await basket.clear();
  });

  it('openSession renews an expired saved session as the same buyer and replaces a foreign one with a new buyer', async () => {
    const store = memoryStore();
    const first = await openSession(baseUrl, { store });
    const saved = JSON.parse(store.values.get('seatactor.session')!);
    store.values.set('seatactor.session', JSON.stringify({ ...saved, expiresAt: new Date(0).toISOString() }));
    const renewed = await openSession(baseUrl, { store });
    expect(renewed.userId).toBe(first.userId);
    expect(renewed.renewed).toBe(true);
    const foreign = {
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      userId: 'x',
      expiresAt: new Date(0).toISOString(),
    };
    store.values.set('seatactor.session', JSON.stringify(foreign));
    const fresh = await openSession(baseUrl, { store });
    expect(fresh.renewed).toBe(false);
    expect(fresh.userId).not.toBe('x');
  });

  it('a first subscribe is a load, not a resync', async () => {
    const client = await start(baseUrl, {});
    clients.push(client);
    const resyncs: unknown[] = [];
    const map = await client.subscribe(eventId);
    map.on('resync', (info) => resyncs.push(info));
    await client.ready();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(resyncs).toEqual([]);
    expect(map.stats).toMatchObject({ resyncs: 0, fullResyncs: 0, gaps: 0 });
  });
});
