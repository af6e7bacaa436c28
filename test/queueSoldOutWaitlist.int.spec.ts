import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import type { QueueAdmitted, QueueSoldOut, WaitlistOffer } from '../src/contract/protocol.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { adminToken } from './support/serverProcess.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * A waiting room that sells out offers its event's waitlist in the same push (`queue:soldout {eventId, waitlist:
 * {open}}`), the buyer joins it from there and is offered the seat a refund brings back; /metrics times each wait
 * from join to admission (`queue_time_in_queue_seconds`). Real sockets, the server's clock in the test's hands.
 */
const clock = new ManualClock(Date.UTC(2026, 11, 1, 18));
const saleStartsAt = clock.now() + 10 * 60_000;
const tickMs = 1_000;

/** The first push of `event` on `socket` (listening from now on), or a timeout naming it. */
const next = <T>(socket: TestSocket, event: 'queue:admitted' | 'queue:soldout' | 'waitlist:offer'): Promise<T> =>
  new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`no ${event} within 20 s`)), 20_000);
    socket.once(event, ((push: T) => {
      clearTimeout(timeout);
      resolve(push);
    }) as never);
  });

let server: RunningServer | undefined;
afterAll(async () => {
  await server?.drain();
});

describe('a sold-out waiting room offers the waitlist', { timeout: 60_000 }, () => {
  it('queue:soldout carries {waitlist: {open: true}}; the buyer joins it and gets the refunded seat; time in queue', async () => {
    const started = await startTestServer({ clock, queue: { tickMs } });
    server = started.server;
    const { client, baseUrl } = started;
    const venueId = await client.createVenue({
      name: 'One Seat Hall',
      sections: [
        { id: 'ORCH', name: 'Orchestra', kind: 'seated', rows: [{ id: 'A', seats: [{ id: 'A1', priceTier: 'S' }] }] },
      ],
    });
    const eventId = await client.createEvent({
      venueId,
      name: 'Last Seat Night',
      startsAt: new Date(saleStartsAt + 86_400_000).toISOString(),
      saleStartsAt: new Date(saleStartsAt).toISOString(),
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
      waitingRoom: { enabled: true, admittedMax: 1 },
    });
    const [early, late] = await Promise.all(
      [0, 1].map(async () => {
        const session = await client.session();
        return { ...session, socket: await openSocket(baseUrl, session.token) };
      }),
    );
    const join = async (socket: TestSocket) => {
      const reply = await socket.timeout(5_000).emitWithAck('queue:join', { eventId, requestId: 'join' });
      if (!reply.ok) throw new Error(`join refused: ${JSON.stringify(reply.error)}`);
      return reply.entry;
    };

    // One buyer waits 90 s in the pre-queue and is admitted at the opening; the next one, after it, waits in line.
    clock.set(saleStartsAt - 90_000);
    expect(await join(early!.socket)).toMatchObject({ state: 'prequeue' });
    const admitted = next<QueueAdmitted>(early!.socket, 'queue:admitted');
    clock.set(saleStartsAt);
    const admission = await admitted;
    expect(await join(late!.socket)).toMatchObject({ state: 'queued', position: 1 });

    const metrics = async () =>
      (await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    const timed = await metrics();
    expect(timed).toMatch(/^queue_time_in_queue_seconds_count 1$/m);
    expect(timed).toMatch(/^queue_time_in_queue_seconds_bucket\{le="60"\} 0$/m);
    expect(timed).toMatch(/^queue_time_in_queue_seconds_bucket\{le="120"\} 1$/m);
    const sum = Number(/^queue_time_in_queue_seconds_sum (\S+)$/m.exec(timed)?.[1]);
    expect(sum).toBeGreaterThanOrEqual(90);
    expect(sum).toBeLessThan(91);

    // The admitted buyer buys the only seat: the next round tells the line it is sold out, with the waitlist open.
    const held = await client.hold(eventId, early!.token, {
      requestId: 'h1',
      seatIds: ['A1'],
      admissionToken: admission.token,
    });
    expect(held.status).toBe(201);
    const order = await client.call('POST', '/v1/orders', { holdId: held.body.holdId, requestId: 'o1' }, early!.token);
    const paid = await client.call(
      'POST',
      `/v1/orders/${order.body.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      early!.token,
    );
    expect(paid.body.status).toBe('succeeded');
    const soldOut = next<QueueSoldOut>(late!.socket, 'queue:soldout');
    clock.advance(tickMs);
    expect(await soldOut).toEqual({ eventId, waitlist: { open: true } });
    const me = await client.call('GET', `/v1/events/${eventId}/queue/me`, undefined, late!.token);
    expect(me.body.state).toBe('soldout');
    expect(await metrics()).toMatch(/^queue_sold_out_total 1$/m);

    // From the sold-out push straight onto the waitlist; a refund brings the seat back as an offer (a hold) for them.
    const joined = await late!.socket
      .timeout(5_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'w1', quantity: 1 });
    if (!joined.ok) throw new Error(`waitlist join refused: ${JSON.stringify(joined.error)}`);
    expect(joined.entry).toMatchObject({ state: 'waiting', position: 1, quantity: 1 });
    const offered = next<WaitlistOffer>(late!.socket, 'waitlist:offer');
    const refund = await client.call('POST', `/v1/orders/${order.body.orderId}/refund`, {}, adminToken);
    expect(refund.status).toBe(200);
    const offer = await offered;
    expect(offer).toMatchObject({ eventId, entryId: joined.entry.entryId, hold: { seatIds: ['A1'], quantity: 1 } });
    const bought = await client.call('POST', '/v1/orders', { holdId: offer.hold.holdId, requestId: 'o2' }, late!.token);
    expect(bought.status).toBe(201);
    for (const buyer of [early!, late!]) buyer.socket.close();
  });
});
