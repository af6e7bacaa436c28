import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Contacts } from './contacts.ts';
import { type EventStore, WrongExpectedVersionError } from './eventStore.ts';
import type { Outbox, OutboxMessage } from './outbox.ts';
import type { SqlClient } from './sqlClient.ts';
import { contactsOfUsersSql } from './sqlContacts.ts';
import { deliveredParams, deliveredSql } from './sqlOutbox.ts';

export type OutboxStoreUnderTest = Readonly<{
  eventStore: EventStore;
  outboxes: readonly Outbox[];
  contacts: Contacts;
  close: () => Promise<void>;
}>;

const T0 = Date.UTC(2030, 0, 1);
const message = (key: string, at = T0): OutboxMessage => ({
  key,
  topic: 'order_confirmed',
  userId: 'alice',
  at,
  payload: { key, tickets: [{ ticketId: `${key}-1` }] },
});
const event = { type: 'PaymentSucceeded', data: { orderId: 'o1' } };

/** What every adapter's outbox must do: written with the events or not at all, leased, retried, dead-lettered. */
export function outboxContract(name: string, open: () => Promise<OutboxStoreUnderTest>): void {
  describe(`${name} keeps a transactional outbox`, () => {
    let store: OutboxStoreUnderTest;
    let outbox: Outbox;
    beforeEach(async () => {
      store = await open();
      outbox = store.outboxes[0]!;
    });
    afterEach(async () => {
      await store.close();
    });

    it('writes the notifications of an append with its events, and none when the append is refused', async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1'), message('k2')]);
      await expect(store.eventStore.append('event-a', 0, [event], [message('k3')])).rejects.toBeInstanceOf(
        WrongExpectedVersionError,
      );
      const claimed = await outbox.claim(T0, 30_000, 'node-a', 10);
      expect(claimed.map((row) => [row.key, row.topic, row.userId, row.at, row.attempts, row.channelsDone])).toEqual([
        ['k1', 'order_confirmed', 'alice', T0, 0, []],
        ['k2', 'order_confirmed', 'alice', T0, 0, []],
      ]);
      expect(claimed[0]?.payload).toEqual({ key: 'k1', tickets: [{ ticketId: 'k1-1' }] });
      expect(await store.eventStore.readStream('event-a')).toHaveLength(1);
    });

    it('keeps one row per key: a second notification with the same key is dropped', async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1')]);
      await store.eventStore.append('event-a', 1, [event], [message('k1'), message('k2')]);
      expect((await outbox.claim(T0, 1_000, 'node-a', 10)).map((row) => row.key)).toEqual(['k1', 'k2']);
      expect(await store.eventStore.readStream('event-a')).toHaveLength(2);
    });

    it('leases claimed rows: nobody claims them again until the lease ends', async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1'), message('k2', T0 + 5_000)]);
      expect((await outbox.claim(T0, 30_000, 'node-a', 10)).map((row) => row.key)).toEqual(['k1']);
      expect(await outbox.claim(T0 + 10_000, 30_000, 'node-b', 10)).toHaveLength(1);
      expect((await outbox.claim(T0 + 30_000, 30_000, 'node-b', 10)).map((row) => row.key)).toEqual(['k1']);
      expect(await outbox.depth()).toEqual({ pending: 2, dead: 0 });
    });

    it('retries at the time given, remembering the channels done; delivered rows are never claimed again', async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1')]);
      const [row] = await outbox.claim(T0, 30_000, 'node-a', 10);
      await outbox.retry(row!.id, ['socket'], 1, T0 + 2_000, 'smtp refused');
      expect(await outbox.claim(T0 + 1_999, 30_000, 'node-a', 10)).toEqual([]);
      const [again] = await outbox.claim(T0 + 2_000, 30_000, 'node-a', 10);
      expect([again?.attempts, again?.channelsDone]).toEqual([1, ['socket']]);
      await outbox.delivered([{ id: again!.id, channelsDone: ['socket', 'email'], at: T0 + 2_001 }]);
      expect(await outbox.claim(T0 + 999_999, 30_000, 'node-a', 10)).toEqual([]);
      expect(await outbox.depth()).toEqual({ pending: 0, dead: 0 });
    });

    it('marks many rows delivered in one call; a restarted owner gets back only the leased rows not marked', async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1'), message('k2'), message('k3')]);
      const [k1, k2, k3] = await outbox.claim(T0, 60_000, 'node-a', 10);
      await outbox.delivered([]);
      await outbox.delivered([
        { id: k1!.id, channelsDone: ['socket'], at: T0 + 1 },
        { id: k2!.id, channelsDone: ['socket', 'email'], at: T0 + 2 },
      ]);
      expect(await outbox.depth()).toEqual({ pending: 1, dead: 0 });
      // The node died before k3's mark was written: k3 alone comes back, as it was (no attempt counted, no channel done).
      expect(await outbox.releaseLeases('node-a', T0 + 3)).toBe(1);
      const again = await outbox.claim(T0 + 3, 60_000, 'node-a', 10);
      expect(again.map((row) => [row.key, row.attempts, row.channelsDone])).toEqual([[k3!.key, 0, []]]);
      // The marked rows are done for good: once k3's lease ends, it alone is due.
      expect((await outbox.claim(T0 + 999_999, 60_000, 'node-b', 10)).map((row) => row.key)).toEqual([k3!.key]);
    });

    it('keeps a dead letter with its last error, never claimed again', async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1')]);
      const [row] = await outbox.claim(T0, 30_000, 'node-a', 10);
      await outbox.dead(row!.id, [], 5, 'smtp refused', T0 + 1);
      expect(await outbox.claim(T0 + 999_999, 30_000, 'node-a', 10)).toEqual([]);
      expect(await outbox.depth()).toEqual({ pending: 0, dead: 1 });
      const [dead] = await outbox.deadLetters(10);
      expect([dead?.key, dead?.attempts, dead?.lastError, dead?.deadAt]).toEqual(['k1', 5, 'smtp refused', T0 + 1]);
    });

    it('revives dead letters an admin retries: due at once, attempts counted anew, channels done remembered', async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1'), message('k2'), message('k3')]);
      for (const row of await outbox.claim(T0, 30_000, 'node-a', 10))
        await outbox.dead(row.id, ['socket'], 8, 'smtp refused', T0 + 1);
      expect(await outbox.revive(['k2', 'nope'], T0 + 10)).toBe(1);
      const [again] = await outbox.claim(T0 + 10, 30_000, 'node-a', 10);
      expect([again?.key, again?.attempts, again?.channelsDone]).toEqual(['k2', 0, ['socket']]);
      expect(await outbox.depth()).toEqual({ pending: 1, dead: 2 });
      expect(await outbox.revive(undefined, T0 + 20)).toBe(2);
      expect((await outbox.claim(T0 + 20, 30_000, 'node-a', 10)).map((row) => row.key)).toEqual(['k1', 'k3']);
      expect(await outbox.revive(undefined, T0 + 30)).toBe(0);
    });

    it("gives a restarted owner its leased rows back at once, and leaves other owners' leases alone", async () => {
      await store.eventStore.append('event-a', 0, [event], [message('k1'), message('k2')]);
      const [first] = await outbox.claim(T0, 60_000, 'node-a', 1);
      await outbox.claim(T0, 60_000, 'node-b', 1);
      expect(await outbox.releaseLeases('node-a', T0 + 1)).toBe(1);
      expect((await outbox.claim(T0 + 1, 60_000, 'node-a', 10)).map((row) => row.key)).toEqual([first?.key]);
    });

    it('stores a contact per buyer, replaced whole', async () => {
      expect(await store.contacts.get('alice')).toBeUndefined();
      await store.contacts.set('alice', { email: 'alice@example.com', phone: '+4915112345678' });
      await store.contacts.set('alice', { email: 'alice@example.org' });
      expect(await store.contacts.get('alice')).toEqual({ email: 'alice@example.org' });
    });

    it('reads the contacts of several buyers at once, leaving out those who gave none', async () => {
      await store.contacts.set('carol', { email: 'carol@example.com' });
      await store.contacts.set('dave', { phone: '+4915112345678' });
      expect(await store.contacts.getMany(['carol', 'nobody', 'dave', 'carol'])).toEqual(
        new Map<string, unknown>([
          ['carol', { email: 'carol@example.com' }],
          ['dave', { phone: '+4915112345678' }],
        ]),
      );
      expect(await store.contacts.getMany([])).toEqual(new Map());
    });

    it('forgets an address that is gone only while it is still the one the buyer gave', async () => {
      const keys = { p256dh: 'BExample', auth: 'secret' };
      const old = { endpoint: 'https://push.example/old', keys };
      await store.contacts.set('bob', { email: 'bob@example.com', webPush: old });
      expect(await store.contacts.forget('bob', 'webPush', 'https://push.example/other')).toBe(false);
      expect(await store.contacts.forget('bob', 'webPush', old.endpoint)).toBe(true);
      expect(await store.contacts.get('bob')).toEqual({ email: 'bob@example.com' });
      expect(await store.contacts.forget('bob', 'webPush', old.endpoint)).toBe(false);
      // Subscribed again meanwhile: the new subscription stays.
      const renewed = { endpoint: 'https://push.example/new', keys };
      await store.contacts.set('bob', { webPush: renewed });
      expect(await store.contacts.forget('bob', 'webPush', old.endpoint)).toBe(false);
      expect(await store.contacts.forget('bob', 'email', 'bob@example.com')).toBe(false);
      expect(await store.contacts.get('bob')).toEqual({ webPush: renewed });
      expect(await store.contacts.forget('nobody', 'webPush', old.endpoint)).toBe(false);
    });
  });
}

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

const explainNodes = async (sql: SqlClient, statement: string, params: readonly unknown[]): Promise<PlanNode[]> => {
  const [row] = await sql.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${statement}`, params);
  const explained = row?.['QUERY PLAN'];
  const [plan] = (typeof explained === 'string' ? JSON.parse(explained) : explained) as [{ Plan: PlanNode }];
  return planNodes(plan.Plan);
};

/**
 * The SQL stores read a claim's contacts through the primary key, never by scanning every buyer's contact, and mark a
 * batch of delivered rows through the outbox's primary key, never by scanning the outbox.
 */
export function outboxPlanContract(
  name: string,
  open: () => Promise<
    Readonly<{ eventStore: EventStore; contacts: Contacts; sql: SqlClient; close: () => Promise<void> }>
  >,
): void {
  describe(`${name} reads several buyers' contacts and marks delivered rows by key`, () => {
    it('marks a batch of delivered rows through the primary key', async () => {
      const store = await open();
      try {
        const many = Array.from({ length: 2_000 }, (_, i) => message(`p${i}`));
        await store.eventStore.append('event-plan', 0, [event], many);
        await store.sql.query('ANALYZE outbox');
        const marks = [5, 77, 1_999].map((id) => ({ id, at: T0, channelsDone: ['email'] }));
        const nodes = await explainNodes(store.sql, deliveredSql, deliveredParams(marks));
        expect(
          nodes.filter((node) => node['Relation Name'] === 'outbox').map((node) => node['Node Type']),
        ).not.toContain('Seq Scan');
        expect(nodes.some((node) => node['Index Name'] === 'outbox_pkey')).toBe(true);
      } finally {
        await store.close();
      }
    });

    it("finds a claim's contacts through the primary key", async () => {
      const store = await open();
      try {
        for (let i = 0; i < 2_000; i++) await store.contacts.set(`u${i}`, { email: `u${i}@example.com` });
        await store.sql.query('ANALYZE buyer_contacts');
        const nodes = await explainNodes(store.sql, contactsOfUsersSql, [JSON.stringify(['u5', 'u77', 'u1999'])]);
        expect(
          nodes.filter((node) => node['Relation Name'] === 'buyer_contacts').map((node) => node['Node Type']),
        ).not.toContain('Seq Scan');
        expect(nodes.some((node) => node['Index Name'] === 'buyer_contacts_pkey')).toBe(true);
        expect([...(await store.contacts.getMany(['u5', 'u1999'])).keys()]).toEqual(['u5', 'u1999']);
      } finally {
        await store.close();
      }
    });
  });
}
