import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FlashPattern } from '../bench/flashPattern.ts';
import { countOversold } from '../bench/flashSale.ts';
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
    expect(counters.latencies.count).toBe(24);
    const seats = (await client.seatMap(eventId)).seats;
    expect([1, 2, 3].map((i) => seats[`ORCH-2-${i}`].status)).toEqual(['available', 'available', 'available']);
    expect(seats['ORCH-2-1'].version).toBe(8);
  });

  describe('the flash workload: connections contending for the same seats', () => {
    // One hot seat and every pick on it, so the three buyers always contend; the seat's id is the test's.
    const oneHotSeat = (keepShare: number): FlashPattern => ({
      seatCount: 20,
      hotSeatCount: 1,
      seatsPerRow: 10,
      hotShare: 1,
      keepShare,
      keptPerConnectionMax: 1,
    });
    const flashRun = async (pattern: FlashPattern, attempts: number, seatId: string) => {
      const counters = new LoadCounters();
      counters.measureFrom = 0;
      const seatIdJsons = Array.from({ length: pattern.seatCount }, () => JSON.stringify(seatId));
      const tokens = await Promise.all([1, 2, 3].map(async () => (await client.session()).token));
      const connections = await Promise.all(
        tokens.map((token, i) =>
          LoadConnection.open(
            { baseUrl, eventId, token, seatId: 'unused', flash: { pattern, seed: i, seatIdJsons } },
            counters,
          ),
        ),
      );
      for (const connection of connections) connection.start(attempts);
      await Promise.all(connections.map((connection) => connection.finished));
      for (const connection of connections) connection.close();
      const grants = Array.from(counters.grants.seatIndexes.toArray(), (_, i) => ({
        seatId,
        ackAt: counters.grants.ackAts.values[i]!,
        releaseSentAt: Number.isNaN(counters.grants.releaseSentAts.values[i]!)
          ? null
          : counters.grants.releaseSentAts.values[i]!,
      }));
      return { counters, grants };
    };

    it('releases what it is granted, refuses nothing it should not, and never holds a seat twice', async () => {
      const { counters, grants } = await flashRun(oneHotSeat(0), 8, 'ORCH-2-9');
      const { granted, refused, otherRefusals } = counters.holds;
      expect(granted + refused + otherRefusals).toBe(24);
      expect(otherRefusals).toBe(0);
      expect(granted).toBeGreaterThan(0);
      expect(counters.refusals).toEqual(refused === 0 ? {} : { SEAT_UNAVAILABLE: refused });
      expect(counters).toMatchObject({ holdsAcked: granted, releasesAcked: granted, loops: granted, failures: {} });
      expect(counters.holdLatencies.count).toBe(24);
      expect(counters.latencies.count).toBe(24 + granted);
      expect(grants).toHaveLength(granted);
      expect(counters.grants.unreleased).toEqual([]);
      expect(countOversold(grants)).toBe(0);
      expect((await client.seatMap(eventId)).seats['ORCH-2-9'].status).toBe('available');
    });

    it('keeps a granted hold for good, after which every hold of the seat is refused SEAT_UNAVAILABLE', async () => {
      const { counters, grants } = await flashRun(oneHotSeat(1), 4, 'ORCH-2-10');
      expect(counters.holds).toEqual({ granted: 1, refused: 11, otherRefusals: 0 });
      expect(counters.refusals).toEqual({ SEAT_UNAVAILABLE: 11 });
      expect(counters).toMatchObject({ releasesAcked: 0, failures: {} });
      expect(grants).toEqual([expect.objectContaining({ releaseSentAt: null })]);
      const [kept] = counters.grants.unreleased;
      expect(kept?.seatIndex).toBe(0);
      const seat = (await client.seatMap(eventId)).seats['ORCH-2-10'];
      expect(seat.status).toBe('held');
      expect(kept?.holdId).toMatch(new RegExp(`^${eventId}\\.hold_`));
    });
  });

  it('reports a refused handshake with its code', async () => {
    await expect(
      LoadConnection.open({ baseUrl, eventId, token: 'not-a-token', seatId: 'ORCH-1-1' }, new LoadCounters()),
    ).rejects.toThrow(/UNAUTHORIZED/);
  });
});
