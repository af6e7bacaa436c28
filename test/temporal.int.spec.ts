import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { replayPageSchema } from '../src/contract/readSchemas.ts';
import { seatMapView } from '../src/domain/seatMap/read.ts';
import type { SeatMapView } from '../src/domain/seatMap/views.ts';
import { openPostgresStore } from '../src/persistence/postgres/postgresStore.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { replayEvent } from '../src/services/replay.ts';
import { type ReplayFrame, ReplayTimeline } from '../web/src/replayTimeline.ts';
import { type api, priceTiers, venueBody } from './support/api.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { observe, openSocket } from './support/sockets.ts';
import { startTestServer } from './support/testServer.ts';

type Client = ReturnType<typeof api>;

/** One step of a random sale: what a buyer does, or time passing (holds lapse after 30 s and are swept). */
type Step =
  | { kind: 'hold'; buyer: number; seats: number[] }
  | { kind: 'holdFloor'; buyer: number; quantity: number }
  | { kind: 'release'; pick: number }
  | { kind: 'buy'; pick: number; pays: boolean }
  | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('hold' as const),
    buyer: fc.nat(3),
    seats: fc.uniqueArray(fc.nat(11), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('holdFloor' as const), buyer: fc.nat(3), quantity: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('buy' as const), pick: fc.nat(), pays: fc.boolean() }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 45_000 }) }),
);

/**
 * Temporal reads on real Postgres, against what was live: during a random sale (holds, releases, paid and declined
 * orders, lapses swept by the actor's timer), the committed map is recorded after every step at the clock's instant T;
 * afterwards `GET /v1/events/:id/seatmap?at=T` must give exactly that map, with snapshots taken every few events (so
 * some instants replay from a snapshot, some from the start). And the replay of the whole sale gives the very diffs a
 * socket subscriber received live.
 */
describe('temporal reads and replay (Postgres)', () => {
  const schema = uniqueSchema('temporal');
  const clock = new ManualClock(Date.parse('2030-04-01T09:00:00Z'));
  let server: RunningServer;
  let client: Client;
  let baseUrl: string;
  let venueId: string;
  let runs = 0;

  beforeAll(async () => {
    ({ server, client, baseUrl } = await startTestServer({
      store: { kind: 'postgres', url: databaseUrl, schema },
      clock,
      actor: { snapshotPolicy: { everyEvents: 6, intervalMinMs: 0 } },
    }));
    venueId = await client.createVenue(venueBody(2, 6));
  });
  afterAll(async () => {
    await server?.drain();
    await dropSchema(schema);
  });

  it('seatmap?at=T equals the map that was live at T, and the replay equals the live diffs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 14 }), async (steps) => {
        runs += 1;
        const eventId = await client.createEvent({
          venueId,
          name: `Temporal ${runs}`,
          startsAt: '2030-06-01T20:00:00Z',
          priceTiers,
          holdTtlSeconds: 30,
          maxSeatsPerUser: 50,
        });
        const buyers = await Promise.all([0, 1, 2, 3].map(() => client.session()));
        const socket = await openSocket(baseUrl, buyers[0]!.token);
        const seen = await observe(socket, eventId);
        const actor = await server.booking.activations.get(eventId);
        const live = () =>
          actor.read((state, now) => ({ now, map: JSON.parse(JSON.stringify(seatMapView(state, now))) }));
        const recorded: { at: number; map: SeatMapView }[] = [];
        const holds: { holdId: string; token: string }[] = [];
        let requests = 0;
        try {
          for (const next of steps) {
            if (next.kind === 'hold' || next.kind === 'holdFloor') {
              const buyer = buyers[next.buyer]!;
              const body =
                next.kind === 'hold'
                  ? { seatIds: next.seats.map((seat) => `ORCH-${(seat % 2) + 1}-${Math.floor(seat / 2) + 1}`) }
                  : { sectionId: 'FLOOR', quantity: next.quantity };
              const reply = await client.hold(eventId, buyer.token, { requestId: `r${++requests}`, ...body });
              if (reply.status === 201) holds.push({ holdId: reply.body.holdId, token: buyer.token });
            } else if (next.kind === 'release' && holds.length > 0) {
              const [hold] = holds.splice(next.pick % holds.length, 1);
              await client.release(hold!.holdId, hold!.token);
            } else if (next.kind === 'buy' && holds.length > 0) {
              const [hold] = holds.splice(next.pick % holds.length, 1);
              const order = await client.call(
                'POST',
                '/v1/orders',
                { holdId: hold!.holdId, requestId: `o${++requests}` },
                hold!.token,
              );
              if (order.status === 201) {
                const card = next.pays ? `pm_card_test_t${runs}_${requests}` : 'pm_card_chargeDeclined';
                await client.call('POST', `/v1/orders/${order.body.orderId}/pay`, { paymentMethod: card }, hold!.token);
              }
            } else if (next.kind === 'wait') {
              // Timers due meanwhile (the sweep of lapsed holds) fire as the clock passes them.
              clock.advance(next.ms);
            }
            // A read answers after every batch already in the mailbox (the sweep's too) has committed.
            const { now, map } = await live();
            recorded.push({ at: now, map });
            // What comes next happens strictly after the instant recorded.
            clock.advance(1 + (requests % 5));
          }
          for (const { at, map } of recorded) {
            const reply = await client.call('GET', `/v1/events/${eventId}/seatmap?at=${new Date(at).toISOString()}`);
            expect(reply.status).toBe(200);
            expect(reply.body, `at ${new Date(at).toISOString()}`).toEqual(map);
          }

          // The display's replay: the route's frames, paged three batches at a time (pages start from snapshots),
          // give at every recorded instant the same map, moving forwards and then backwards along the time line.
          const frames: ReplayFrame[] = [];
          for (let after: number | null = 0; after !== null; ) {
            const page = await client.call('GET', `/v1/events/${eventId}/replay?after=${after}&limit=3`);
            expect(page.status, JSON.stringify(page.body)).toBe(200);
            const parsed = replayPageSchema.parse(page.body);
            expect(parsed.after).toBe(after);
            frames.push(...parsed.frames);
            after = parsed.next;
          }
          const before = await client.call('GET', `/v1/events/${eventId}/seatmap?at=2020-01-01T00:00:00Z`);
          const capacities = Object.fromEntries(
            Object.entries(before.body.general as SeatMapView['general']).map(([id, section]) => [
              id,
              section.capacity,
            ]),
          );
          const timeline = new ReplayTimeline(frames, capacities);
          for (const { at, map } of [...recorded, ...[...recorded].reverse()]) {
            timeline.seek(at);
            const shown = {
              version: timeline.version,
              seats: Object.fromEntries(Object.keys(map.seats).map((seatId) => [seatId, timeline.statusOf(seatId)])),
              general: Object.fromEntries(Object.keys(map.general).map((id) => [id, timeline.availableIn(id)])),
            };
            expect(shown, `replayed to ${new Date(at).toISOString()}`).toEqual({
              version: map.version,
              seats: Object.fromEntries(Object.entries(map.seats).map(([seatId, seat]) => [seatId, seat.status])),
              general: Object.fromEntries(Object.entries(map.general).map(([id, section]) => [id, section.available])),
            });
          }

          // The subscriber has every diff once it has reached the actor's version.
          const version = actor.version;
          for (const deadline = Date.now() + 5_000; seen.version < version && Date.now() < deadline; ) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          expect(seen.gaps).toEqual([]);
          const store = await openPostgresStore({ connectionString: databaseUrl, schema, poolSize: 1 });
          try {
            const replay = await replayEvent({ store: store.eventStore, catalog: store.catalog }, eventId);
            const diffs = [];
            for await (const { diff } of replay.diffs) diffs.push(diff);
            expect(JSON.parse(JSON.stringify(diffs))).toEqual(JSON.parse(JSON.stringify(seen.diffs)));
          } finally {
            await store.close();
          }
        } finally {
          socket.disconnect();
        }
      }),
      { numRuns: 8, seed: Number(process.env.TEMPORAL_SEED ?? 1313), endOnFailure: true },
    );
  }, 180_000);

  it('refuses an instant in the future or one that is not ISO 8601', async () => {
    const eventId = await client.createEvent({ venueId, name: 'Edges', startsAt: '2030-06-01T20:00:00Z', priceTiers });
    const future = new Date(clock.now() + 60_000).toISOString();
    expect((await client.call('GET', `/v1/events/${eventId}/seatmap?at=${future}`)).body.error.code).toBe(
      'INVALID_INPUT',
    );
    expect((await client.call('GET', `/v1/events/${eventId}/seatmap?at=yesterday`)).body.error.code).toBe(
      'INVALID_INPUT',
    );
    expect((await client.call('GET', `/v1/events/nope/seatmap?at=2030-01-01T00:00:00Z`)).status).toBe(404);
    // Before the first event: every seat available, version 0.
    const before = await client.call('GET', `/v1/events/${eventId}/seatmap?at=2020-01-01T00:00:00Z`);
    expect(before.body.version).toBe(0);
    // The replay of an event nothing happened to: no frames, one page; `after` past the log, or not a version: refused.
    const empty = await client.call('GET', `/v1/events/${eventId}/replay`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ eventId, after: 0, frames: [], next: null });
    for (const query of ['after=5', 'after=-1', 'after=x', 'limit=0', 'limit=5001'])
      expect((await client.call('GET', `/v1/events/${eventId}/replay?${query}`)).body.error.code, query).toBe(
        'INVALID_INPUT',
      );
    expect((await client.call('GET', '/v1/events/nope/replay')).status).toBe(404);
  });
});
