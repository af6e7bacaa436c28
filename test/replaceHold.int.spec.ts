import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { observe, openSocket, type TestSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * A hold that replaces the buyer's own (`replacesHoldId`) over REST and sockets, against the real server: one
 * decision, so a seat that stays in the basket is never seen available by anyone, and a refusal leaves the old hold.
 */
describe('a hold replacing the buyer’s own hold', () => {
  let server: RunningServer;
  let baseUrl: string;
  let client: ReturnType<typeof api>;
  let eventId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    ({ server, baseUrl, client } = await startTestServer());
    const venueId = await client.createVenue({
      ...venueBody(3, 6),
      sections: [
        ...venueBody(3, 6).sections.slice(0, 1),
        { id: 'FLOOR', name: 'Floor', kind: 'general', capacity: 4, priceTier: 'GA' },
      ],
    });
    eventId = await client.createEvent({ venueId, name: 'Replace', startsAt: '2027-01-01T20:00:00Z', priceTiers });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.drain();
  });

  it('over REST: the new hold, the old one gone, a kept seat held throughout; a retry answers the same hold', async () => {
    const buyer = await client.session();
    const watcher = await openSocket(baseUrl, (await client.session()).token);
    sockets.push(watcher);
    const map = await observe(watcher, eventId);
    const first = await client.hold(eventId, buyer.token, { requestId: 'a', seatIds: ['ORCH-1-1'] });
    expect(first.status).toBe(201);
    const body = { requestId: 'b', seatIds: ['ORCH-1-1', 'ORCH-1-2'], replacesHoldId: first.body.holdId };
    const second = await client.hold(eventId, buyer.token, body);
    expect(second.status).toBe(201);
    expect([...second.body.seatIds].sort()).toEqual(['ORCH-1-1', 'ORCH-1-2']);
    expect(second.body.holdId).not.toBe(first.body.holdId);
    const retry = await client.hold(eventId, buyer.token, body);
    expect(retry.body).toEqual(second.body);
    const mine = await client.call('GET', `/v1/me/holds?eventId=${eventId}`, undefined, buyer.token);
    expect(mine.body.holds.map((hold: { holdId: string }) => hold.holdId)).toEqual([second.body.holdId]);
    expect((await client.release(first.body.holdId, buyer.token)).status).toBe(404);

    // Take ORCH-1-1 out: ORCH-1-2 stays held in every diff the watcher gets, ORCH-1-1 comes back.
    const third = await client.hold(eventId, buyer.token, {
      requestId: 'c',
      seatIds: ['ORCH-1-2'],
      replacesHoldId: second.body.holdId,
    });
    expect(third.status).toBe(201);
    await expect.poll(() => map.seats['ORCH-1-1']?.status).toBe('available');
    const kept = map.diffs.flatMap((diff) => diff.changes).filter((change) => change.seatId === 'ORCH-1-2');
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.map((change) => change.status)).toEqual(kept.map(() => 'held'));
    expect(map.gaps).toEqual([]);
  });

  it('refuses as a whole when a new seat is taken, and says why the old hold cannot be replaced', async () => {
    const buyer = await client.session();
    const other = await client.session();
    const mine = (await client.hold(eventId, buyer.token, { requestId: 'a', seatIds: ['ORCH-2-1'] })).body;
    await client.hold(eventId, other.token, { requestId: 'a', seatIds: ['ORCH-2-2'] });
    const taken = await client.hold(eventId, buyer.token, {
      requestId: 'b',
      seatIds: ['ORCH-2-1', 'ORCH-2-2'],
      replacesHoldId: mine.holdId,
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('SEAT_UNAVAILABLE');
    expect((await client.seatMap(eventId)).seats['ORCH-2-1'].status).toBe('held');
    const mineNow = await client.call('GET', `/v1/me/holds?eventId=${eventId}`, undefined, buyer.token);
    expect(mineNow.body.holds.map((hold: { holdId: string }) => hold.holdId)).toEqual([mine.holdId]);

    const foreign = await client.hold(eventId, other.token, {
      requestId: 'c',
      seatIds: ['ORCH-2-3'],
      replacesHoldId: mine.holdId,
    });
    expect(foreign.body.error.code).toBe('FORBIDDEN');
    const unknown = await client.hold(eventId, buyer.token, {
      requestId: 'd',
      seatIds: ['ORCH-2-3'],
      replacesHoldId: `${eventId}.nope`,
    });
    expect(unknown.body.error.code).toBe('HOLD_NOT_FOUND');
    const malformed = await client.hold(eventId, buyer.token, {
      requestId: 'e',
      seatIds: ['ORCH-2-3'],
      replacesHoldId: 'not a hold id',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_INPUT');
    const ordered = await client.call('POST', '/v1/orders', { holdId: mine.holdId, requestId: 'o' }, buyer.token);
    expect(ordered.status).toBe(201);
    const inCheckout = await client.hold(eventId, buyer.token, {
      requestId: 'f',
      seatIds: ['ORCH-2-3'],
      replacesHoldId: mine.holdId,
    });
    expect(inCheckout.body.error.code).toBe('ORDER_STATE');
  });

  it('is not refused SOLD_OUT by the fast path when the buyer holds the last places', async () => {
    const buyer = await client.session();
    const all = (await client.hold(eventId, buyer.token, { requestId: 'a', sectionId: 'FLOOR', quantity: 4 })).body;
    expect(all.quantity).toBe(4);
    const other = await client.session();
    expect(
      (await client.hold(eventId, other.token, { requestId: 'a', sectionId: 'FLOOR', quantity: 1 })).body.error.code,
    ).toBe('SOLD_OUT');
    const fewer = await client.hold(eventId, buyer.token, {
      requestId: 'b',
      sectionId: 'FLOOR',
      quantity: 3,
      replacesHoldId: all.holdId,
    });
    expect(fewer.status).toBe(201);
    expect(fewer.body.quantity).toBe(3);
    expect((await client.seatMap(eventId)).general.FLOOR.available).toBe(1);
  });

  it('over the socket: hold with replacesHoldId', async () => {
    const socket = await openSocket(baseUrl, (await client.session()).token);
    sockets.push(socket);
    const first = await socket.timeout(5_000).emitWithAck('hold', { eventId, requestId: 'a', seatIds: ['ORCH-3-1'] });
    if (!first.ok) throw new Error(JSON.stringify(first));
    const second = await socket.timeout(5_000).emitWithAck('hold', {
      eventId,
      requestId: 'b',
      bestAvailable: { quantity: 2, sectionId: 'ORCH' },
      replacesHoldId: first.hold.holdId,
    });
    if (!second.ok) throw new Error(JSON.stringify(second));
    expect(second.hold.seatIds).toHaveLength(2);
    const released = await socket.timeout(5_000).emitWithAck('release', { holdId: first.hold.holdId, requestId: 'c' });
    expect(released).toMatchObject({ ok: false, error: { code: 'HOLD_NOT_FOUND' } });
  });
});
