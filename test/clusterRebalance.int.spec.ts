import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preferredOwner } from '../src/domain/cluster/placement.ts';
import { api, eventTomorrow, venueBody } from './support/api.ts';
import { type ClusterNode, ownerOf, startCluster, type TestCluster, waitFor } from './support/cluster.ts';

/**
 * Rebalancing on join, with real processes: two nodes run 24 events, each with a buyer's hold; a third node joins, and
 * the events it is now preferred for move to it by a clean hand-off, at most REBALANCE_MOVES_MAX per node and scan.
 * The holds are still there after the move, and a retry of each hold with its requestId gets the first answer.
 */
const movesMax = 2;
let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(['m1', 'm2'], { env: { REBALANCE_MOVES_MAX: String(movesMax) } });
}, 90_000);
afterAll(async () => {
  await cluster?.close();
});

describe('rebalancing when a node joins', () => {
  it('hands the events the new node is preferred for to it, capped per scan, losing no hold', async () => {
    const [m1, m2] = cluster.nodes as [ClusterNode, ClusterNode];
    const admin = api(m1.baseUrl);
    const venueId = await admin.createVenue(venueBody(1, 4));
    const buyer = await admin.session();
    const events: { eventId: string; first: unknown }[] = [];
    // At least 24 events, and more until more than two steps' worth would move (ids are random: ~1/3 prefer m3).
    const moves = () => events.filter(({ eventId }) => preferredOwner(eventId, ['m1', 'm2', 'm3']) === 'm3').length;
    for (let n = 0; n < 60 && (n < 24 || moves() <= 2 * movesMax); n++) {
      const eventId = await admin.createEvent(eventTomorrow(venueId, `Rebalance ${n}`));
      // Through either node: the hold reaches (and activates the event on) its preferred node of the two.
      const held = await api((n % 2 === 0 ? m1 : m2).baseUrl).hold(eventId, buyer.token, {
        seatIds: ['ORCH-1-1'],
        requestId: `hold-${n}`,
      });
      expect(held.status).toBe(201);
      events.push({ eventId, first: held.body });
    }
    const moving = events.filter(({ eventId }) => preferredOwner(eventId, ['m1', 'm2', 'm3']) === 'm3');
    expect(moving.length).toBeGreaterThan(2 * movesMax);
    const ownersNow = async () =>
      Promise.all(events.map(async ({ eventId }) => (await ownerOf(m1.baseUrl, eventId)).nodeId));
    expect((await ownersNow()).every((nodeId) => nodeId === 'm1' || nodeId === 'm2')).toBe(true);

    const m3 = await cluster.startNode('m3', { REBALANCE_MOVES_MAX: String(movesMax) });
    // Watch the owners until every moving event runs on m3: no step moves more than the cap per node (two nodes).
    const steps: number[] = [];
    let onM3 = 0;
    await waitFor('every preferred event moved to m3', 30_000, async () => {
      const owners = await ownersNow();
      const count = owners.filter((nodeId) => nodeId === 'm3').length;
      if (count > onM3) steps.push(count - onM3);
      onM3 = Math.max(onM3, count);
      return count === moving.length ? owners : undefined;
    });
    expect(Math.max(...steps)).toBeLessThanOrEqual(2 * movesMax);
    expect(steps.length).toBeGreaterThan(1);
    // Only the events m3 is preferred for moved.
    const owners = await ownersNow();
    events.forEach(({ eventId }, index) => {
      expect(owners[index]).toBe(preferredOwner(eventId, ['m1', 'm2', 'm3']));
    });

    // Every hold is still there, and a retry with the same requestId, through any node, gets the first answer.
    const nodes = [m1, m2, m3];
    for (const [index, { eventId, first }] of events.entries()) {
      const node = nodes[index % nodes.length]!;
      const map = await api(node.baseUrl).seatMap(eventId);
      expect(map.seats['ORCH-1-1']?.status).toBe('held');
      const retried = await api(node.baseUrl).hold(eventId, buyer.token, {
        seatIds: ['ORCH-1-1'],
        requestId: `hold-${index}`,
      });
      expect(retried.body).toEqual(first);
    }
  }, 90_000);
});
