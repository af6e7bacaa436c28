import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leaseStanding, movesFor, preferredOwner, routeFor, takeoversFor } from './placement.ts';

const nodes = ['node-a', 'node-b', 'node-c'];
const eventIds = Array.from({ length: 3_000 }, (_, i) => `evt_${i}`);

describe('preferredOwner (rendezvous hashing)', () => {
  it('gives every node about a third of the events', () => {
    const counts = new Map<string, number>();
    for (const id of eventIds) {
      const owner = preferredOwner(id, nodes)!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const node of nodes) expect(counts.get(node)).toBeGreaterThan(800);
  });

  it('does not depend on the order the live nodes are listed in', () => {
    fc.assert(
      fc.property(fc.string(), fc.shuffledSubarray(nodes, { minLength: 1 }), (eventId, live) => {
        expect(preferredOwner(eventId, live)).toBe(preferredOwner(eventId, [...live].reverse()));
      }),
    );
  });

  it('moves only the events of a node that leaves, and each to a survivor', () => {
    for (const id of eventIds) {
      const before = preferredOwner(id, nodes);
      const after = preferredOwner(id, ['node-a', 'node-c']);
      if (before !== 'node-b') expect(after).toBe(before);
      else expect(['node-a', 'node-c']).toContain(after);
    }
  });

  it('gives a joining node only events it now weighs most for, about a quarter', () => {
    const moved = eventIds.filter((id) => preferredOwner(id, nodes) !== preferredOwner(id, [...nodes, 'node-d']));
    for (const id of moved) expect(preferredOwner(id, [...nodes, 'node-d'])).toBe('node-d');
    expect(moved.length).toBeGreaterThan(eventIds.length * 0.18);
    expect(moved.length).toBeLessThan(eventIds.length * 0.32);
  });

  it('has no owner without live nodes', () => {
    expect(preferredOwner('evt_1', [])).toBeUndefined();
  });
});

describe('routeFor', () => {
  it('serves an event whose lease this node holds', () => {
    expect(routeFor('evt_1', 'node-a', 'node-a', nodes)).toEqual({ kind: 'local' });
  });

  it('forwards to the lease holder, even one that is not the preferred node', () => {
    const other = nodes.find((node) => node !== preferredOwner('evt_1', nodes))!;
    expect(routeFor('evt_1', 'node-x', other, nodes)).toEqual({ kind: 'forward', nodeId: other });
  });

  it('claims an unheld event only on its preferred node, and forwards to that node elsewhere', () => {
    const preferred = preferredOwner('evt_7', nodes)!;
    for (const self of nodes) {
      expect(routeFor('evt_7', self, undefined, nodes)).toEqual(
        self === preferred ? { kind: 'claim' } : { kind: 'forward', nodeId: preferred },
      );
    }
  });

  it('counts itself live before its own heartbeat is seen, so a lone node claims', () => {
    expect(routeFor('evt_1', 'node-a', undefined, [])).toEqual({ kind: 'claim' });
  });
});

describe('leaseStanding', () => {
  const policy = { leaseTtlMs: 6_000, renewEveryMs: 2_000, safetyMs: 1_000 };
  it('is held, then due for renewal, then lapsed before Redis lets it go', () => {
    expect(leaseStanding(10_000, 11_999, policy)).toBe('held');
    expect(leaseStanding(10_000, 12_000, policy)).toBe('renew');
    expect(leaseStanding(10_000, 14_999, policy)).toBe('renew');
    expect(leaseStanding(10_000, 15_000, policy)).toBe('lapsed');
  });
});

describe('takeoversFor', () => {
  const owned = eventIds.slice(0, 60).map((eventId) => ({ eventId, leaseHolder: undefined }));

  it('takes over the unleased events this node is preferred for, and only those', () => {
    const taken = takeoversFor('node-a', owned, nodes, 1_000);
    expect(taken.length).toBeGreaterThan(0);
    for (const { eventId } of owned) expect(taken.includes(eventId)).toBe(preferredOwner(eventId, nodes) === 'node-a');
  });

  it('leaves events whose lease someone holds', () => {
    const held = owned.map(({ eventId }) => ({ eventId, leaseHolder: 'node-b' }));
    expect(takeoversFor('node-a', held, nodes, 1_000)).toEqual([]);
  });

  it('takes at most the cap per pass', () => {
    expect(takeoversFor('node-a', owned, ['node-a'], 5)).toHaveLength(5);
  });
});

describe('rebalancing after a node joins (movesFor)', () => {
  const events = Array.from({ length: 60 }, (_, n) => `evt_${n}`);
  const before = ['a', 'b'];
  const after = ['a', 'b', 'c'];
  const heldBy = (nodeId: string) => events.filter((eventId) => preferredOwner(eventId, before) === nodeId);

  it('moves only the events the joining node is now preferred for, capped per scan, in a stable order', () => {
    const held = heldBy('a');
    const toMove = held.filter((eventId) => preferredOwner(eventId, after) === 'c');
    expect(toMove.length).toBeGreaterThan(3);
    const first = movesFor('a', held, after, 3);
    expect(first).toEqual([...toMove].sort().slice(0, 3));
    expect(movesFor('a', held, after, 1_000).sort()).toEqual([...toMove].sort());
    // Nothing stays behind that c is not preferred for, and nothing moves with the old membership.
    expect(movesFor('a', held, before, 1_000)).toEqual([]);
  });

  it('moves nothing with a cap of 0, or while this node does not see its own heartbeat', () => {
    const held = heldBy('a');
    expect(movesFor('a', held, after, 0)).toEqual([]);
    expect(movesFor('a', held, ['b', 'c'], 10)).toEqual([]);
  });
});
