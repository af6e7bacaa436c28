import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  OrderUpdate,
  QueueAdmitted,
  QueuePosition,
  QueueReleased,
  QueueSoldOut,
  WaitlistOffer,
  WaitlistPosition,
} from '../src/contract/protocol.ts';
import type { SeatMapDiff } from '../src/domain/seatMap/views.ts';
import { api, eventTomorrow, venueBody } from './support/api.ts';
import { type ClusterNode, ownerOf, startCluster, type TestCluster, waitFor } from './support/cluster.ts';
import { adminToken } from './support/serverProcess.ts';
import { observe, openSocket, type TestSocket } from './support/sockets.ts';

/**
 * A buyer's socket on a node that does not own the event: `queue:join`, `waitlist:join` and `waitlist:leave` reach the
 * owner over its internal routes, and the owner's pushes (the buyer's own room, the event's queue room) come back to
 * that socket through socket.io's Redis adapter. Three nodes as real processes on a schema and key prefix of their own.
 */
let cluster: TestCluster;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  // A room engaged by load is released after 2 s of calm (30 s by default), so queue:released fits a test.
  cluster = await startCluster(['s1', 's2', 's3'], { env: { WAITING_ROOM_CALM_SECONDS: '2' } });
}, 90_000);
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await cluster?.close();
});

const connect = async (node: ClusterNode, token: string): Promise<TestSocket> => {
  const socket = await openSocket(node.baseUrl, token);
  sockets.push(socket);
  return socket;
};

/**
 * The node that runs the event, and the two others: its preferred node, once it runs it (a map read claims it there;
 * an event the creating node set up elsewhere is handed to its preferred node by the rebalancing scan).
 */
const placed = async (eventId: string) => {
  const ownerId = await waitFor('the event on its preferred node', 10_000, async () => {
    await api(cluster.nodes[0]!.baseUrl).seatMap(eventId);
    const owner = await ownerOf(cluster.nodes[0]!.baseUrl, eventId);
    return owner.nodeId !== null && owner.nodeId === owner.preferredNodeId ? owner.nodeId : undefined;
  });
  const owner = cluster.nodes.find((node) => node.nodeId === ownerId)!;
  const [other, third] = cluster.nodes.filter((node) => node !== owner) as [ClusterNode, ClusterNode];
  return { owner, other, third };
};

describe('socket queue and waitlist requests on a node that does not own the event', () => {
  it('queue:join on a non-owner: forwarded, the same entry on a retry through another node, pushes come back', async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    const venueId = await admin.createVenue(venueBody(1, 2));
    const eventId = await admin.createEvent(
      eventTomorrow(venueId, 'Queue across nodes', {
        saleStartsAt: new Date(Date.now() - 60_000).toISOString(),
        waitingRoom: { enabled: true, admittedMax: 1 },
      }),
    );
    const { owner, other, third } = await placed(eventId);

    const first = await admin.session();
    const second = await admin.session();
    const firstSocket = await connect(other, first.token);
    const secondSocket = await connect(other, second.token);
    let admitted: QueueAdmitted | undefined;
    const positions: QueuePosition[] = [];
    let secondAdmitted: QueueAdmitted | undefined;
    firstSocket.on('queue:admitted', (push) => {
      admitted = push;
    });
    secondSocket.on('queue:position', (push) => positions.push(push));
    secondSocket.on('queue:admitted', (push) => {
      secondAdmitted = push;
    });

    const joined = await firstSocket.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: 'q1' });
    expect(joined).toMatchObject({ ok: true, entry: { queueId: expect.any(String) } });
    const queueId = joined.ok ? joined.entry.queueId : '';
    const behind = await secondSocket.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: 'q2' });
    expect(behind).toMatchObject({ ok: true, entry: { queueId: expect.any(String) } });
    // The join ran on the owner: it claimed the event, and the node the sockets are on did not.
    expect((await ownerOf(other.baseUrl, eventId)).nodeId).toBe(owner.nodeId);

    // The owner admits the first buyer and tells the second their place: both pushes reach the sockets on `other`.
    const admission = await waitFor('queue:admitted on the non-owner', 10_000, async () => admitted);
    expect(admission.queueId).toBe(queueId);
    // (A round may tell it 2 first, when it ran before the first buyer's admission.)
    const place = await waitFor('queue:position 1 on the non-owner', 10_000, async () =>
      positions.find((push) => push.position === 1),
    );
    expect(place).toMatchObject({ eventId, state: 'queued', position: 1 });

    // Joining again through the third node's socket is the same entry (as over REST).
    const elsewhere = await connect(third, first.token);
    const again = await elsewhere.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: 'q1' });
    expect(again).toMatchObject({ ok: true, entry: { queueId } });

    // The admitted buyer holds a seat through `other` (a forwarded socket hold, with the admission token) and orders
    // it: their admission is used, the owner admits the next buyer, and that push too reaches the socket on `other`.
    const hold = await firstSocket.timeout(10_000).emitWithAck('hold', {
      eventId,
      requestId: 'h1',
      seatIds: ['ORCH-1-1'],
      admissionToken: admission.token,
    });
    expect(hold).toMatchObject({ ok: true, hold: { seatIds: ['ORCH-1-1'] } });
    const holdId = hold.ok ? hold.hold.holdId : '';
    const order = await api(other.baseUrl).call('POST', '/v1/orders', { holdId, requestId: 'o1' }, first.token);
    expect(order.status).toBe(201);
    const next = await waitFor('the second buyer admitted, on the non-owner', 10_000, async () => secondAdmitted);
    expect(next.queueId).toBe(behind.ok ? behind.entry.queueId : '');
  }, 60_000);

  it('waitlist:join and waitlist:leave on a non-owner: forwarded with the requestId, offers pushed back', async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    const venueId = await admin.createVenue(venueBody(1, 1));
    const eventId = await admin.createEvent(eventTomorrow(venueId, 'Waitlist across nodes'));
    const { owner, other, third } = await placed(eventId);

    // The only seat is held (through the owner): the waitlist opens.
    const seller = await admin.session();
    const held = await api(owner.baseUrl).hold(eventId, seller.token, { seatIds: ['ORCH-1-1'], requestId: 'h' });
    expect(held.status).toBe(201);

    const waiter = await admin.session();
    const leaver = await admin.session();
    const waiterSocket = await connect(other, waiter.token);
    const leaverSocket = await connect(other, leaver.token);
    const offers: WaitlistOffer[] = [];
    waiterSocket.on('waitlist:offer', (offer) => offers.push(offer));

    const joined = await waiterSocket
      .timeout(10_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'w1', quantity: 1 });
    expect(joined).toMatchObject({ ok: true, entry: { state: 'waiting', position: 1, quantity: 1 } });
    const entryId = joined.ok ? joined.entry.entryId : '';
    // The same requestId through another node's socket: the first answer.
    const retried = await (await connect(third, waiter.token))
      .timeout(10_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'w1', quantity: 1 });
    expect(retried).toMatchObject({ ok: true, entry: { entryId, position: 1 } });

    const second = await leaverSocket
      .timeout(10_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'w2', quantity: 1 });
    expect(second).toMatchObject({ ok: true, entry: { state: 'waiting', position: 2 } });
    const secondEntry = second.ok ? second.entry.entryId : '';
    expect(
      await leaverSocket.timeout(10_000).emitWithAck('waitlist:leave', { entryId: secondEntry, requestId: 'l2' }),
    ).toEqual({ ok: true });
    const left = await api(owner.baseUrl).call('GET', `/v1/events/${eventId}/waitlist/me`, undefined, leaver.token);
    expect(left.body).toMatchObject({ entryId: secondEntry, state: 'left' });

    // Over REST too, a leave through a non-owner reaches the owner (the entry's id names its event).
    const restWaiter = await admin.session();
    const viaRest = await api(other.baseUrl).call(
      'POST',
      `/v1/events/${eventId}/waitlist`,
      { requestId: 'w3', quantity: 1 },
      restWaiter.token,
    );
    expect(viaRest).toMatchObject({ status: 201, body: { position: 2 } });
    const restLeave = await api(other.baseUrl).call(
      'DELETE',
      `/v1/waitlist/${viaRest.body.entryId}?requestId=l3`,
      undefined,
      restWaiter.token,
    );
    expect(restLeave.status).toBe(204);

    // The seat comes back: the owner offers it to the first entry, and the offer reaches the socket on `other`.
    expect((await api(owner.baseUrl).release(held.body.holdId, seller.token)).status).toBe(204);
    const offer = await waitFor('waitlist:offer on the non-owner', 10_000, async () => offers[0]);
    expect(offer).toMatchObject({ eventId, entryId, hold: { seatIds: ['ORCH-1-1'] } });
  }, 60_000);
});

/**
 * Two events run by two different nodes (each claimed by its preferred node at the first read), and the third node,
 * which runs neither.
 */
const eventsOnTwoNodes = async (name: string) => {
  const admin = api(cluster.nodes[0]!.baseUrl);
  const venueId = await admin.createVenue(venueBody(1, 4));
  const byOwner = new Map<string, string>();
  for (let n = 0; n < 20 && byOwner.size < 2; n++) {
    const eventId = await admin.createEvent(eventTomorrow(venueId, `${name} ${n}`));
    const { owner } = await placed(eventId);
    if (!byOwner.has(owner.nodeId)) byOwner.set(owner.nodeId, eventId);
  }
  expect(byOwner.size).toBe(2);
  const [[firstOwner, firstEvent], [secondOwner, secondEvent]] = [...byOwner] as [[string, string], [string, string]];
  const node = (id: string) => cluster.nodes.find((candidate) => candidate.nodeId === id)!;
  const third = cluster.nodes.find((candidate) => candidate.nodeId !== firstOwner && candidate.nodeId !== secondOwner)!;
  return { firstEvent, secondEvent, firstOwner: node(firstOwner), secondOwner: node(secondOwner), third };
};

describe("a buyer's holds and orders across nodes", () => {
  it('GET /v1/me/holds through a third node lists the holds at events two other nodes run, page by page', async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    const { firstEvent, secondEvent, third } = await eventsOnTwoNodes('Holds');

    const buyer = await admin.session();
    const other = await admin.session();
    const client = api(third.baseUrl);
    const held = [
      await client.hold(firstEvent, buyer.token, { seatIds: ['ORCH-1-1', 'ORCH-1-2'], requestId: 'a' }),
      await client.hold(secondEvent, buyer.token, { seatIds: ['ORCH-1-3'], requestId: 'b' }),
      await client.hold(secondEvent, other.token, { seatIds: ['ORCH-1-4'], requestId: 'c' }),
    ];
    expect(held.map((answer) => answer.status)).toEqual([201, 201, 201]);
    const mine = [held[0]!.body.holdId, held[1]!.body.holdId].sort();

    // Through the node that runs neither event: both holds, and not the other buyer's.
    const all = await client.call('GET', '/v1/me/holds', undefined, buyer.token);
    expect(all.status).toBe(200);
    expect(all.body.holds.map((hold: { holdId: string }) => hold.holdId).sort()).toEqual(mine);
    expect(all.body.next).toBeUndefined();
    // Every node answers the same.
    for (const node of cluster.nodes) {
      const answer = await api(node.baseUrl).call('GET', '/v1/me/holds', undefined, buyer.token);
      expect(answer.body.holds.map((hold: { holdId: string }) => hold.holdId).sort()).toEqual(mine);
    }

    // One event per page: the first page's cursor leads to the other event, and no further.
    const [earlier, later] = [firstEvent, secondEvent].sort() as [string, string];
    const page1 = await client.call('GET', '/v1/me/holds?limit=1', undefined, buyer.token);
    expect(page1.body.holds.map((hold: { eventId: string }) => hold.eventId)).toEqual([earlier]);
    expect(page1.body.next).toEqual(expect.any(String));
    const page2 = await client.call('GET', `/v1/me/holds?limit=1&cursor=${page1.body.next}`, undefined, buyer.token);
    expect(page2.body.holds.map((hold: { eventId: string }) => hold.eventId)).toEqual([later]);
    expect(page2.body.next).toBeUndefined();

    // One event's holds, asked of its owner.
    const one = await client.call('GET', `/v1/me/holds?eventId=${secondEvent}`, undefined, buyer.token);
    expect(one.body.holds.map((hold: { holdId: string }) => hold.holdId)).toEqual([held[1]!.body.holdId]);

    // A release through the third node is seen at once.
    expect((await client.release(held[0]!.body.holdId, buyer.token)).status).toBe(204);
    const after = await client.call('GET', '/v1/me/holds', undefined, buyer.token);
    expect(after.body.holds.map((hold: { holdId: string }) => hold.holdId)).toEqual([held[1]!.body.holdId]);
  }, 60_000);

  it('GET /v1/me/orders and GET /v1/orders/:id give every node the same orders, with their current statuses', async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    const { firstEvent, secondEvent, firstOwner, secondOwner, third } = await eventsOnTwoNodes('Orders');
    const buyer = await admin.session();
    const someoneElse = await admin.session();
    // One order at each event, each placed through a node that does not run its event; someone else's order beside.
    const order = async (node: ClusterNode, eventId: string, token: string, seatId: string, requestId: string) => {
      const client = api(node.baseUrl);
      const held = await client.hold(eventId, token, { seatIds: [seatId], requestId });
      expect(held.status).toBe(201);
      const placedOrder = await client.call(
        'POST',
        '/v1/orders',
        { holdId: held.body.holdId, requestId: `${requestId}-order` },
        token,
      );
      expect(placedOrder.status).toBe(201);
      return placedOrder.body.orderId as string;
    };
    const first = await order(secondOwner, firstEvent, buyer.token, 'ORCH-1-1', 'a');
    const second = await order(firstOwner, secondEvent, buyer.token, 'ORCH-1-2', 'b');
    await order(third, secondEvent, someoneElse.token, 'ORCH-1-3', 'c');

    // The second is paid (through the third node); once its owner says so, every node lists both, newest first.
    const paid = await api(third.baseUrl).call(
      'POST',
      `/v1/orders/${second}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    expect(paid.status).toBeLessThan(300);
    await waitFor('the paid order on its owner', 10_000, async () => {
      const seen = await api(secondOwner.baseUrl).call('GET', `/v1/orders/${second}`, undefined, buyer.token);
      return seen.body?.status === 'succeeded' ? true : undefined;
    });
    const listed = async (node: ClusterNode, query = '') => {
      const answer = await api(node.baseUrl).call('GET', `/v1/me/orders${query}`, undefined, buyer.token);
      expect(answer.status, `${node.nodeId}: ${JSON.stringify(answer.body)}`).toBe(200);
      return answer.body as {
        orders: { orderId: string; status: string; tickets?: { ticketId: string }[] }[];
        next?: string;
      };
    };
    const expected = await listed(secondOwner);
    expect(expected.orders.map((seen) => seen.orderId)).toEqual([second, first]);
    expect(expected.orders[0]!.status).toBe('succeeded');
    expect(expected.orders[1]!.status).not.toBe('succeeded');
    for (const node of cluster.nodes) {
      expect(await listed(node), node.nodeId).toEqual(expected);
      // Each order read alone through any node is the one listed.
      for (const [index, orderId] of [second, first].entries()) {
        const one = await api(node.baseUrl).call('GET', `/v1/orders/${orderId}`, undefined, buyer.token);
        expect(one, `${node.nodeId} ${orderId}`).toMatchObject({ status: 200, body: expected.orders[index] });
      }
    }

    // Page by page, and one event's orders, through the node that runs neither event.
    const page1 = await listed(third, '?limit=1');
    expect(page1.orders.map((seen) => seen.orderId)).toEqual([second]);
    const page2 = await listed(third, `?limit=1&cursor=${page1.next}`);
    expect(page2.orders.map((seen) => seen.orderId)).toEqual([first]);
    expect(page2.next).toBeUndefined();
    expect((await listed(third, `?eventId=${firstEvent}`)).orders.map((seen) => seen.orderId)).toEqual([first]);

    // A ticket's QR code through a node that does not run its event.
    const ticketId = expected.orders[0]!.tickets?.[0]?.ticketId;
    expect(ticketId).toEqual(expect.any(String));
    const qr = await fetch(`${third.baseUrl}/v1/tickets/${ticketId}/qr`, {
      headers: { authorization: `Bearer ${buyer.token}` },
    });
    expect(qr.status).toBe(200);
    expect(await qr.text()).toContain('<svg');
    // The gate checks the ticket in through a node that does not run its event.
    const code = (expected.orders[0]!.tickets?.[0] as { code?: string } | undefined)?.code;
    const checkedIn = await api(third.baseUrl).call('POST', '/v1/checkins', { code, gate: 'A' }, adminToken);
    expect(checkedIn.status, JSON.stringify(checkedIn.body)).toBe(200);

    // The first is paid through its own owner: every node lists its new status.
    expect(
      (
        await api(firstOwner.baseUrl).call(
          'POST',
          `/v1/orders/${first}/pay`,
          { paymentMethod: 'pm_card_visa' },
          buyer.token,
        )
      ).status,
    ).toBeLessThan(300);
    await waitFor('the first order paid on its owner', 10_000, async () => {
      const seen = await api(firstOwner.baseUrl).call('GET', `/v1/orders/${first}`, undefined, buyer.token);
      return seen.body?.status === 'succeeded' ? true : undefined;
    });
    for (const node of cluster.nodes)
      expect(
        (await listed(node)).orders.map((seen) => seen.status),
        node.nodeId,
      ).toEqual(['succeeded', 'succeeded']);
  }, 60_000);
});

describe('a socket subscriber resuming on a node that does not own the event', () => {
  it("gets the diffs since its version from the owner's ring, not the whole map", async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    const venueId = await admin.createVenue(venueBody(1, 4));
    const eventId = await admin.createEvent(eventTomorrow(venueId, 'Resume across nodes'));
    const { owner, other } = await placed(eventId);
    const watcher = await admin.session();
    const first = await (await connect(other, watcher.token)).timeout(10_000).emitWithAck('subscribe', { eventId });
    expect(first).toMatchObject({ ok: true, seatMap: expect.any(Object) });
    const since = first.ok ? first.version : -1;

    for (const [n, seatId] of ['ORCH-1-1', 'ORCH-1-2'].entries()) {
      const buyer = await admin.session();
      expect(
        (await api(owner.baseUrl).hold(eventId, buyer.token, { seatIds: [seatId], requestId: `r${n}` })).status,
      ).toBe(201);
    }
    const now = (await api(owner.baseUrl).seatMap(eventId)).version;
    expect(now).toBeGreaterThan(since);

    const resumed = await (await connect(other, watcher.token))
      .timeout(10_000)
      .emitWithAck('subscribe', { eventId, sinceVersion: since });
    expect(resumed).toMatchObject({ ok: true, version: now, diffs: expect.any(Array) });
    expect(resumed).not.toHaveProperty('seatMap');
    const diffs: SeatMapDiff[] = resumed.ok && 'diffs' in resumed ? (resumed.diffs ?? []) : [];
    expect(diffs[0]?.fromVersion).toBe(since);
    expect(diffs.at(-1)?.version).toBe(now);
    const changed = diffs.flatMap((diff) => diff.changes.map((change) => ('seatId' in change ? change.seatId : '')));
    expect(changed).toEqual(expect.arrayContaining(['ORCH-1-1', 'ORCH-1-2']));

    // Up to date: no diffs, no map.
    const current = await (await connect(other, watcher.token))
      .timeout(10_000)
      .emitWithAck('subscribe', { eventId, sinceVersion: now });
    expect(current).toMatchObject({ ok: true, version: now, diffs: [] });
  }, 60_000);
});

describe('pushes to buyers whose sockets are on nodes that do not own the event', () => {
  it('seat-map diffs, queue:admitted, order:updated, queue:soldout and waitlist:position reach them', async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    // One seat, no standing floor: once it is paid the event is sold out.
    const venueId = await admin.createVenue({
      name: 'One Seat Hall',
      sections: [
        { id: 'ORCH', name: 'Orchestra', kind: 'seated', rows: [{ id: 'A', seats: [{ id: 'A1', priceTier: 'P' }] }] },
      ],
    });
    const eventId = await admin.createEvent(
      eventTomorrow(venueId, 'Pushes across nodes', {
        saleStartsAt: new Date(Date.now() - 60_000).toISOString(),
        waitingRoom: { enabled: true, admittedMax: 1 },
      }),
    );
    const { other, third } = await placed(eventId);
    const [buyer, waiter, next] = await Promise.all([admin.session(), admin.session(), admin.session()]);
    const buyerSocket = await connect(other, buyer.token);
    const waiterSocket = await connect(third, waiter.token);
    const nextSocket = await connect(other, next.token);
    const seen = {
      admitted: [] as QueueAdmitted[],
      orders: [] as OrderUpdate[],
      soldOut: [] as QueueSoldOut[],
      positions: [] as WaitlistPosition[],
    };
    buyerSocket.on('queue:admitted', (push) => seen.admitted.push(push));
    buyerSocket.on('order:updated', (push) => seen.orders.push(push));
    waiterSocket.on('queue:soldout', (push) => seen.soldOut.push(push));
    nextSocket.on('waitlist:position', (push) => seen.positions.push(push));
    // The waiter watches the map on the third node.
    const map = await observe(waiterSocket, eventId);

    // The buyer is admitted (pushed to `other`), the waiter waits in line (on `third`).
    expect(await buyerSocket.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: 'q1' })).toMatchObject({
      ok: true,
    });
    const admission = await waitFor('queue:admitted on a non-owner', 10_000, async () => seen.admitted[0]);
    expect(await waiterSocket.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: 'q2' })).toMatchObject({
      ok: true,
      entry: { state: 'queued' },
    });

    // The buyer holds the seat, orders and pays it through the third node: the order's update reaches `other`, the
    // seat's diffs reach the waiter's map on `third`.
    const hold = await buyerSocket
      .timeout(10_000)
      .emitWithAck('hold', { eventId, requestId: 'h1', seatIds: ['A1'], admissionToken: admission.token });
    expect(hold).toMatchObject({ ok: true });
    const client = api(third.baseUrl);
    const order = await client.call(
      'POST',
      '/v1/orders',
      { holdId: hold.ok ? hold.hold.holdId : '', requestId: 'o1' },
      buyer.token,
    );
    expect(order.status).toBe(201);
    const paid = await client.call(
      'POST',
      `/v1/orders/${order.body.orderId}/pay`,
      { paymentMethod: 'pm_card_visa' },
      buyer.token,
    );
    expect(paid.status).toBeLessThan(300);
    const update = await waitFor('order:updated succeeded on a non-owner', 10_000, async () =>
      seen.orders.find((push) => push.status === 'succeeded'),
    );
    expect(update.orderId).toBe(order.body.orderId);
    await waitFor('the sold seat on the map watched from a non-owner', 10_000, async () =>
      map.seats.A1?.status === 'sold' ? true : undefined,
    );
    expect(map.gaps).toEqual([]);
    expect(map.seats).toEqual((await api(other.baseUrl).seatMap(eventId)).seats);

    // Sold out: the line hears it on `third`, with the waitlist open.
    const soldOut = await waitFor('queue:soldout on a non-owner', 10_000, async () => seen.soldOut[0]);
    expect(soldOut).toEqual({ eventId, waitlist: { open: true } });

    // Two join the waitlist on two non-owners; the first leaves, and the second hears its new place on `other`.
    const first = await waiterSocket
      .timeout(10_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'w1', quantity: 1 });
    expect(first).toMatchObject({ ok: true, entry: { position: 1 } });
    const second = await nextSocket
      .timeout(10_000)
      .emitWithAck('waitlist:join', { eventId, requestId: 'w2', quantity: 1 });
    expect(second).toMatchObject({ ok: true, entry: { position: 2 } });
    expect(
      await waiterSocket
        .timeout(10_000)
        .emitWithAck('waitlist:leave', { entryId: first.ok ? first.entry.entryId : '', requestId: 'l1' }),
    ).toEqual({ ok: true });
    const position = await waitFor('waitlist:position 1 on a non-owner', 10_000, async () =>
      seen.positions.find((push) => push.position === 1),
    );
    expect(position).toEqual({ eventId, entryId: second.ok ? second.entry.entryId : '', position: 1 });
  }, 60_000);
});

describe('a waiting room released by its owner once calm', () => {
  it('queue:released reaches the line on a node that does not own the event; the buyer then holds there', async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    const venueId = await admin.createVenue(venueBody(1, 4));
    const eventId = await admin.createEvent(
      eventTomorrow(venueId, 'Released across nodes', {
        saleStartsAt: new Date(Date.now() - 60_000).toISOString(),
        waitingRoom: { enabled: false, autoEngageRequestsPerSecond: 5, admittedMax: 1 },
      }),
    );
    const { owner, other, third } = await placed(eventId);
    const phase = async () =>
      (await api(owner.baseUrl).call('GET', `/v1/events/${eventId}/queue/stats`, undefined, adminToken)).body
        .phase as string;

    // A rush at the owner (its switch counts the requests that reach it): twelve joins at once engage the room.
    const rusher = await admin.session();
    const rush = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api(owner.baseUrl).call('POST', `/v1/events/${eventId}/queue`, { requestId: `rush${i}` }, rusher.token),
      ),
    );
    // The switch samples the rate once a second (autoEngage.ts): when a tick falls inside the rush, the room engages
    // part-way and the joins after it are let in, the rusher (one buyer) taking a place in line once.
    const answers = rush.map((reply) => reply.body?.error?.code ?? reply.status);
    expect(answers.filter((answer) => answer !== 'QUEUE_CLOSED' && answer !== 201)).toEqual([]);
    const rusherInLine = answers.includes(201);
    // One buyer has one place in line, however many of its joins got in.
    expect(new Set(rush.filter((reply) => reply.status === 201).map((reply) => reply.body.queueId)).size).toBe(
      rusherInLine ? 1 : 0,
    );
    await waitFor('the room engaged by the rush', 10_000, async () => ((await phase()) === 'open' ? true : undefined));

    // One buyer is admitted (the room admits one at a time): the rusher when it got in line, else a first buyer on the
    // other node. The next waits in line on the third node.
    const [first, waiter] = await Promise.all([admin.session(), admin.session()]);
    const waiterSocket = await connect(third, waiter.token);
    const released: QueueReleased[] = [];
    waiterSocket.on('queue:released', (push) => released.push(push));
    if (!rusherInLine) {
      const firstSocket = await connect(other, first.token);
      const admitted = new Promise<QueueAdmitted>((resolve) => firstSocket.once('queue:admitted', resolve));
      expect(await firstSocket.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: 'j1' })).toMatchObject({
        ok: true,
      });
      await admitted;
    }
    expect(await waiterSocket.timeout(10_000).emitWithAck('queue:join', { eventId, requestId: 'j2' })).toMatchObject({
      ok: true,
      // Behind the first buyer, admitted; or behind the rusher, admitted or still waiting.
      entry: { state: 'queued', position: rusherInLine ? expect.any(Number) : 1 },
    });
    const refused = await api(third.baseUrl).hold(eventId, waiter.token, { seatIds: ['ORCH-1-3'], requestId: 'h0' });
    expect(refused.body.error.code).toBe('NOT_ADMITTED');

    // Calm: the owner releases the room, and the line hears it on the third node through the Redis adapter.
    expect(await waitFor('queue:released on a non-owner', 20_000, async () => released[0])).toEqual({ eventId });
    expect(await phase()).toBe('released');
    const held = await api(third.baseUrl).hold(eventId, waiter.token, { seatIds: ['ORCH-1-3'], requestId: 'h1' });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
  }, 60_000);
});

describe("the read side's pass on every node", () => {
  it('reads the log, not this node’s appends from memory: other nodes write to the same log', async () => {
    const batches = async (node: ClusterNode) => {
      const text = await (
        await fetch(`${node.baseUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
      ).text();
      const value = (source: string) =>
        Number(text.match(new RegExp(`^projection_batches_total\\{source="${source}"\\} (\\d+)`, 'm'))?.[1] ?? 'NaN');
      return { memory: value('memory'), log: value('log') };
    };
    for (const node of cluster.nodes) {
      const seen = await waitFor(`batches read by ${node.nodeId}`, 10_000, async () => {
        const counted = await batches(node);
        return counted.log > 0 ? counted : undefined;
      });
      expect(seen.memory, node.nodeId).toBe(0);
    }
  });
});
