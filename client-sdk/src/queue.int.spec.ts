import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/startServer.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { api } from '../../test/support/api.ts';
import { startTestServer } from '../../test/support/testServer.ts';
import { connect, type QueueAdmitted, type SeatActorClient, SeatActorError } from './index.ts';

/** The SDK in a waiting room: joinQueue, the pushes as events, and the admission token carried by holds. */
describe('client SDK in a waiting room', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 2, 18));
  const saleStartsAt = clock.now() + 10 * 60_000;
  const clients: SeatActorClient[] = [];
  let server: RunningServer | undefined;

  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.drain();
  });

  it('joins, hears its position and its admission, and holds with the token without being told to', async () => {
    const started = await startTestServer({ clock, queue: { tickMs: 1_000 } });
    server = started.server;
    const rest = api(started.baseUrl);
    const venueId = await rest.createVenue({
      name: 'Two Seats',
      sections: [
        {
          id: 'ORCH',
          name: 'Orchestra',
          kind: 'seated',
          rows: [
            {
              id: 'A',
              seats: [
                { id: 'A1', priceTier: 'S' },
                { id: 'A2', priceTier: 'S' },
              ],
            },
          ],
        },
      ],
    });
    const eventId = await rest.createEvent({
      venueId,
      name: 'SDK Night',
      startsAt: new Date(saleStartsAt + 86_400_000).toISOString(),
      saleStartsAt: new Date(saleStartsAt).toISOString(),
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
      // Two seats, two expected per buyer: one buyer is admitted, the other waits at position 1.
      waitingRoom: { enabled: true, admittedMax: 5 },
    });
    const buyers = await Promise.all(
      [0, 1].map(async () => {
        const client = connect(started.baseUrl, { token: (await rest.session()).token, ackTimeoutMs: 5_000 });
        clients.push(client);
        await client.ready();
        return client;
      }),
    );
    // Each buyer hears one of two things first: admitted, or (still in line) its position.
    const admitted = buyers.map(
      (client) =>
        new Promise<QueueAdmitted | undefined>((resolve) => {
          client.on('queue:admitted', resolve);
          client.on('queue:position', () => resolve(undefined));
        }),
    );
    for (const client of buyers) expect((await client.joinQueue(eventId)).state).toBe('prequeue');
    expect((await buyers[0]!.joinQueue(eventId)).state).toBe('prequeue');

    clock.set(saleStartsAt + 1);
    clock.advance(1_000);
    const [first, second] = await Promise.all(admitted);
    const [lucky, waiting] = first !== undefined ? [buyers[0]!, buyers[1]!] : [buyers[1]!, buyers[0]!];
    expect(first ?? second).toMatchObject({ eventId, token: expect.any(String) });
    expect([first, second].filter((push) => push === undefined)).toHaveLength(1);

    const hold = await lucky.hold(eventId, { seatIds: ['A1'] });
    expect(hold.seatIds).toEqual(['A1']);
    const refusal = await waiting.hold(eventId, { seatIds: ['A2'] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SeatActorError);
    expect((refusal as SeatActorError).code).toBe('NOT_ADMITTED');
    const place = await waiting.joinQueue(eventId);
    expect(place).toMatchObject({ state: 'queued', position: 1 });
    // Read without joining: the same place, and the admitted buyer's entry with its token.
    expect(await waiting.myQueueEntry(eventId)).toEqual(place);
    expect(await lucky.myQueueEntry(eventId)).toMatchObject({
      state: 'admitted',
      admission: { token: first?.token ?? second?.token },
    });
  });
});
