import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/startServer.ts';
import { api, priceTiers, venueBody } from '../../test/support/api.ts';
import { startTestServer } from '../../test/support/testServer.ts';
import { connect, type SeatActorClient, SeatActorError } from './index.ts';

describe('client SDK against a real server', () => {
  let server: RunningServer;
  let rest: ReturnType<typeof api>;
  let baseUrl: string;
  let venueId: string;
  const clients: SeatActorClient[] = [];
  const client = async (
    options: { token?: string; ackTimeoutMs?: number; retries?: number; renewSession?: false } = {},
  ) => {
    const created = connect(baseUrl, {
      token: options.token ?? (await rest.session()).token,
      ...(options.renewSession === undefined ? {} : { renewSession: options.renewSession }),
      ackTimeoutMs: options.ackTimeoutMs ?? 3_000,
      retries: options.retries ?? 3,
      socket: { reconnectionDelay: 50, reconnectionDelayMax: 200 },
    });
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    server = (await startTestServer()).server;
    baseUrl = `http://127.0.0.1:${server.port}`;
    rest = api(baseUrl);
    venueId = await rest.createVenue(venueBody(6, 10));
  });

  afterAll(async () => {
    for (const created of clients) created.close();
    await server?.drain();
  });

  it('keeps a live map through a reconnect mid-stream and converges to the REST map', async () => {
    const eventId = await rest.createEvent({
      venueId,
      name: 'Reconnect',
      startsAt: '2027-01-01T20:00:00Z',
      priceTiers,
    });
    const watcher = await client();
    const map = await watcher.subscribe(eventId);
    const changes: number[] = [];
    map.on('change', (diff) => changes.push(diff.version));
    const resyncs: boolean[] = [];
    map.on('resync', (info) => resyncs.push(info.full));
    const buyers = await Promise.all(Array.from({ length: 10 }, () => client()));
    const seats = Array.from({ length: 60 }, (_, i) => `ORCH-${Math.floor(i / 10) + 1}-${(i % 10) + 1}`);
    // Each buyer takes single seats in a stream; midway the watcher's transport drops and reconnects.
    const streaming = Promise.all(
      buyers.map(async (buyer, b) => {
        for (let i = b; i < 30; i += buyers.length) {
          await buyer.hold(eventId, { seatIds: [seats[i]!] });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    await expect.poll(() => changes.length, { timeout: 5_000 }).toBeGreaterThan(3);
    watcher.socket.io.engine.close();
    await streaming;
    // Changes made while the watcher was away, then more after it is back.
    await (await client()).hold(eventId, { sectionId: 'FLOOR', quantity: 3 });
    const restMap = await rest.seatMap(eventId);
    await expect.poll(() => map.version, { timeout: 5_000 }).toBe(restMap.version);
    expect(map.seats).toEqual(restMap.seats);
    expect(map.general).toEqual(restMap.general);
    expect(resyncs.length).toBeGreaterThanOrEqual(1);
    expect(map.stats.resyncs).toBeGreaterThanOrEqual(1);
    expect(watcher.connected).toBe(true);
  });

  it('resyncs on a gap it detects in the stream', async () => {
    const eventId = await rest.createEvent({ venueId, name: 'Gap', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const watcher = await client();
    const map = await watcher.subscribe(eventId);
    const buyer = await client();
    await buyer.hold(eventId, { seatIds: ['ORCH-1-1'] });
    await expect.poll(() => map.version).toBe((await rest.seatMap(eventId)).version);
    // Pretend a diff was lost: the next real diff's fromVersion is then ahead of ours.
    map.version -= 1;
    map.seats['ORCH-1-1'] = { ...map.seats['ORCH-1-1']!, status: 'available' };
    await buyer.hold(eventId, { seatIds: ['ORCH-1-2'] });
    const restMap = await rest.seatMap(eventId);
    await expect.poll(() => map.version).toBe(restMap.version);
    expect(map.stats.gaps).toBe(1);
    expect(map.seats).toEqual(restMap.seats);
  });

  it('with the layout, loads from the status form, applies diffs, and a gap reloads the status form', async () => {
    const eventId = await rest.createEvent({ venueId, name: 'Status', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const buyer = await client();
    await buyer.hold(eventId, { seatIds: ['ORCH-1-1', 'ORCH-1-2'] });
    const watcher = await client();
    const layout = await watcher.layout(eventId);
    const subscribes: unknown[] = [];
    watcher.socket.onAnyOutgoing((event, payload) => {
      if (event === 'subscribe') subscribes.push(payload);
    });
    const map = await watcher.subscribe(eventId, { layout });
    expect(map.statusForm).toBe(true);
    expect(subscribes).toEqual([{ eventId, form: 'status' }]);
    const statusesOf = (seats: Record<string, { status: string; priceTier: string }>) =>
      Object.fromEntries(Object.entries(seats).map(([id, seat]) => [id, [seat.status, seat.priceTier]]));
    let restMap = await rest.seatMap(eventId);
    expect(map.version).toBe(restMap.version);
    expect(statusesOf(map.seats)).toEqual(statusesOf(restMap.seats));
    expect(map.general).toEqual(restMap.general);
    // The form carries no per-seat versions.
    expect(map.seats['ORCH-1-1']?.version).toBe(-1);

    await buyer.hold(eventId, { seatIds: ['ORCH-2-1'] });
    restMap = await rest.seatMap(eventId);
    await expect.poll(() => map.version).toBe(restMap.version);
    expect(map.seats['ORCH-2-1']).toEqual(restMap.seats['ORCH-2-1']);

    // A lost diff: the map catches up with the diffs it missed, or a fresh status form, never the full JSON map.
    map.version -= 1;
    map.seats['ORCH-2-1'] = { ...map.seats['ORCH-2-1']!, status: 'available' };
    await buyer.hold(eventId, { sectionId: 'FLOOR', quantity: 2 });
    restMap = await rest.seatMap(eventId);
    await expect.poll(() => map.version).toBe(restMap.version);
    expect(map.stats.gaps).toBe(1);
    expect(statusesOf(map.seats)).toEqual(statusesOf(restMap.seats));
    expect(map.general).toEqual(restMap.general);
    expect(subscribes.slice(1)).toEqual([{ eventId, sinceVersion: restMap.version - 2, form: 'status' }]);
  });

  it('rejects with typed errors, and a retried requestId returns the first answer', async () => {
    const eventId = await rest.createEvent({ venueId, name: 'Errors', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const [alice, bob] = [await client(), await client()];
    const hold = await alice.hold(eventId, { seatIds: ['ORCH-2-1', 'ORCH-2-2'] }, { requestId: 'same' });
    expect(await alice.hold(eventId, { seatIds: ['ORCH-2-1', 'ORCH-2-2'] }, { requestId: 'same' })).toEqual(hold);
    await expect(bob.hold(eventId, { seatIds: ['ORCH-2-2'] })).rejects.toMatchObject({
      name: 'SeatActorError',
      code: 'SEAT_UNAVAILABLE',
    });
    await expect(bob.release(hold.holdId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.subscribe('evt_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(bob.hold(eventId, { seatIds: [] })).rejects.toBeInstanceOf(SeatActorError);
    await alice.release(hold.holdId);
    // Without renewal a refused token stays refused (with it the client would get a new session: session.int.spec.ts).
    const bad = await client({ token: 'forged', renewSession: false });
    await expect(bad.ready()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('times out with TIMEOUT when the server does not answer, after its retries', async () => {
    const eventId = await rest.createEvent({ venueId, name: 'Timeout', startsAt: '2027-01-01T20:00:00Z', priceTiers });
    const slow = await client({ ackTimeoutMs: 100, retries: 1 });
    await slow.ready();
    // A socket that never leaves the disconnected state buffers the request, so no answer can come.
    slow.socket.disconnect();
    const started = Date.now();
    await expect(slow.hold(eventId, { seatIds: ['ORCH-3-1'] })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});
