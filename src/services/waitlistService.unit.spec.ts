import { describe, expect, it, vi } from 'vitest';
import type { WaitlistPosition } from '../contract/protocol.ts';
import type { Venue } from '../domain/venue.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { createBookingCore } from './bookingCore.ts';
import { createWaitlistService, type WaitlistService } from './waitlistService.ts';

/** One seat, so a single hold sells the event out and the waitlist takes entries. */
const venue: Venue = {
  id: 'ven_one',
  name: 'One Seat Hall',
  sections: [
    { id: 'ORCH', name: 'Orchestra', kind: 'seated', rows: [{ id: 'A', seats: [{ id: 'A1', priceTier: 'S' }] }] },
  ],
};

const setup = async () => {
  const memory = openInMemoryStore();
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  let waitlist: WaitlistService | undefined;
  const core = createBookingCore({
    store: memory.eventStore,
    catalog: memory.catalog,
    clock,
    closeStore: async () => {},
    actor: { checkInvariantsEveryBatch: true },
    onCommitted: (batch) => waitlist?.onCommitted(batch),
  });
  const service = createWaitlistService({ activations: core.activations, clock });
  waitlist = service;
  const positions: WaitlistPosition[] = [];
  service.start({ offer: () => {}, position: (_, push) => positions.push(push) });
  await core.createVenue(venue);
  /** A sold-out event with `buyers` waiting in line; the holder's hold id comes back. */
  const soldOutWithLine = async (eventId: string, buyers: readonly string[]) => {
    await core.createEvent({
      id: eventId,
      venueId: venue.id,
      name: 'Night',
      startsAt: '2027-01-01T20:00:00.000Z',
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
      holdTtlSeconds: 600,
      paymentTimeoutSeconds: 600,
      maxSeatsPerUser: 4,
      saleStartsAtMs: null,
    });
    const hold = await core.hold(eventId, 'u_holder', 'h', { kind: 'seats', seatIds: ['A1'] });
    const entries: string[] = [];
    for (const userId of buyers)
      entries.push((await service.join(eventId, userId, 'j', { quantity: 1, together: false })).entryId);
    return { holdId: hold.holdId, entries };
  };
  return { core, clock, service, positions, soldOutWithLine };
};

describe('waitlist position bookkeeping (what each entry was last told)', () => {
  it('keeps the places of waiting entries only, and tells a move once', async () => {
    const { core, service, positions, soldOutWithLine } = await setup();
    const { holdId, entries } = await soldOutWithLine('evt_a', ['u_1', 'u_2', 'u_3']);
    expect(service.tracked()).toEqual({ events: 1, entries: 3 });
    // The seat comes back: u_1 is offered it, u_2 and u_3 move up one place each.
    await core.release(holdId, 'u_holder', 'r');
    await vi.waitFor(() => expect(positions).toHaveLength(2));
    expect(positions.map((push) => [push.entryId, push.position])).toEqual([
      [entries[1], 1],
      [entries[2], 2],
    ]);
    expect(service.tracked()).toEqual({ events: 1, entries: 2 });
  });

  it('forgets an event once its line is empty: the entries that left or were served leave nothing behind', async () => {
    const { core, clock, service, positions, soldOutWithLine } = await setup();
    for (const [index, eventId] of ['evt_a', 'evt_b', 'evt_c'].entries()) {
      const { entries } = await soldOutWithLine(eventId, ['u_1', 'u_2']);
      await service.leave(entries[0]!, 'u_1', 'l');
      // u_2 is told it moved up, at once (the event's first telling).
      await vi.waitFor(() => expect(positions).toHaveLength(index + 1));
      // The second move of the event is told when the 250 ms interval is up: the line is empty then.
      await service.leave(entries[1]!, 'u_2', 'l');
      clock.advance(250);
      await vi.waitFor(() => expect(service.tracked().events).toBe(0));
    }
    expect(service.tracked()).toEqual({ events: 0, entries: 0 });
    // The line of an event still selling goes on being told: a new entry is tracked again.
    await service.join('evt_a', 'u_9', 'j2', { quantity: 1, together: false });
    expect(service.tracked()).toEqual({ events: 1, entries: 1 });
    await core.activations.stopAll();
  });

  it("drops the records of events whose actor has stopped, when another event's line starts", async () => {
    const { core, service, soldOutWithLine } = await setup();
    await soldOutWithLine('evt_a', ['u_1', 'u_2']);
    await soldOutWithLine('evt_b', ['u_3']);
    expect(service.tracked()).toEqual({ events: 2, entries: 3 });
    await core.activations.evict('evt_a');
    await soldOutWithLine('evt_c', ['u_4']);
    expect(service.tracked()).toEqual({ events: 2, entries: 2 });
  });
});
