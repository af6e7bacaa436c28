import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventConfig, Venue } from '../domain/venue.ts';
import { type Catalog, CatalogConflictError, CatalogUnknownVenueError } from './catalog.ts';
import { type EventStore, type NewEvent, WrongExpectedVersionError } from './eventStore.ts';
import { type SqlClient, sqlState } from './sqlClient.ts';
import { readStreamVersionsSql, snapshotPartChars } from './sqlEventStore.ts';

export type StoreUnderTest = Readonly<{ eventStore: EventStore; catalog: Catalog; close: () => Promise<void> }>;

/**
 * The behaviour every EventStore and Catalog adapter must share. Each case gets a fresh, empty store from
 * `open`, so cases can count events and list the catalog without seeing each other's writes.
 */
export function eventStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name} satisfies the persistence contract`, () => {
    let store: StoreUnderTest;
    let events: EventStore;
    let catalog: Catalog;

    beforeEach(async () => {
      store = await open();
      events = store.eventStore;
      catalog = store.catalog;
    });
    afterEach(async () => {
      await store.close();
    });

    const batchOf = (count: number, tag = 'e'): NewEvent[] =>
      Array.from({ length: count }, (_, i) => ({ type: `${tag}${i + 1}`, data: { i: i + 1 } }));

    it('appends to an empty stream with expected version 0', async () => {
      const result = await events.append('event-a', 0, batchOf(2));
      expect(result).toMatchObject({ fromVersion: 1, toVersion: 2 });
      const read = await events.readStream('event-a');
      expect(read.map((e) => [e.streamVersion, e.type, e.data])).toEqual([
        [1, 'e1', { i: 1 }],
        [2, 'e2', { i: 2 }],
      ]);
      expect(read[1]?.position).toBe(result.lastPosition);
      expect(typeof result.lastPosition).toBe('number');
      expect(read[0]?.recordedAt).toBeInstanceOf(Date);
    });

    it('continues versions on later appends', async () => {
      await events.append('event-a', 0, batchOf(2));
      const result = await events.append('event-a', 2, batchOf(3, 'f'));
      expect(result).toMatchObject({ fromVersion: 3, toVersion: 5 });
      const read = await events.readStream('event-a');
      expect(read.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
      expect(read.map((e) => e.type)).toEqual(['e1', 'e2', 'f1', 'f2', 'f3']);
    });

    it('rejects an expected version that is too low or too high, and writes nothing', async () => {
      await events.append('event-a', 0, batchOf(2));
      for (const expected of [0, 1, 3, 7]) {
        const attempt = events.append('event-a', expected, batchOf(2, 'bad'));
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await expect(attempt).rejects.toMatchObject({ streamId: 'event-a', expectedVersion: expected });
      }
      await expect(events.append('event-empty', 1, batchOf(1))).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect((await events.readStream('event-a')).map((e) => e.type)).toEqual(['e1', 'e2']);
      expect(await events.readStream('event-empty')).toEqual([]);
      expect(await events.readAll(0, 100)).toHaveLength(2);
    });

    it('lets exactly one of several concurrent appends at the same version win', async () => {
      const writers = Array.from({ length: 8 }, (_, w) => events.append('event-race', 0, batchOf(3, `w${w}-`)));
      const outcomes = await Promise.allSettled(writers);
      const winners = outcomes.flatMap((o, w) => (o.status === 'fulfilled' ? [w] : []));
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(WrongExpectedVersionError);
      }
      const read = await events.readStream('event-race');
      expect(read.map((e) => e.type)).toEqual([1, 2, 3].map((i) => `w${winners[0]}-${i}`));
    });

    it('lands appends of one stream sent back to back without waiting (a pipelining writer) in the order sent', async () => {
      // The event actor sends batch N+1 expecting the version batch N leaves, before N has committed. A store that ran
      // them out of order (two pooled connections) would refuse N+1: the stream would be short of its version.
      const chain = Array.from({ length: 20 }, (_, n) => events.append('event-chain', n * 2, batchOf(2, `b${n}-`)));
      const results = await Promise.all(chain);
      expect(results.map((result) => result.toVersion)).toEqual(Array.from({ length: 20 }, (_, n) => n * 2 + 2));
      const read = await events.readStream('event-chain');
      expect(read.map((e) => e.type)).toEqual(Array.from({ length: 20 }, (_, n) => [`b${n}-1`, `b${n}-2`]).flat());
    });

    it('writes nothing of a chained append whose predecessor failed, nor of any append after it', async () => {
      await events.append('event-chain', 0, batchOf(1));
      const failed = events.append('event-chain', 0, batchOf(2, 'n-'));
      const chained = events.append('event-chain', 2, batchOf(2, 'n1-'));
      const next = events.append('event-chain', 4, batchOf(1, 'n2-'));
      for (const attempt of [failed, chained, next])
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect((await events.readStream('event-chain')).map((e) => e.type)).toEqual(['e1']);
    });

    it('writes a chained append only right after the append it names, not after other events at that version', async () => {
      await events.append('event-chain', 0, batchOf(2), [], { id: 'first' });
      await events.append('event-chain', 2, batchOf(1, 'n-'), [], { id: 'second', after: 'first' });
      // The stream is at 3, but its last append is 'second': an append chained on 'first' is refused.
      const stale = events.append('event-chain', 3, batchOf(1, 'x-'), [], { id: 'x', after: 'first' });
      await expect(stale).rejects.toBeInstanceOf(WrongExpectedVersionError);
      // Events written without an id cannot be followed by a chained append either.
      await events.append('event-plain', 0, batchOf(1));
      const unnamed = events.append('event-plain', 1, batchOf(1), [], { id: 'y', after: 'nobody' });
      await expect(unnamed).rejects.toBeInstanceOf(WrongExpectedVersionError);
      // With notifications too: the statement that writes the outbox row checks the chain the same way.
      const message = { key: 'chain-1', topic: 'test', userId: 'u1', at: 0, payload: { n: 1 } };
      const staleWithOutbox = events.append('event-chain', 3, batchOf(1, 'x-'), [message], { id: 'x', after: 'first' });
      await expect(staleWithOutbox).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await events.append('event-chain', 3, batchOf(1, 'ok-'), [message], { id: 'third', after: 'second' });
      expect((await events.readStream('event-chain')).map((e) => e.type)).toEqual(['e1', 'e2', 'n-1', 'ok-1']);
    });

    it('reads a stream after a version, with an optional limit', async () => {
      await events.append('event-a', 0, batchOf(5));
      expect((await events.readStream('event-a', 3)).map((e) => e.streamVersion)).toEqual([4, 5]);
      expect((await events.readStream('event-a', 1, 2)).map((e) => e.streamVersion)).toEqual([2, 3]);
      expect(await events.readStream('event-a', 5)).toEqual([]);
      expect(await events.readStream('event-missing')).toEqual([]);
    });

    it('reads a stream at given versions, in stream order, skipping versions it does not have', async () => {
      await events.append('event-a', 0, batchOf(6));
      await events.append('event-b', 0, batchOf(6, 'b'));
      const at = async (versions: number[]) =>
        (await events.readStreamVersions('event-a', versions)).map((e) => `${e.streamVersion}:${e.type}`);
      expect(await at([5, 2, 2, 6])).toEqual(['2:e2', '5:e5', '6:e6']);
      expect(await at([0, 7, 99])).toEqual([]);
      expect(await at([])).toEqual([]);
      expect(await events.readStreamVersions('event-missing', [1])).toEqual([]);
      const [first] = await events.readStreamVersions('event-b', [1]);
      expect(first).toMatchObject({ streamId: 'event-b', streamVersion: 1, type: 'b1', data: { i: 1 } });
      expect(first?.recordedAt).toBeInstanceOf(Date);
    });

    it('reads all streams in strictly rising position order, in pages', async () => {
      await events.append('event-a', 0, batchOf(2));
      await events.append('event-b', 0, batchOf(3));
      await events.append('event-a', 2, batchOf(1, 'x'));
      const read = await events.readAll(0, 100);
      expect(read.map((e) => `${e.streamId}@${e.streamVersion}`)).toEqual([
        'event-a@1',
        'event-a@2',
        'event-b@1',
        'event-b@2',
        'event-b@3',
        'event-a@3',
      ]);
      for (let i = 1; i < read.length; i++) expect(read[i]!.position).toBeGreaterThan(read[i - 1]!.position);
      const page = await events.readAll(read[1]!.position, 2);
      expect(page.map((e) => e.position)).toEqual([read[2]!.position, read[3]!.position]);
    });

    it('saves, loads and overwrites snapshots, never going back to an older version', async () => {
      expect(await events.loadSnapshot('event-a')).toBeUndefined();
      await events.saveSnapshot('event-a', 10, { seats: { a1: 'held' } });
      expect(await events.loadSnapshot('event-a')).toMatchObject({
        streamId: 'event-a',
        version: 10,
        state: { seats: { a1: 'held' } },
      });
      await events.saveSnapshot('event-a', 20, { seats: { a1: 'sold' } });
      await events.saveSnapshot('event-a', 15, { seats: { a1: 'stale' } });
      const latest = await events.loadSnapshot('event-a');
      expect(latest).toMatchObject({ version: 20, state: { seats: { a1: 'sold' } } });
      expect(latest?.takenAt).toBeInstanceOf(Date);
    });

    it('keeps a snapshot of several megabytes whole, and the next one replaces it', async () => {
      // Larger than one part of the SQL stores (256 Ki characters), with text that JSON must escape.
      const big = {
        requests: Array.from({ length: 30_000 }, (_, i) => [`u${i}\u001fr${i}`, { holdId: `h${i}`, note: 'é"\\' }]),
      };
      await events.saveSnapshot('event-big', 100, big);
      expect((await events.loadSnapshot('event-big'))?.state).toEqual(big);
      await events.saveSnapshot('event-big', 200, { small: true });
      expect(await events.loadSnapshot('event-big')).toMatchObject({ version: 200, state: { small: true } });
      await events.saveSnapshot('event-big', 300, big);
      expect((await events.loadSnapshot('event-big'))?.state).toEqual(big);
    });

    it('creates a server secret once: concurrent callers all get the first value', async () => {
      const values = await Promise.all(['a', 'b', 'c'].map((value) => catalog.secret('signing-key', () => value)));
      expect(new Set(values).size).toBe(1);
      expect(await catalog.secret('signing-key', () => 'later')).toBe(values[0]);
      expect(await catalog.secret('other', () => 'x')).toBe('x');
      expect(await events.readAll(0, 10)).toEqual([]);
    });

    it('creates, reads, lists and refuses duplicate catalog entries', async () => {
      await catalog.createVenue(venue);
      expect(await catalog.getVenue(venue.id)).toEqual(venue);
      expect(await catalog.getVenue('nowhere')).toBeUndefined();
      await expect(catalog.createVenue({ ...venue, name: 'again' })).rejects.toBeInstanceOf(CatalogConflictError);
      await expect(catalog.createEvent({ ...concert, venueId: 'nowhere' })).rejects.toBeInstanceOf(
        CatalogUnknownVenueError,
      );

      await catalog.createEvent(concert);
      await catalog.createEvent({ ...concert, id: 'concert-2', saleStartsAtMs: 1_700_000_000_000 });
      expect(await catalog.getEvent(concert.id)).toEqual(concert);
      expect(await catalog.getEvent('missing')).toBeUndefined();
      await expect(catalog.createEvent(concert)).rejects.toMatchObject({ kind: 'event', id: concert.id });
      expect((await catalog.listEvents(10)).map((e) => e.id)).toEqual(['concert-1', 'concert-2']);
      expect(await catalog.listEvents(1)).toHaveLength(1);
    });

    it('refuses text Postgres cannot store (NUL, a lone surrogate) in an event, as a value or a key, writing nothing', async () => {
      await events.append('event-text', 0, batchOf(1));
      const unstorable = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800'];
      for (const text of unstorable) {
        for (const data of [{ text }, { [text]: 1 }, { nested: [{ deep: text }] }]) {
          const error = await events.append('event-text', 1, [...batchOf(1, 'ok'), { type: 'bad', data }]).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          // A data exception (SQLSTATE class 22), as Postgres answers: never a success that the real store would refuse.
          expect(sqlState(error), JSON.stringify(data)).toMatch(/^22/);
        }
      }
      expect((await events.readStream('event-text')).map((e) => e.type)).toEqual(['e1']);
      // Well-formed text of every plane, control characters but NUL included, is kept as it was.
      const storable = { text: 'Zürich 🎫 \u0001\u001f\u007f \ufffe\uffff \ud83d\ude00' };
      await events.append('event-text', 1, [{ type: 'fine', data: storable }]);
      expect((await events.readStream('event-text', 1))[0]?.data).toEqual(storable);
    });

    it('refuses a venue or an event whose text Postgres cannot store', async () => {
      await expect(catalog.createVenue({ ...venue, name: 'Hall\u0000' })).rejects.toSatisfy((error) =>
        /^22/.test(sqlState(error) ?? ''),
      );
      await expect(catalog.createVenue({ ...venue, name: 'Hall \ud800' })).rejects.toSatisfy((error) =>
        /^22/.test(sqlState(error) ?? ''),
      );
      expect(await catalog.getVenue(venue.id)).toBeUndefined();
      await catalog.createVenue(venue);
      await expect(catalog.createEvent({ ...concert, name: '\udc00' })).rejects.toSatisfy((error) =>
        /^22/.test(sqlState(error) ?? ''),
      );
      expect(await catalog.getEvent(concert.id)).toBeUndefined();
    });

    it("keeps a snapshot whole when a surrogate pair straddles the SQL stores' part boundary", async () => {
      // JSON.stringify writes `{"s":"` first: the pair's two halves land on both sides of the first part's end.
      const state = { s: `${'x'.repeat(snapshotPartChars - 7)}🎫 and after` };
      expect(JSON.stringify(state).charCodeAt(snapshotPartChars - 1)).toBe(0xd83c);
      await events.saveSnapshot('event-pair', 1, state);
      expect((await events.loadSnapshot('event-pair'))?.state).toEqual(state);
    });

    it('appends a batch of 500 events in one call and reads it back intact and in order', async () => {
      const batch = Array.from({ length: 500 }, (_, i) => ({
        type: i % 2 === 0 ? 'SeatsHeld' : 'SeatsReleased',
        data: {
          i,
          text: `Zürich — 東京 — 🎫 #${i} "quoted" \\ back`,
          nested: { list: [i, [i + 1, { deep: null }]], flag: i % 3 === 0 },
        },
      }));
      const result = await events.append('event-big', 0, batch);
      expect(result).toMatchObject({ fromVersion: 1, toVersion: 500 });
      const read = await events.readStream('event-big');
      expect(read).toHaveLength(500);
      expect(read.map((e) => ({ type: e.type, data: e.data }))).toEqual(batch);
      expect(read.map((e) => e.streamVersion)).toEqual(batch.map((_, i) => i + 1));
      expect(read.at(-1)?.position).toBe(result.lastPosition);
    });
  });
}

const venue: Venue = {
  id: 'arena',
  name: 'Arena — Zürich',
  sections: [
    { id: 'floor', name: 'Floor', kind: 'general', capacity: 500, priceTier: 'ga' },
    {
      id: 'a',
      name: 'Block A',
      kind: 'seated',
      rows: [
        {
          id: 'r1',
          seats: [
            { id: 'a-r1-1', priceTier: 'front' },
            { id: 'a-r1-2', priceTier: 'front' },
          ],
        },
      ],
    },
  ],
};

const concert: EventConfig = {
  id: 'concert-1',
  venueId: 'arena',
  name: 'Concert',
  startsAt: '2030-06-01T19:30:00.000Z',
  priceTiers: { ga: { amount: 4500, currency: 'CHF' }, front: { amount: 12000, currency: 'CHF' } },
  holdTtlSeconds: 480,
  paymentTimeoutSeconds: 600,
  maxSeatsPerUser: 5,
  saleStartsAtMs: null,
};

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Actual Rows'?: number };

const planNodes = (node: PlanNode & { Plans?: PlanNode[] }): PlanNode[] => [
  node,
  ...(node.Plans ?? []).flatMap((child) => planNodes(child as PlanNode & { Plans?: PlanNode[] })),
];

/**
 * The SQL adapters' promise behind an order's history: a few versions of a long stream are read through the
 * (stream_id, stream_version) index, one probe each, never by scanning the stream.
 */
export function streamVersionsPlanContract(
  name: string,
  open: () => Promise<StoreUnderTest & { sql: SqlClient }>,
): void {
  describe(`${name} reads a stream at given versions`, () => {
    it('through the stream index, touching only those rows of a long stream', async () => {
      const store = await open();
      try {
        for (let from = 0; from < 4_000; from += 500) {
          await store.eventStore.append(
            'event-long',
            from,
            Array.from({ length: 500 }, (_, i) => ({ type: 'HoldPlaced', data: { holdId: `h${from + i}` } })),
          );
        }
        await store.sql.query('ANALYZE events');
        const versions = [8, 1_200, 3_999];
        const [row] = await store.sql.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${readStreamVersionsSql}`,
          ['event-long', versions],
        );
        const explained = row?.['QUERY PLAN'];
        const [plan] = (typeof explained === 'string' ? JSON.parse(explained) : explained) as [{ Plan: PlanNode }];
        const onEvents = planNodes(plan.Plan).filter((node) => node['Relation Name'] === 'events');
        expect(onEvents.length).toBeGreaterThan(0);
        for (const node of onEvents) {
          expect(node['Node Type']).not.toBe('Seq Scan');
          expect(node['Actual Rows']).toBeLessThanOrEqual(versions.length);
        }
        const read = await store.eventStore.readStreamVersions('event-long', versions);
        expect(read.map((event) => (event.data as { holdId: string }).holdId)).toEqual(['h7', 'h1199', 'h3998']);
      } finally {
        await store.close();
      }
    });
  });
}
