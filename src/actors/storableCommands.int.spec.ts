import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, dropSchema, uniqueSchema } from '../../test/support/postgres.ts';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { openStore, type StoreConfig } from '../app/startServer.ts';
import type { InventoryCommand } from '../domain/seatMap/commands.ts';
import type { Store } from '../persistence/shardedStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';
import type { EventActor } from './eventActor.ts';

/**
 * The wire contract: no input of one buyer can make another buyer's command fail. A command carrying a string the
 * store cannot keep (a lone surrogate, NUL) is refused on its own, before its events join the batch's append, so
 * the others of its batch commit. Checked on every store, since each refuses what Postgres refuses.
 */
const schema = uniqueSchema('storable');
const stores: [string, StoreConfig][] = [
  ['memory', { kind: 'memory' }],
  ['PGlite', { kind: 'pglite', dataDir: undefined }],
  ['Postgres', { kind: 'postgres', url: databaseUrl, schema }],
];

const unstorable = ['\ud800', 'a\udc00b', 'nul\u0000', '\u0000'];

describe.each(stores)('one bad command in a batch on %s', (_name, config) => {
  let store: Store;
  const venue = gridVenue();
  beforeAll(async () => {
    store = await openStore(config);
    await store.catalog.createVenue(venue);
  });
  afterAll(async () => {
    await store?.close();
    if (config.kind === 'postgres') await dropSchema(schema);
  });

  let events = 0;
  /** A fresh event per test, on the describe's one store. */
  const withActor = async (run: (actor: EventActor, eventId: string) => Promise<void>) => {
    const eventId = `evt_storable${++events}`;
    await store.catalog.createEvent(eventFor(venue, { id: eventId }));
    const errors: unknown[] = [];
    const activations = new Activations({
      store: store.eventStore,
      catalog: store.catalog,
      clock: new ManualClock(),
      actor: { checkInvariantsEveryBatch: true },
      onError: (error, context) => errors.push({ error, context }),
    });
    const actor = await activations.get(eventId);
    await run(actor, eventId);
    await actor.stop();
    // Nothing failed below the actor: no append was refused and nothing was reloaded.
    expect(errors).toEqual([]);
    expect(actor.stats.appendFailures).toBe(0);
  };

  let next = 0;
  const hold = (actor: EventActor, userId: string, requestId: string, seatId: string) => {
    const holdId = `${actor.eventId}.h${++next}`;
    return actor.send(
      (now) => ({
        type: 'PlaceHold',
        data: { holdId, userId, requestId, request: { kind: 'seats', seatIds: [seatId] }, now },
      }),
      { userId, requestId },
    );
  };
  const command = (actor: EventActor, make: (now: number) => InventoryCommand) => actor.send(make);

  it('refuses the holds, releases and orders whose request id is unstorable; the rest of the batch commits', async () => {
    await withActor(async (actor, eventId) => {
      const first = await hold(actor, 'owner', 'setup-1', 'ORCH-A-1');
      const second = await hold(actor, 'owner', 'setup-2', 'ORCH-A-2');
      const holdIds = [first, second].map((reply) => (reply.outcome?.kind === 'hold' ? reply.outcome.holdId : ''));
      // Sent in one tick, so they form one batch: honest holds around every kind of bad command.
      const replies = await Promise.allSettled([
        hold(actor, 'honest-1', 'ok-1', 'ORCH-B-1'),
        ...unstorable.map((requestId, i) => hold(actor, `bad-${i}`, requestId, `ORCH-C-${i + 1}`)),
        actor.send(
          (now) => ({
            type: 'ReleaseHold',
            data: { holdId: holdIds[0]!, userId: 'owner', requestId: 'release\u0000', now },
          }),
          { userId: 'owner', requestId: 'release\u0000' },
        ),
        actor.send(
          (now) => ({
            type: 'PlaceOrder',
            data: { orderId: `${eventId}.o1`, holdId: holdIds[1]!, userId: 'owner', requestId: '\ud83d', now },
          }),
          { userId: 'owner', requestId: '\ud83d' },
        ),
        hold(actor, 'honest-2', 'ok-2', 'ORCH-B-2'),
      ]);
      const codes = replies.map((reply) =>
        reply.status === 'fulfilled' ? 'ok' : (reply.reason as { code?: string }).code,
      );
      expect(codes).toEqual(['ok', ...unstorable.map(() => 'INVALID_INPUT'), 'INVALID_INPUT', 'INVALID_INPUT', 'ok']);
      const map = await actor.seatMap();
      expect(['ORCH-A-1', 'ORCH-A-2', 'ORCH-B-1', 'ORCH-B-2', 'ORCH-C-1'].map((id) => map.seats[id]!.status)).toEqual([
        'held',
        'held',
        'held',
        'held',
        'available',
      ]);
      expect(await store.eventStore.readStream(`event-${eventId}`)).toHaveLength(4);
    });
  });

  it('refuses an admin refund reason and a check-in gate that cannot be stored; the rest of the batch commits', async () => {
    await withActor(async (actor, eventId) => {
      const held = await hold(actor, 'buyer', 'b-1', 'ORCH-A-1');
      const holdId = held.outcome?.kind === 'hold' ? held.outcome.holdId : '';
      const orderId = `${eventId}.o1`;
      await actor.send(
        (now) => ({ type: 'PlaceOrder', data: { orderId, holdId, userId: 'buyer', requestId: 'b-2', now } }),
        { userId: 'buyer', requestId: 'b-2' },
      );
      await command(actor, (now) => ({
        type: 'RecordPaymentResult',
        data: { orderId, outcome: 'succeeded', providerEventId: 'evt_1', now },
      }));
      const replies = await Promise.allSettled([
        command(actor, (now) => ({ type: 'RefundOrder', data: { orderId, reason: 'oops\u0000', now } })),
        command(actor, (now) => ({
          type: 'CheckInTicket',
          data: { ticketId: `${orderId}-1`, gate: 'g\ud800', now },
        })),
        hold(actor, 'honest', 'ok', 'ORCH-B-1'),
      ]);
      expect(
        replies.map((reply) => (reply.status === 'fulfilled' ? 'ok' : (reply.reason as { code?: string }).code)),
      ).toEqual(['INVALID_INPUT', 'INVALID_INPUT', 'ok']);
      // The order is still paid and its ticket unused: the refused commands changed nothing.
      const order = await actor.read((state) => state.orders.get(orderId)?.status);
      expect(order).toBe('succeeded');
      await expect(
        command(actor, (now) => ({ type: 'RefundOrder', data: { orderId, reason: 'a proper reason', now } })),
      ).resolves.toMatchObject({ events: [{ type: 'SaleRefunded' }, { type: 'RefundRequested' }] });
    });
  });
});
