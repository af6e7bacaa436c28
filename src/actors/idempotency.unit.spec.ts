import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { transientErrorCodes } from '../domain/bookingError.ts';
import type { HoldRequest } from '../domain/seatMap/views.ts';
import type { EventConfig } from '../domain/venue.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';
import type { CommandReply, EventActor } from './eventActor.ts';

/**
 * The wire contract's idempotency: a requestId is a key per buyer. The same payload again gets the first answer;
 * a different payload under the same key is refused IDEMPOTENCY_KEY_REUSED (as Stripe does), also after a restart,
 * when the memory of requests is rebuilt from the log. Transient refusals are not remembered.
 */
const setup = async (overrides: Partial<EventConfig> = {}, snapshotEveryEvents = 1_000) => {
  const memory = openInMemoryStore();
  const venue = gridVenue();
  const event = eventFor(venue, overrides);
  await memory.catalog.createVenue(venue);
  await memory.catalog.createEvent(event);
  const clock = new ManualClock();
  const activate = () =>
    new Activations({
      store: memory.eventStore,
      catalog: memory.catalog,
      clock,
      actor: {
        snapshotPolicy: { everyEvents: snapshotEveryEvents, intervalMinMs: 0 },
        checkInvariantsEveryBatch: true,
      },
    }).get(event.id);
  return { memory, clock, activate, actor: await activate() };
};

let count = 0;
const hold = (actor: EventActor, userId: string, requestId: string, request: HoldRequest) =>
  actor.send(
    (now) => ({ type: 'PlaceHold', data: { holdId: `evt_test.h${++count}`, userId, requestId, request, now } }),
    { userId, requestId },
  );
const release = (actor: EventActor, userId: string, requestId: string, holdId: string) =>
  actor.send((now) => ({ type: 'ReleaseHold', data: { holdId, userId, requestId, now } }), { userId, requestId });
const order = (actor: EventActor, userId: string, requestId: string, holdId: string) =>
  actor.send(
    (now) => ({ type: 'PlaceOrder', data: { orderId: `evt_test.o${++count}`, holdId, userId, requestId, now } }),
    { userId, requestId },
  );
const seats = (...seatIds: string[]): HoldRequest => ({ kind: 'seats', seatIds });
const holdIdOf = (reply: CommandReply): string => (reply.outcome?.kind === 'hold' ? reply.outcome.holdId : '');
const reused = { code: 'IDEMPOTENCY_KEY_REUSED' };

describe('request ids as idempotency keys', () => {
  it('answers a hold retried with the same payload with the first hold, and refuses another payload', async () => {
    const { actor } = await setup();
    const first = await hold(actor, 'alice', 'r1', seats('ORCH-A-1', 'ORCH-A-2'));
    // The same seats in another order are the same request.
    const again = await hold(actor, 'alice', 'r1', seats('ORCH-A-2', 'ORCH-A-1'));
    expect(again).toEqual({ events: [], outcome: first.outcome });
    await expect(hold(actor, 'alice', 'r1', seats('ORCH-A-3'))).rejects.toMatchObject(reused);
    await expect(
      hold(actor, 'alice', 'r1', { kind: 'general', sectionId: 'FLOOR', quantity: 2 }),
    ).rejects.toMatchObject(reused);
    await expect(hold(actor, 'alice', 'r1', { kind: 'bestAvailable', quantity: 2 })).rejects.toMatchObject(reused);
    // Keys are per buyer: another buyer's r1 is another request.
    await expect(hold(actor, 'bob', 'r1', seats('ORCH-A-3'))).resolves.toMatchObject({ outcome: { kind: 'hold' } });
    expect((await actor.seatMap()).seats['ORCH-A-3']!.status).toBe('held');
  });

  it('refuses a release of another hold under the request id of a first release, which leaves that hold held', async () => {
    const { actor } = await setup();
    const a = holdIdOf(await hold(actor, 'alice', 'ha', seats('ORCH-A-1')));
    const b = holdIdOf(await hold(actor, 'alice', 'hb', seats('ORCH-A-2')));
    await release(actor, 'alice', 'rel', a);
    await expect(release(actor, 'alice', 'rel', b)).rejects.toMatchObject(reused);
    await expect(release(actor, 'alice', 'rel', a)).resolves.toEqual({
      events: [],
      outcome: { kind: 'release', holdId: a },
    });
    expect((await actor.seatMap()).seats['ORCH-A-2']!.status).toBe('held');
    // A request id of one kind is not taken for another kind.
    await expect(release(actor, 'alice', 'ha', b)).rejects.toMatchObject(reused);
    await expect(order(actor, 'alice', 'rel', b)).rejects.toMatchObject(reused);
  });

  it('refuses an order for another hold under the request id of a first order', async () => {
    const { actor } = await setup();
    const c1 = holdIdOf(await hold(actor, 'carol', 'h1', seats('ORCH-B-1')));
    const c2 = holdIdOf(await hold(actor, 'carol', 'h2', seats('ORCH-B-2')));
    const first = await order(actor, 'carol', 'o1', c1);
    await expect(order(actor, 'carol', 'o1', c2)).rejects.toMatchObject(reused);
    await expect(order(actor, 'carol', 'o1', c1)).resolves.toEqual({ events: [], outcome: first.outcome });
    expect((await actor.seatMap()).seats['ORCH-B-2']!.status).toBe('held');
  });

  it('remembers a final refusal for the same payload and refuses another payload under its request id', async () => {
    const { actor } = await setup();
    await hold(actor, 'dan', 'd1', seats('ORCH-C-1'));
    await expect(hold(actor, 'erin', 'e1', seats('ORCH-C-1'))).rejects.toMatchObject({ code: 'SEAT_UNAVAILABLE' });
    await expect(hold(actor, 'erin', 'e1', seats('ORCH-C-1'))).rejects.toMatchObject({ code: 'SEAT_UNAVAILABLE' });
    await expect(hold(actor, 'erin', 'e1', seats('ORCH-C-2'))).rejects.toMatchObject(reused);
    expect((await actor.seatMap()).seats['ORCH-C-2']!.status).toBe('available');
  });

  it('decides a transient refusal anew: a hold refused SALE_NOT_OPEN succeeds with the same request id once it opens', async () => {
    const opensAt = Date.UTC(2026, 0, 1, 10);
    const { actor, clock } = await setup({ saleStartsAtMs: opensAt });
    await expect(hold(actor, 'fay', 'early', seats('ORCH-D-1'))).rejects.toMatchObject({ code: 'SALE_NOT_OPEN' });
    clock.set(opensAt);
    await expect(hold(actor, 'fay', 'early', seats('ORCH-D-1'))).resolves.toMatchObject({ outcome: { kind: 'hold' } });
    // A transient refusal took no key either: the first request to succeed is the one remembered.
    await expect(hold(actor, 'fay', 'early', seats('ORCH-D-2'))).rejects.toMatchObject(reused);
  });

  it('takes the transient refusals of the wire contract as transient, and no other code', () => {
    expect([...transientErrorCodes].sort()).toEqual(['NOT_ADMITTED', 'RATE_LIMITED', 'SALE_NOT_OPEN', 'UNAVAILABLE']);
  });

  it.each([
    ['from the log', 1_000],
    ['from a snapshot', 1],
  ])(
    'still refuses a reused request id after a restart (%s), and still gives the first answer',
    async (_how, every) => {
      const { actor, activate, memory } = await setup({}, every);
      const a = holdIdOf(await hold(actor, 'gus', 'g1', seats('ORCH-A-5')));
      const b = holdIdOf(await hold(actor, 'gus', 'g2', seats('ORCH-A-6')));
      await release(actor, 'gus', 'g3', a);
      const placed = await order(actor, 'gus', 'g4', b);
      await actor.stop();
      if (every === 1) expect(await memory.eventStore.loadSnapshot('event-evt_test')).toBeDefined();
      const restarted = await activate();
      await expect(hold(restarted, 'gus', 'g1', seats('ORCH-A-7'))).rejects.toMatchObject(reused);
      await expect(hold(restarted, 'gus', 'g1', seats('ORCH-A-5'))).resolves.toMatchObject({
        events: [],
        outcome: { kind: 'hold', holdId: a },
      });
      await expect(release(restarted, 'gus', 'g3', b)).rejects.toMatchObject(reused);
      await expect(order(restarted, 'gus', 'g4', a)).rejects.toMatchObject(reused);
      await expect(order(restarted, 'gus', 'g4', b)).resolves.toEqual({ events: [], outcome: placed.outcome });
      await restarted.stop();
    },
  );
});
