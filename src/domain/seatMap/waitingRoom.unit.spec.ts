import { describe, expect, it } from 'vitest';
import { fairnessRecord, queueEntryOf } from '../queue/read.ts';
import { roomConfigOf } from '../queue/room.ts';
import type { Venue } from '../venue.ts';
import type { InventoryCommand, PlaceHold } from './commands.ts';
import { decide } from './decide.ts';
import type { InventoryEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { assertInventorySound } from './invariants.ts';
import { config, errorCodeOf, holdSeats, T0, t } from './inventoryFixture.ts';
import { fromSnapshot, toSnapshot } from './snapshot.ts';
import { type InventoryState, initialState } from './state.ts';

/**
 * The inventory's side of the waiting room: holds need an admission while the room is engaged, the timer's tick
 * admits by the seats' stock or declares the sale sold out, an order ends the buyer's admission, and the room rides
 * in the inventory's snapshot. Each spec runs commands through decide and evolve as the actor does, and checks every
 * invariant (the room's too) after each.
 */
const seed = 'ab'.repeat(32);
const room = roomConfigOf({ enabled: true, saleStartsAt: T0, admittedMax: 2, admissionSeconds: 60 });

/** Two seats of one row: small enough to sell out in a spec. */
const smallVenue: Venue = {
  id: 'venue-small',
  name: 'Small Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated',
      rows: [
        {
          id: 'A',
          seats: [
            { id: 'A1', priceTier: 'standard' },
            { id: 'A2', priceTier: 'standard' },
          ],
        },
      ],
    },
  ],
};

const run = (state: InventoryState, command: InventoryCommand): InventoryEvent[] => {
  const events = decide(command, state);
  for (const event of events) evolve(state, event);
  assertInventorySound(state);
  return events;
};

const smallState = (roomConfig = room): InventoryState => {
  const state = initialState(smallVenue, { ...config, venueId: smallVenue.id });
  run(state, { type: 'SetUpRoom', data: { config: roomConfig, seed, now: t(-3600) } });
  return state;
};

const admitted = (command: PlaceHold, admittedUntil: number): PlaceHold => ({
  ...command,
  data: { ...command.data, admittedUntil },
});

const types = (events: readonly InventoryEvent[]): string[] => events.map((event) => event.type);

describe('holds while the waiting room is engaged', () => {
  it('refuses a hold without an admission NOT_ADMITTED, and takes it with one that still runs', () => {
    const state = smallState();
    const hold = holdSeats('h1', 'ann', ['A1'], t(1));
    expect(errorCodeOf(() => decide(hold, state))).toBe('NOT_ADMITTED');
    expect(errorCodeOf(() => decide(admitted(hold, t(1)), state))).toBe('NOT_ADMITTED');
    expect(types(run(state, admitted(hold, t(61))))).toEqual(['HoldPlaced']);
  });

  it('needs no admission when the room is not engaged (a hybrid room at rest) or the event has none', () => {
    const resting = smallState(roomConfigOf({ enabled: false, saleStartsAt: T0 }));
    expect(types(run(resting, holdSeats('h1', 'ann', ['A1'], t(1))))).toEqual(['HoldPlaced']);
    const none = initialState(smallVenue, { ...config, venueId: smallVenue.id });
    expect(types(run(none, holdSeats('h1', 'ann', ['A1'], t(1))))).toEqual(['HoldPlaced']);
  });

  it('refuses a hold before the sale opens SALE_NOT_OPEN whatever the admission says', () => {
    const state = smallState();
    expect(errorCodeOf(() => decide(admitted(holdSeats('h1', 'ann', ['A1'], t(-1)), t(60)), state))).toBe(
      'SALE_NOT_OPEN',
    );
  });
});

describe('the room tick', () => {
  it('shuffles at the opening and admits by the stock the seats have: two seats, two per buyer → one buyer', () => {
    const state = smallState();
    run(state, { type: 'JoinQueue', data: { userId: 'ann', now: t(-60) } });
    run(state, { type: 'JoinQueue', data: { userId: 'bob', now: t(-30) } });
    expect(run(state, { type: 'TickRoom', data: { now: t(-1) } })).toEqual([]);
    const events = run(state, { type: 'TickRoom', data: { now: t(1) } });
    expect(types(events)).toEqual(['PreQueueShuffled', 'AdmissionsGranted']);
    const granted = events[1]!;
    if (granted.type !== 'AdmissionsGranted') throw new Error('not granted');
    expect(granted.data.stock).toEqual({ available: 2, lapsing: 0 });
    expect(granted.data.admissions).toHaveLength(1);
    expect(run(state, { type: 'TickRoom', data: { now: t(2) } })).toEqual([]);
  });

  it('ends the admission of a buyer who orders, and tells everyone waiting once nothing is left to sell', () => {
    const state = smallState();
    for (const userId of ['ann', 'bob', 'cyd']) run(state, { type: 'JoinQueue', data: { userId, now: t(-60) } });
    const granted = run(state, { type: 'TickRoom', data: { now: t(1) } }).find((e) => e.type === 'AdmissionsGranted');
    if (granted?.type !== 'AdmissionsGranted') throw new Error('nobody admitted');
    const { userId, expiresAt } = granted.data.admissions[0]!;
    run(state, admitted(holdSeats('h1', userId, ['A1', 'A2'], t(2)), expiresAt));
    // Held seats may come back: the line keeps waiting.
    expect(types(run(state, { type: 'TickRoom', data: { now: t(3) } }))).toEqual([]);
    const ordered = run(state, {
      type: 'PlaceOrder',
      data: { orderId: 'o1', holdId: 'h1', userId, requestId: 'ord-1', now: t(4) },
    });
    expect(types(ordered)).toEqual(['OrderPlaced', 'HoldReserved', 'AdmissionFinished']);
    expect(queueEntryOf(state.queue, userId, t(4))?.state).toBe('finished');
    expect(types(run(state, { type: 'TickRoom', data: { now: t(5) } }))).toEqual([]);
    const paid = run(state, {
      type: 'RecordPaymentResult',
      data: {
        orderId: 'o1',
        outcome: 'succeeded',
        providerEventId: 'pe1',
        received: { amount: 10_000, currency: 'EUR' },
        now: t(6),
      },
    });
    expect(types(paid)).toContain('ReservationSold');
    const soldOut = run(state, { type: 'TickRoom', data: { now: t(7) } });
    expect(soldOut).toEqual([{ type: 'QueueSoldOut', data: { waiting: 2, at: t(7) } }]);
    const waiting = ['ann', 'bob', 'cyd'].filter((other) => other !== userId);
    for (const other of waiting) expect(queueEntryOf(state.queue, other, t(7))?.state).toBe('soldout');
    expect(run(state, { type: 'TickRoom', data: { now: t(8) } })).toEqual([]);
  });
});

describe('the room in the inventory snapshot', () => {
  it('keeps every place, the seed and the order through a snapshot, and counts room events in the version', () => {
    const state = smallState();
    for (const userId of ['ann', 'bob', 'cyd']) run(state, { type: 'JoinQueue', data: { userId, now: t(-60) } });
    run(state, { type: 'TickRoom', data: { now: t(1) } });
    run(state, { type: 'JoinQueue', data: { userId: 'dan', now: t(2) } });
    expect(state.version).toBe(7);
    const restored = fromSnapshot(smallVenue, state.config, JSON.parse(JSON.stringify(toSnapshot(state))));
    assertInventorySound(restored);
    expect(restored.version).toBe(state.version);
    expect(fairnessRecord(restored.queue)).toEqual(fairnessRecord(state.queue));
    for (const userId of ['ann', 'bob', 'cyd', 'dan']) {
      expect(queueEntryOf(restored.queue, userId, t(3))).toEqual(queueEntryOf(state.queue, userId, t(3)));
    }
  });

  it('leaves the snapshot of an event without a room as it was', () => {
    expect('queue' in toSnapshot(initialState(smallVenue, { ...config, venueId: smallVenue.id }))).toBe(false);
  });
});
