import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LoadConnection, LoadCounters } from '../bench/lightClient/loadConnection.ts';
import { connectPacket, decode, type Incoming, requestEncoder, socketIoPath } from '../bench/lightClient/protocol.ts';
import type { RunningServer } from '../src/app/startServer.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { startTestServer } from './support/testServer.ts';

/** A raw WebSocket that hands over the decoded messages one by one, pings answered. */
const rawSocket = async (baseUrl: string) => {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${socketIoPath}`);
  const queue: Incoming[] = [];
  const waiting: ((message: Incoming) => void)[] = [];
  socket.on('message', (data: Buffer) => {
    const message = decode(data.toString());
    if (message.kind === 'ping') return socket.send('3');
    const take = waiting.shift();
    if (take === undefined) queue.push(message);
    else take(message);
  });
  await once(socket, 'open');
  const next = (): Promise<Incoming> => {
    const queued = queue.shift();
    return queued === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(queued);
  };
  return { socket, next };
};

describe('the light load client speaks socket.io to the real server', () => {
  let server: RunningServer;
  let baseUrl: string;
  let client: ReturnType<typeof api>;
  let eventId: string;

  beforeAll(async () => {
    ({ server, baseUrl, client } = await startTestServer());
    const venueId = await client.createVenue(venueBody(2, 10));
    eventId = await client.createEvent({ venueId, name: 'Light', startsAt: '2027-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    await server?.drain();
  });

  it('holds and releases a seat with pre-encoded packets, and a repeated requestId gets the first answer', async () => {
    const { token } = await client.session();
    const { socket, next } = await rawSocket(baseUrl);
    expect((await next()).kind).toBe('open');
    socket.send(connectPacket(token));
    expect(await next()).toEqual({ kind: 'connected' });
    const encoder = requestEncoder(eventId, 'ORCH-1-3');
    for (let ackId = 1; ackId <= 6; ackId += 2) {
      socket.send(encoder.hold(ackId));
      const held = await next();
      expect(held).toMatchObject({ kind: 'ack', ackId, ok: true });
      const holdId = held.kind === 'ack' && held.ok ? held.holdId : undefined;
      expect(holdId).toMatch(new RegExp(`^${eventId}\\.hold_`));
      expect((await client.seatMap(eventId)).seats['ORCH-1-3'].status).toBe('held');
      // The same requestId again: the server answers with the first hold, so the encoder really carries it.
      socket.send(encoder.hold(ackId).replace(`42${ackId}[`, `42${ackId + 100}[`));
      expect(await next()).toEqual({ kind: 'ack', ackId: ackId + 100, ok: true, holdId });
      socket.send(encoder.release(ackId + 1, holdId!));
      expect(await next()).toEqual({ kind: 'ack', ackId: ackId + 1, ok: true, holdId: undefined });
      expect((await client.seatMap(eventId)).seats['ORCH-1-3'].status).toBe('available');
    }
    // A refusal comes back with its code: the seat is someone else's now.
    const other = await client.session();
    await client.hold(eventId, other.token, { seatIds: ['ORCH-1-3'], requestId: 'taken' });
    socket.send(encoder.hold(50));
    expect(await next()).toEqual({ kind: 'ack', ackId: 50, ok: false, code: 'SEAT_UNAVAILABLE' });
    socket.terminate();
  });

  it('loops hold → release on each connection, counting every answer in the window', async () => {
    const counters = new LoadCounters();
    counters.measureFrom = 0;
    const tokens = await Promise.all([1, 2, 3].map(async () => (await client.session()).token));
    const connections = await Promise.all(
      tokens.map((token, i) => LoadConnection.open({ baseUrl, eventId, token, seatId: `ORCH-2-${i + 1}` }, counters)),
    );
    for (const connection of connections) connection.start(4);
    await Promise.all(connections.map((connection) => connection.finished));
    for (const connection of connections) connection.close();
    expect(counters).toMatchObject({ loops: 12, holdsAcked: 12, releasesAcked: 12, refusals: {}, failures: {} });
    expect(counters.latencyCount).toBe(24);
    const seats = (await client.seatMap(eventId)).seats;
    expect([1, 2, 3].map((i) => seats[`ORCH-2-${i}`].status)).toEqual(['available', 'available', 'available']);
    expect(seats['ORCH-2-1'].version).toBe(8);
  });

  it('reports a refused handshake with its code', async () => {
    await expect(
      LoadConnection.open({ baseUrl, eventId, token: 'not-a-token', seatId: 'ORCH-1-1' }, new LoadCounters()),
    ).rejects.toThrow(/UNAUTHORIZED/);
  });
});
