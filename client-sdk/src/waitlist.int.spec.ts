import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/startServer.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { api } from '../../test/support/api.ts';
import { startTestServer } from '../../test/support/testServer.ts';
import {
  connect,
  type SeatActorClient,
  type SeatActorError,
  type WaitlistOffer,
  type WaitlistPosition,
} from './index.ts';

/** The SDK on a waitlist: joinWaitlist, leaveWaitlist, and the offer and the position as client events. */
describe('client SDK on a waitlist', () => {
  const clients: SeatActorClient[] = [];
  const servers: RunningServer[] = [];

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(servers.map((server) => server.drain()));
  });

  it('joins when sold out, hears its place and its offer; leaving passes the offer on', async () => {
    const started = await startTestServer({ clock: new ManualClock(Date.UTC(2026, 10, 30, 18)) });
    servers.push(started.server);
    const rest = api(started.baseUrl);
    const venueId = await rest.createVenue({
      name: 'One Seat',
      sections: [
        { id: 'ORCH', name: 'Orchestra', kind: 'seated', rows: [{ id: 'A', seats: [{ id: 'A1', priceTier: 'S' }] }] },
      ],
    });
    const eventId = await rest.createEvent({
      venueId,
      name: 'SDK Waitlist Night',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
    });
    const [holder, first, second] = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = connect(started.baseUrl, { token: (await rest.session()).token, ackTimeoutMs: 5_000 });
        clients.push(client);
        await client.ready();
        return client;
      }),
    );
    const offerTo = (client: SeatActorClient) =>
      new Promise<WaitlistOffer>((resolve) => client.on('waitlist:offer', resolve));
    const positionOf = (client: SeatActorClient) =>
      new Promise<WaitlistPosition>((resolve) => client.on('waitlist:position', resolve));

    const early = await first!.joinWaitlist(eventId, { quantity: 1 }).catch((error: unknown) => error);
    expect((early as SeatActorError).code).toBe('SEATS_AVAILABLE');
    const hold = await holder!.hold(eventId, { seatIds: ['A1'] });
    expect(await first!.joinWaitlist(eventId, { quantity: 1 })).toMatchObject({ state: 'waiting', position: 1 });
    const entry = await second!.joinWaitlist(eventId, { quantity: 1 });
    expect(entry).toMatchObject({ state: 'waiting', position: 2 });

    const offered = offerTo(first!);
    const moved = positionOf(second!);
    await holder!.release(hold.holdId);
    expect((await offered).hold).toMatchObject({ seatIds: ['A1'], quantity: 1 });
    expect(await moved).toEqual({ eventId, entryId: entry.entryId, position: 1 });

    // The first leaves: its offer goes to the second.
    const passedOn = offerTo(second!);
    await first!.leaveWaitlist((await offered).entryId);
    expect(await passedOn).toMatchObject({ eventId, entryId: entry.entryId, hold: { seatIds: ['A1'] } });
    // Declining it is a release like any other, with the hold id as the default requestId.
    await second!.release((await passedOn).hold.holdId);
    const after = await rest.call('GET', `/v1/events/${eventId}/waitlist/me`, undefined, second!.token);
    expect(after.body).toMatchObject({ state: 'declined' });
  });

  it('reads the entry back, takes the offer into the basket and checks out from it', async () => {
    // The basket counts down on this device's clock: the server's starts at the same instant.
    const started = await startTestServer({ clock: new ManualClock(Date.now()) });
    servers.push(started.server);
    const rest = api(started.baseUrl);
    const venueId = await rest.createVenue({
      name: 'One Seat',
      sections: [
        { id: 'ORCH', name: 'Orchestra', kind: 'seated', rows: [{ id: 'A', seats: [{ id: 'A1', priceTier: 'S' }] }] },
      ],
    });
    const eventId = await rest.createEvent({
      venueId,
      name: 'SDK Offer Night',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
    });
    const [holder, waiter] = await Promise.all(
      [0, 1].map(async () => {
        const client = connect(started.baseUrl, { token: (await rest.session()).token, ackTimeoutMs: 5_000 });
        clients.push(client);
        await client.ready();
        return client;
      }),
    );
    const never = await waiter!.myWaitlistEntry(eventId).catch((error: unknown) => error);
    expect((never as SeatActorError).code).toBe('NOT_FOUND');
    const hold = await holder!.hold(eventId, { seatIds: ['A1'] });
    const entry = await waiter!.joinWaitlist(eventId, { quantity: 1 });
    expect(await waiter!.myWaitlistEntry(eventId)).toEqual(entry);

    const offered = new Promise<WaitlistOffer>((resolve) => waiter!.on('waitlist:offer', resolve));
    await holder!.release(hold.holdId);
    const offer = await offered;
    const basket = waiter!.basket(eventId);
    expect(await waiter!.myWaitlistEntry(eventId)).toMatchObject({ state: 'offered', offer: offer.hold });
    const elsewhere = { ...offer, eventId: 'evt_other' };
    expect(((await basket.takeOffer(elsewhere).catch((error: unknown) => error)) as SeatActorError).code).toBe(
      'INVALID_INPUT',
    );
    expect(await basket.takeOffer(offer)).toEqual({ ...offer.hold });
    expect(basket.remainingMs()).toBeGreaterThan(0);
    const { order } = await basket.checkout('pm_card_visa');
    expect(order.status).toBe('succeeded');
    expect(basket.hold).toBeUndefined();
    expect(await waiter!.myWaitlistEntry(eventId)).toMatchObject({ state: 'fulfilled', orderId: order.orderId });
  });
});
