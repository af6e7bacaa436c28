import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import type { QueueReleased } from '../src/contract/protocol.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { adminToken } from './support/serverProcess.ts';
import { openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';
import { oneRowVenueBody } from './support/venues.ts';

/**
 * A room the load engaged (the hybrid switch) lets everyone waiting go ahead once calm, and tells their sockets
 * (`queue:released {eventId}`), so a waiting page goes to the seats instead of waiting for an admission that will not
 * come. Real sockets; the server's clock in the test's hands.
 */
const clock = new ManualClock(Date.UTC(2026, 11, 1, 18));

let server: RunningServer | undefined;
afterAll(async () => {
  await server?.drain();
});

describe('a released waiting room', { timeout: 60_000 }, () => {
  it('pushes queue:released to the line; the buyer then holds without an admission', async () => {
    const started = await startTestServer({ clock, queue: { tickMs: 1_000 } });
    server = started.server;
    const { client, baseUrl } = started;
    const venueId = await client.createVenue(oneRowVenueBody('Busy Hall'));
    const eventId = await client.createEvent({
      venueId,
      name: 'Rush Night',
      startsAt: new Date(clock.now() + 86_400_000).toISOString(),
      saleStartsAt: new Date(clock.now() - 60_000).toISOString(),
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
      waitingRoom: { enabled: false, autoEngageRequestsPerSecond: 5, admittedMax: 1 },
    });
    const phase = async () =>
      (await client.call('GET', `/v1/events/${eventId}/queue/stats`, undefined, adminToken)).body.phase as string;
    /** One second of the server's clock, then a turn of this process's loop so its timers' work can run. */
    const second = async () => {
      clock.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 25));
    };

    // A rush: six requests in one second engage the room (joins are counted even while it is closed).
    const rusher = await client.session();
    for (let i = 0; i < 6; i++) {
      const refused = await client.call('POST', `/v1/events/${eventId}/queue`, { requestId: `r${i}` }, rusher.token);
      expect(refused.body.error.code).toBe('QUEUE_CLOSED');
    }
    await second();
    await expect.poll(phase, { timeout: 5_000 }).toBe('open');

    const [first, waiting] = await Promise.all(
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
    const admitted = new Promise((resolve) => first!.socket.once('queue:admitted', resolve));
    await join(first!.socket);
    await second();
    await admitted;
    expect(await join(waiting!.socket)).toMatchObject({ state: 'queued', position: 1 });
    const refused = await client.hold(eventId, waiting!.token, { requestId: 'h0', seatIds: ['A3'] });
    expect(refused.body.error.code).toBe('NOT_ADMITTED');

    // Calm (under half the threshold) for the switch's 30 s: the room is released and the line hears it.
    let released: QueueReleased | undefined;
    waiting!.socket.on('queue:released', (push) => {
      released = push;
    });
    for (let s = 0; s < 40 && released === undefined; s++) await second();
    expect(released).toEqual({ eventId });
    const me = await client.call('GET', `/v1/events/${eventId}/queue/me`, undefined, waiting!.token);
    expect(me.body.state).toBe('released');
    const held = await client.hold(eventId, waiting!.token, { requestId: 'h1', seatIds: ['A3'] });
    expect(held.status).toBe(201);
    for (const buyer of [first!, waiting!]) buyer.socket.close();
  });
});
