import { describe, expect, it } from 'vitest';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { InventoryEvent } from './events.ts';
import { evolveAll } from './evolve.ts';
import {
  expired,
  floorCapacity,
  generalHeld,
  holdGeneral,
  holdSeats,
  holdTtlMs,
  released,
  releaseHold,
  reserved,
  reserveHold,
  seatIdsOf,
  seatsHeld,
  sellReservation,
  sold,
  stateFrom,
  t,
  waitlistHeld,
  waitlistOfferMs,
} from './inventoryFixture.ts';
import {
  generalAvailable,
  heldHoldsByUser,
  holdView,
  lapsesBetween,
  liveHoldsOf,
  seatMapDiff,
  seatMapView,
} from './read.ts';
import type { InventoryState } from './state.ts';
import type { SeatMapView } from './views.ts';

describe('seatMapView', () => {
  const held = seatsHeld('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(0));

  it('shows every seat of the venue with its tier and version, at the stream version', () => {
    const view = seatMapView(stateFrom([held]), t(1));
    expect(Object.keys(view.seats).sort()).toEqual(seatIdsOf().sort());
    expect(view).toMatchObject({ eventId: 'event-1', version: 1 });
    expect(view.seats['ORCH-A-1']).toEqual({ status: 'available', priceTier: 'premium', version: 0 });
    expect(view.seats['ORCH-B-3']).toEqual({ status: 'held', priceTier: 'standard', version: 1 });
  });

  it('shows a lapsed hold’s seats as available before any HoldExpired is written', () => {
    const state = stateFrom([held]);
    expect(seatMapView(state, t(0) + holdTtlMs - 1).seats['ORCH-B-3']?.status).toBe('held');
    const lapsed = seatMapView(state, t(0) + holdTtlMs);
    expect(lapsed.seats['ORCH-B-3']).toEqual({ status: 'available', priceTier: 'standard', version: 1 });
    expect(lapsed.seats['ORCH-B-4']?.status).toBe('available');
    expect(state.status[state.layout.seats.indexOf('ORCH-B-3')!]).toBe(1);
  });

  it('keeps reserved and sold seats as they are after the hold TTL', () => {
    const other = seatsHeld('h2', 'u2', ['ORCH-C-1'], t(0));
    const state = stateFrom([
      held,
      reserved(held, 'o1', t(10)),
      other,
      reserved(other, 'o2', t(10)),
      sold(other, 'o2', t(20)),
    ]);
    const view = seatMapView(state, t(0) + 10 * holdTtlMs);
    expect(view.seats['ORCH-B-3']?.status).toBe('reserved');
    expect(view.seats['ORCH-C-1']?.status).toBe('sold');
  });

  it('shows general admission as capacity and places available, lapsed holds given back', () => {
    const a = generalHeld('h1', 'u1', 3, t(0));
    const b = generalHeld('h2', 'u2', 2, t(30));
    const state = stateFrom([a, b]);
    expect(seatMapView(state, t(31)).general).toEqual({ FLOOR: { capacity: 10, available: 5, priceTier: 'ga' } });
    expect(seatMapView(state, t(0) + holdTtlMs).general.FLOOR?.available).toBe(8);
    expect(seatMapView(state, t(30) + holdTtlMs).general.FLOOR?.available).toBe(10);
    expect(generalAvailable(state, 'FLOOR', t(30) + holdTtlMs)).toBe(10);
  });

  it('counts reserved and sold places as gone', () => {
    const a = generalHeld('h1', 'u1', 3, t(0));
    const b = generalHeld('h2', 'u2', 4, t(0));
    const state = stateFrom([a, reserved(a, 'o1', t(1)), b, reserved(b, 'o2', t(1)), sold(b, 'o2', t(2))]);
    expect(seatMapView(state, t(0) + 10 * holdTtlMs).general.FLOOR?.available).toBe(3);
  });
});

describe('seatMapDiff', () => {
  /** Decides and applies a command, returning the batch's diff. */
  const commit = (state: InventoryState, command: InventoryCommand) => {
    const events = decide(command, state);
    evolveAll(state, events);
    return { events, diff: seatMapDiff(state, events, command.data.now) };
  };

  const applyDiff = (view: SeatMapView, diff: ReturnType<typeof seatMapDiff>): SeatMapView => {
    const seats = { ...view.seats };
    for (const change of diff.changes)
      seats[change.seatId] = { ...seats[change.seatId]!, status: change.status, version: change.version };
    const general = { ...view.general };
    for (const change of diff.general)
      general[change.sectionId] = { ...general[change.sectionId]!, available: change.available };
    return { ...view, seats, general };
  };

  it('lists exactly the seats a batch touched, with their committed status and version', () => {
    const state = stateFrom([]);
    const { diff } = commit(state, holdSeats('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(0)));
    expect(diff).toEqual({
      changes: [
        { seatId: 'ORCH-B-3', status: 'held', version: 1 },
        { seatId: 'ORCH-B-4', status: 'held', version: 1 },
      ],
      general: [],
    });
  });

  it('includes the seats of lazily expired holds, each seat once', () => {
    const state = stateFrom([
      seatsHeld('h1', 'u1', ['ORCH-B-3', 'ORCH-B-4'], t(0)),
      seatsHeld('h2', 'u2', ['ORCH-C-1'], t(1)),
    ]);
    const { events, diff } = commit(state, holdSeats('h3', 'u3', ['ORCH-B-4', 'ORCH-B-5'], t(1) + holdTtlMs));
    expect(events.map((event) => event.type)).toEqual(['HoldExpired', 'HoldExpired', 'HoldPlaced']);
    expect(diff.changes).toEqual([
      { seatId: 'ORCH-B-3', status: 'available', version: 2 },
      { seatId: 'ORCH-B-4', status: 'held', version: 3 },
      { seatId: 'ORCH-C-1', status: 'available', version: 2 },
      { seatId: 'ORCH-B-5', status: 'held', version: 1 },
    ]);
    expect(diff.general).toEqual([]);
  });

  it('lists general-admission sections with their committed places', () => {
    const state = stateFrom([]);
    expect(commit(state, holdGeneral('h1', 'u1', 3, t(0))).diff).toEqual({
      changes: [],
      general: [{ sectionId: 'FLOOR', available: 7 }],
    });
    expect(commit(state, releaseHold('h1', 'u1', t(5))).diff).toEqual({
      changes: [],
      general: [{ sectionId: 'FLOOR', available: 10 }],
    });
  });

  it('counts a lapsed general-admission hold as free, as the map does', () => {
    const state = stateFrom([]);
    commit(state, holdGeneral('h1', 'u1', 3, t(0)));
    commit(state, holdGeneral('h2', 'u2', 1, t(1)));
    // h1 has lapsed, nobody swept it yet, and a release of h2 touches FLOOR: the diff agrees with a read now.
    const now = t(0) + holdTtlMs;
    const { diff } = commit(state, releaseHold('h2', 'u2', now));
    expect(diff.general).toEqual([{ sectionId: 'FLOOR', available: 10 }]);
    expect(seatMapView(state, now).general.FLOOR!.available).toBe(10);
  });

  it('turns the map before a batch into the map after it', () => {
    const state = stateFrom([]);
    const commands: InventoryCommand[] = [
      holdSeats('h1', 'u1', ['ORCH-A-1', 'ORCH-A-2'], t(0)),
      holdGeneral('h2', 'u2', 4, t(1)),
      reserveHold('h1', 'o1', 'u1', t(2)),
      sellReservation('o1', t(3)),
      holdSeats('h3', 'u3', ['ORCH-A-3'], t(4)),
      releaseHold('h3', 'u3', t(5)),
      holdSeats('h4', 'u4', ['ORCH-A-3', 'ORCH-A-4'], t(1) + holdTtlMs),
    ];
    for (const command of commands) {
      const before = seatMapView(state, command.data.now);
      const { diff } = commit(state, command);
      const after = seatMapView(state, command.data.now);
      expect(applyDiff({ ...before, version: after.version }, diff)).toEqual(after);
    }
  });
});

describe('seat versions', () => {
  it('rise by one on every change of the seat and never otherwise', () => {
    const seat = 'ORCH-B-3';
    const versionOf = (events: InventoryEvent[]) => {
      const state = stateFrom(events);
      return state.seatVersion[state.layout.seats.indexOf(seat)!];
    };
    const first = seatsHeld('h1', 'u1', [seat], t(0));
    const second = seatsHeld('h2', 'u2', [seat, 'ORCH-B-4'], t(10));
    const third = seatsHeld('h3', 'u3', [seat], t(10) + holdTtlMs);
    const history: InventoryEvent[] = [
      first,
      generalHeld('h9', 'u9', 2, t(1)),
      released(first, t(5)),
      seatsHeld('h8', 'u8', ['ORCH-C-1'], t(6)),
      second,
      expired(second, t(10) + holdTtlMs),
      third,
      reserved(third, 'o3', t(11) + holdTtlMs),
      sold(third, 'o3', t(12) + holdTtlMs),
    ];
    const versions = history.map((_, i) => versionOf(history.slice(0, i + 1)));
    expect(versions).toEqual([1, 1, 2, 2, 3, 4, 5, 6, 7]);
    const state = stateFrom(history);
    expect(state.seatVersion[state.layout.seats.indexOf('ORCH-A-1')!]).toBe(0);
    expect(state.seatVersion[state.layout.seats.indexOf('ORCH-B-4')!]).toBe(2);
  });
});

describe('holdView', () => {
  it('shows a remembered hold with an ISO expiry', () => {
    expect(holdView({ kind: 'hold', holdId: 'h1', seatIds: ['ORCH-B-3'], quantity: 1, expiresAt: t(0) })).toEqual({
      holdId: 'h1',
      seatIds: ['ORCH-B-3'],
      quantity: 1,
      expiresAt: '2030-01-01T10:00:00.000Z',
    });
    expect(
      holdView({ kind: 'hold', holdId: 'h2', seatIds: [], sectionId: 'FLOOR', quantity: 2, expiresAt: t(0) }),
    ).toMatchObject({ sectionId: 'FLOOR' });
  });
});

describe('a buyer’s live holds (GET /v1/me/holds)', () => {
  const mine = seatsHeld('h1', 'u1', ['ORCH-A-1', 'ORCH-A-2'], t(0));
  const floor = generalHeld('h2', 'u1', 2, t(1));
  const theirs = seatsHeld('h3', 'u2', ['ORCH-B-1'], t(2));
  const gone = seatsHeld('h4', 'u1', ['ORCH-B-2'], t(3));
  const ordered = seatsHeld('h5', 'u1', ['ORCH-B-3'], t(4));
  const offer = waitlistHeld('h6', 'u1', ['ORCH-C-1'], t(5), 'w1');
  const history = [mine, floor, theirs, gone, released(gone, t(6)), ordered, reserved(ordered, 'o1', t(7)), offer];

  it('lists the buyer’s held holds (waitlist offers too) in the order placed, not others’, released or ordered ones', () => {
    const state = stateFrom(history);
    expect(liveHoldsOf(state, 'u1', t(8))).toEqual([
      {
        holdId: 'h1',
        seatIds: ['ORCH-A-1', 'ORCH-A-2'],
        quantity: 2,
        expiresAt: new Date(t(0) + holdTtlMs).toISOString(),
      },
      {
        holdId: 'h2',
        seatIds: [],
        sectionId: 'FLOOR',
        quantity: 2,
        expiresAt: new Date(t(1) + holdTtlMs).toISOString(),
      },
      { holdId: 'h6', seatIds: ['ORCH-C-1'], quantity: 1, expiresAt: new Date(t(5) + waitlistOfferMs).toISOString() },
    ]);
    expect(liveHoldsOf(state, 'u3', t(8))).toEqual([]);
  });

  it('leaves out a hold that lapsed, before any HoldExpired is written, and one that expired', () => {
    expect(liveHoldsOf(stateFrom(history), 'u1', t(1) + holdTtlMs).map((hold) => hold.holdId)).toEqual(['h6']);
    expect(liveHoldsOf(stateFrom([mine, expired(mine, t(0) + holdTtlMs)]), 'u1', t(0))).toEqual([]);
  });

  it('counts every buyer’s held holds, lapsed or not, across both expiry lanes', () => {
    expect(Object.fromEntries(heldHoldsByUser(stateFrom(history)))).toEqual({ u1: 3, u2: 1 });
  });
});

describe('lapsesBetween', () => {
  const first = seatsHeld('h1', 'u1', ['ORCH-A-1', 'ORCH-A-2'], t(0));
  const floor = generalHeld('h2', 'u2', 3, t(0));
  const later = seatsHeld('h3', 'u3', ['ORCH-B-1'], t(20));
  const paid = seatsHeld('h4', 'u4', ['ORCH-C-1'], t(5));
  const offer = waitlistHeld('h5', 'u5', ['ORCH-C-2'], t(5), 'w1');
  const state = stateFrom([first, floor, later, paid, reserved(paid, 'o1', t(10)), offer]);

  /** The map at `from` with the lapses in (from, to] applied to it, as a replay applies them. */
  const replayed = (from: number, to: number): SeatMapView => {
    const map = seatMapView(state, from);
    const seats = { ...map.seats };
    const general = { ...map.general };
    for (const lapse of lapsesBetween(state, from, to)) {
      for (const { seatId, status, version } of lapse.changes) seats[seatId] = { ...seats[seatId]!, status, version };
      for (const { sectionId, available } of lapse.general) general[sectionId] = { ...general[sectionId]!, available };
    }
    return { ...map, seats, general };
  };

  it('names each instant a held hold lapses, with its seats available and its places given back', () => {
    expect(lapsesBetween(state, t(0), t(0) + 10 * holdTtlMs)).toEqual([
      {
        at: t(0) + holdTtlMs,
        changes: [
          { seatId: 'ORCH-A-1', status: 'available', version: 1 },
          { seatId: 'ORCH-A-2', status: 'available', version: 1 },
        ],
        general: [{ sectionId: 'FLOOR', available: floorCapacity }],
      },
      { at: t(20) + holdTtlMs, changes: [{ seatId: 'ORCH-B-1', status: 'available', version: 1 }], general: [] },
    ]);
  });

  it('keeps to the interval: nothing at or before its start, everything up to and at its end', () => {
    const lapse = t(0) + holdTtlMs;
    expect(lapsesBetween(state, lapse, lapse + 1_000)).toEqual([]);
    expect(lapsesBetween(state, t(0), lapse).map((found) => found.at)).toEqual([lapse]);
    expect(lapsesBetween(state, t(0), lapse - 1)).toEqual([]);
  });

  it('applied to the map at one instant, gives the map at any later one (reserved seats and waitlist offers stay)', () => {
    for (const to of [t(1), t(0) + holdTtlMs - 1, t(0) + holdTtlMs, t(30) + holdTtlMs, t(0) + 100 * holdTtlMs])
      expect(replayed(t(0), to), new Date(to).toISOString()).toEqual(seatMapView(state, to));
    expect(replayed(t(0), t(0) + 100 * holdTtlMs).seats['ORCH-C-2']?.status).toBe('held');
    expect(replayed(t(0), t(0) + 100 * holdTtlMs).seats['ORCH-C-1']?.status).toBe('reserved');
  });
});
