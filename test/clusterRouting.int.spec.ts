import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderUpdate } from '../src/contract/protocol.ts';
import { api, eventTomorrow, venueBody } from './support/api.ts';
import { ownerOf, startCluster, type TestCluster, waitFor } from './support/cluster.ts';
import { observe, openSocket, type TestSocket } from './support/sockets.ts';

/**
 * Three cluster nodes as real processes: every node accepts every client. Requests reach the event's owner from any
 * node (REST forwarded as it came, socket holds through the owner's internal route), the seat-map diffs reach
 * observers on every node through socket.io's Redis adapter, and a buyer's own pushes reach their socket wherever it is.
 */
let cluster: TestCluster;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  cluster = await startCluster(['r1', 'r2', 'r3']);
}, 90_000);
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await cluster?.close();
});

describe('cluster routing (three processes, real Postgres and Redis)', () => {
  it('serves a race from every node: forwarded holds, no double grant, every observer equals the REST map, no gap', async () => {
    const [r1] = cluster.nodes;
    const admin = api(r1!.baseUrl);
    const venueId = await admin.createVenue(venueBody(2, 20));
    const eventId = await admin.createEvent(eventTomorrow(venueId, 'Routing'));
    const ownerId = (await ownerOf(r1!.baseUrl, eventId)).preferredNodeId;
    const others = cluster.nodes.filter((node) => node.nodeId !== ownerId);
    const owner = cluster.nodes.find((node) => node.nodeId === ownerId)!;

    // Observers on every node, the owner's included.
    const watcher = await admin.session();
    const observers = await Promise.all(
      cluster.nodes.map(async (node) => {
        const socket = await openSocket(node.baseUrl, watcher.token);
        sockets.push(socket);
        return { node, state: await observe(socket, eventId) };
      }),
    );

    // A REST hold through a non-owner is forwarded; its retry through the other non-owner gets the first answer.
    const first = await admin.session();
    const viaOther = await api(others[0]!.baseUrl).hold(eventId, first.token, {
      seatIds: ['ORCH-1-1'],
      requestId: 'first',
    });
    expect(viaOther.status).toBe(201);
    const retried = await api(others[1]!.baseUrl).hold(eventId, first.token, {
      seatIds: ['ORCH-1-1'],
      requestId: 'first',
    });
    expect(retried.body).toEqual(viaOther.body);

    // 60 buyers race for 20 seats over REST and sockets on all three nodes (three per seat).
    const buyers = await Promise.all(Array.from({ length: 60 }, () => admin.session()));
    const results = await Promise.all(
      buyers.map(async (buyer, index) => {
        const node = cluster.nodes[index % 3]!;
        const seatId = `ORCH-2-${(index % 20) + 1}`;
        const requestId = `race-${index}`;
        if (index % 2 === 0) {
          const answer = await api(node.baseUrl).hold(eventId, buyer.token, { seatIds: [seatId], requestId });
          return { seatId, ok: answer.status === 201, code: answer.body?.error?.code as string | undefined };
        }
        const socket = await openSocket(node.baseUrl, buyer.token);
        sockets.push(socket);
        const ack = await socket.timeout(10_000).emitWithAck('hold', { eventId, seatIds: [seatId], requestId });
        socket.close();
        return { seatId, ok: ack.ok, code: ack.ok ? undefined : ack.error.code };
      }),
    );
    const granted = results.filter((result) => result.ok);
    expect(results.filter((result) => !result.ok).map((result) => result.code)).toEqual(
      Array(40).fill('SEAT_UNAVAILABLE'),
    );
    expect(granted).toHaveLength(20);
    expect(new Set(granted.map((result) => result.seatId)).size).toBe(20);

    // Every observer, on every node, reaches the REST map's version with no gap and the same seats.
    const rest = await api(owner.baseUrl).seatMap(eventId);
    for (const { node, state } of observers) {
      await waitFor(`the observer on ${node.nodeId} to catch up`, 10_000, async () =>
        state.version === rest.version ? true : undefined,
      );
      expect(state.gaps).toEqual([]);
      expect(state.seats).toEqual(rest.seats);
    }
    // The same map is read through any node.
    for (const node of others) expect((await api(node.baseUrl).seatMap(eventId)).seats).toEqual(rest.seats);
  }, 60_000);

  it("pushes a buyer's order update to their socket on a node that neither owns the event nor took the request", async () => {
    const [r1] = cluster.nodes;
    const admin = api(r1!.baseUrl);
    const venueId = await admin.createVenue(venueBody(1, 5));
    const eventId = await admin.createEvent(eventTomorrow(venueId, 'Pushes'));
    const ownerId = (await ownerOf(r1!.baseUrl, eventId)).preferredNodeId;
    const [entry, listening] = cluster.nodes.filter((node) => node.nodeId !== ownerId);
    const buyer = await admin.session();
    const socket = await openSocket(listening!.baseUrl, buyer.token);
    sockets.push(socket);
    const updates: OrderUpdate[] = [];
    socket.on('order:updated', (update) => updates.push(update));
    const client = api(entry!.baseUrl);
    const held = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'h1' });
    expect(held.status).toBe(201);
    const order = await client.call('POST', '/v1/orders', { holdId: held.body.holdId, requestId: 'o1' }, buyer.token);
    expect(order.status).toBe(201);
    const paid = await client.call(
      'POST',
      `/v1/orders/${order.body.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    expect(paid.status).toBeLessThan(300);
    const update = await waitFor('order:updated on the listening node', 10_000, async () =>
      updates.find((seen) => seen.status === 'paid' || seen.status === 'succeeded'),
    );
    expect(update.orderId).toBe(order.body.orderId);
  }, 60_000);
});
