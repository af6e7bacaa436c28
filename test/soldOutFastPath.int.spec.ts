import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { adminToken } from './support/serverProcess.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * Holds for a sold-out section or tier are refused SOLD_OUT at the gateway, from the counter the event's actor keeps
 * per committed batch: the actor's command count does not move, on REST and on sockets, and as soon as a place comes
 * back the next hold goes through the actor again and gets it.
 */
describe('sold-out fast path, on the real server', () => {
  let server: RunningServer;
  let baseUrl: string;
  let client: ReturnType<typeof api>;
  let eventId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    ({ server, baseUrl, client } = await startTestServer());
    // 1 row of 2 seats (tier P) and a floor of 100 places.
    const venueId = await client.createVenue(venueBody(1, 2));
    eventId = await client.createEvent({ venueId, name: 'Sold out', startsAt: '2030-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  const commandsOf = async () => (await server.booking.activations.get(eventId)).stats.commands;
  const metric = async () => {
    const reply = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    const text = await reply.text();
    return Number(/^holds_sold_out_fast_total (\d+)/m.exec(text)?.[1]);
  };

  it('refuses holds for a sold-out tier without entering the mailbox, then lets one through once a seat is back', async () => {
    const first = await client.session();
    const taken = await client.hold(eventId, first.token, { bestAvailable: { quantity: 2 }, requestId: 'all' });
    expect(taken.status).toBe(201);
    const commands = await commandsOf();
    const refusedBefore = await metric();

    const buyers = await Promise.all(Array.from({ length: 5 }, () => client.session()));
    const answers = await Promise.all(
      buyers.flatMap((buyer, i) => [
        client.hold(eventId, buyer.token, { bestAvailable: { quantity: 1, priceTier: 'P' }, requestId: `p${i}` }),
        client.hold(eventId, buyer.token, { bestAvailable: { quantity: 1, sectionId: 'ORCH' }, requestId: `o${i}` }),
      ]),
    );
    for (const answer of answers) expect(answer).toMatchObject({ status: 409, body: { error: { code: 'SOLD_OUT' } } });
    const socket = await openSocket(baseUrl, buyers[0]!.token);
    sockets.push(socket);
    const ack = await socket
      .timeout(5_000)
      .emitWithAck('hold', { eventId, bestAvailable: { quantity: 1 }, requestId: 'sock' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'SOLD_OUT' } });
    // None of the eleven reached the actor.
    expect(await commandsOf()).toBe(commands);
    expect((await metric()) - refusedBefore).toBe(11);
    // Specific seats and the floor, which has places, still go to the actor.
    const seat = await client.hold(eventId, buyers[1]!.token, { seatIds: ['ORCH-1-1'], requestId: 's1' });
    expect(seat).toMatchObject({ status: 409, body: { error: { code: 'SEAT_UNAVAILABLE' } } });
    const floor = await client.hold(eventId, buyers[1]!.token, { sectionId: 'FLOOR', quantity: 1, requestId: 'f1' });
    expect(floor.status).toBe(201);
    expect(await commandsOf()).toBe(commands + 2);

    // A seat comes back: the counter follows the commit, and the next hold gets it.
    expect((await client.release(taken.body.holdId, first.token)).status).toBe(204);
    const again = await client.hold(eventId, buyers[2]!.token, { bestAvailable: { quantity: 1 }, requestId: 'again' });
    expect(again).toMatchObject({ status: 201 });
  });
});
