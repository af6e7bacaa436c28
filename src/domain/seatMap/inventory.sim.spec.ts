import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BookingErrorCode, isBookingError } from '../bookingError.ts';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import { type InventoryEvent, isSeatEvent, type SeatEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { inventoryViolations } from './invariants.ts';
import {
  config,
  floorCapacity,
  holdTtlMs,
  maxSeatsPerUser,
  observable,
  paymentTimeoutMs,
  placeHold,
  seatIdsOf,
  stateFrom,
  T0,
  venue,
} from './inventoryFixture.ts';
import { seatMapView } from './read.ts';
import { fromSnapshot, type InventorySnapshot, toSnapshot } from './snapshot.ts';
import { initialState } from './state.ts';
import type { HoldRequest, SeatStatusName } from './views.ts';

/**
 * A seeded simulation of the inventory: random buyers place, release, reserve, sell and lose holds while a
 * simulated clock jumps forward. Beside the real state it keeps a naive model (holds by id, seats as strings)
 * fed only by the emitted events, and it predicts every answer from the model before the decider gives it.
 * Replay a failure with SIM_SEED=<seed> (and fast-check's printed path).
 */
const seed = Number(process.env.SIM_SEED ?? 42);
const numRuns = Number(process.env.SIM_RUNS ?? 200);

const users = Array.from({ length: 8 }, (_, i) => `u${i}`);
const allSeatIds = seatIdsOf();
const rows = venue.sections.flatMap((section) =>
  section.kind === 'seated' ? section.rows.map((row) => ({ sectionId: section.id, seats: row.seats })) : [],
);
const tierOfSeat = new Map(rows.flatMap((row) => row.seats.map((seat) => [seat.id, seat.priceTier] as const)));

type HoldIntent =
  | { kind: 'seats'; user: number; seats: number[] }
  | { kind: 'general'; user: number; quantity: number }
  | { kind: 'best'; user: number; quantity: number; sectionId: string | undefined; priceTier: string | undefined };
type Intent =
  | HoldIntent
  /** A hold that replaces a hold (a basket that changes): the picked hold's buyer, or another one. */
  | { kind: 'replace'; pick: number; asOwner: boolean; with: HoldIntent }
  | { kind: 'release'; pick: number; asOwner: boolean }
  | { kind: 'expire' }
  | { kind: 'reserve'; pick: number; asOwner: boolean }
  | { kind: 'sell'; pick: number }
  | { kind: 'releaseReservation'; pick: number; reason: 'payment_failed' | 'payment_timed_out' | 'cancelled' }
  | { kind: 'advance'; ms: number };

const user = fc.integer({ min: 0, max: users.length - 1 });
const seatsArb = fc.record({
  kind: fc.constant('seats' as const),
  user,
  seats: fc.uniqueArray(fc.integer({ min: 0, max: allSeatIds.length - 1 }), { minLength: 1, maxLength: 3 }),
});
const generalArb = fc.record({
  kind: fc.constant('general' as const),
  user,
  quantity: fc.integer({ min: 1, max: 5 }),
});
const bestArb = fc.record({
  kind: fc.constant('best' as const),
  user,
  quantity: fc.integer({ min: 1, max: 5 }),
  sectionId: fc.constantFrom(undefined, 'ORCH', 'BALC', 'FLOOR'),
  priceTier: fc.constantFrom(undefined, 'premium', 'standard'),
});
const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 5, arbitrary: seatsArb },
  { weight: 2, arbitrary: generalArb },
  { weight: 3, arbitrary: bestArb },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      pick: fc.nat(),
      asOwner: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      with: fc.oneof(seatsArb, generalArb, bestArb),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('release' as const),
      pick: fc.nat(),
      asOwner: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reserve' as const), pick: fc.nat(), asOwner: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sell' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('releaseReservation' as const),
      pick: fc.nat(),
      reason: fc.constantFrom('payment_failed' as const, 'payment_timed_out' as const, 'cancelled' as const),
    }),
  },
  // Mostly short steps so holds overlap, sometimes long ones so whole generations lapse.
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 90_000 }), fc.integer({ min: 0, max: 600_000 })),
    }),
  },
);

type ModelHold = {
  holdId: string;
  userId: string;
  seats: readonly string[];
  /** General-admission places; 0 for seated holds. */
  places: number;
  quantity: number;
  expiresAt: number;
  status: 'held' | 'reserved' | 'sold';
  orderId: string | undefined;
};

/** The naive model: what the events say, in the plainest data, with the invariants asserted as it goes. */
class Model {
  readonly holds = new Map<string, ModelHold>();
  readonly soldSeats = new Set<string>();

  lapsed(hold: ModelHold, now: number): boolean {
    return hold.status === 'held' && hold.expiresAt <= now;
  }

  holderOf(seatId: string): ModelHold | undefined {
    for (const hold of this.holds.values()) if (hold.seats.includes(seatId)) return hold;
    return undefined;
  }

  /** Free at `now`: in no hold, or only in a lapsed one. */
  isFree(seatId: string, now: number): boolean {
    const holder = this.holderOf(seatId);
    return holder === undefined || this.lapsed(holder, now);
  }

  liveSeatsOf(userId: string, now: number): number {
    let total = 0;
    for (const hold of this.holds.values())
      if (hold.userId === userId && !this.lapsed(hold, now)) total += hold.quantity;
    return total;
  }

  floorAvailable(now: number): number {
    let taken = 0;
    for (const hold of this.holds.values()) if (!this.lapsed(hold, now)) taken += hold.places;
    return floorCapacity - taken;
  }

  /** The model as a hold that replaces `holdId` sees it: that hold's seats and places free, the rest as they are. */
  without(holdId: string): Model {
    const copy = new Model();
    for (const [id, hold] of this.holds) if (id !== holdId) copy.holds.set(id, hold);
    for (const seatId of this.soldSeats) copy.soldSeats.add(seatId);
    return copy;
  }

  orderOf(orderId: string): ModelHold | undefined {
    for (const hold of this.holds.values()) if (hold.orderId === orderId) return hold;
    return undefined;
  }

  apply(event: InventoryEvent): void {
    // This model follows seats; order, payment and ticket events are checked by orders.sim.spec.ts.
    if (!isSeatEvent(event)) return;
    const { data } = event;
    if (event.type === 'HoldPlaced') {
      expect(this.holds.has(data.holdId)).toBe(false);
      for (const seatId of data.seatIds) {
        expect(this.soldSeats.has(seatId), `sold seat ${seatId} held again`).toBe(false);
        // Lapsed holds are expired by earlier events of the same batch, so no hold may still name the seat.
        expect(this.holderOf(seatId), `seat ${seatId} in two holds`).toBeUndefined();
      }
      const places = data.seatIds.length === 0 ? data.quantity : 0;
      this.holds.set(data.holdId, {
        holdId: data.holdId,
        userId: data.userId,
        seats: data.seatIds,
        places,
        quantity: data.quantity,
        expiresAt: event.data.expiresAt,
        status: 'held',
        orderId: undefined,
      });
      expect(this.floorAvailable(data.at)).toBeGreaterThanOrEqual(0);
      expect(this.liveSeatsOf(data.userId, data.at)).toBeLessThanOrEqual(maxSeatsPerUser);
      return;
    }
    const hold = this.holds.get(data.holdId);
    expect(hold, `${event.type} names unknown hold ${data.holdId}`).toBeDefined();
    if (hold === undefined) return;
    switch (event.type) {
      case 'HoldExpired':
        expect(hold.status).toBe('held');
        expect(hold.expiresAt).toBeLessThanOrEqual(data.at);
        this.holds.delete(hold.holdId);
        return;
      case 'HoldReleased':
        expect(hold.status).toBe('held');
        expect(hold.expiresAt).toBeGreaterThan(data.at);
        this.holds.delete(hold.holdId);
        return;
      case 'HoldReserved':
        expect(hold.status).toBe('held');
        expect(hold.expiresAt).toBeGreaterThan(data.at);
        expect(event.data.reservedUntil).toBe(data.at + paymentTimeoutMs);
        hold.status = 'reserved';
        hold.orderId = event.data.orderId;
        return;
      case 'ReservationSold':
        expect(hold.status).toBe('reserved');
        for (const seatId of hold.seats) {
          expect(this.soldSeats.has(seatId), `seat ${seatId} sold twice`).toBe(false);
          this.soldSeats.add(seatId);
        }
        hold.status = 'sold';
        return;
      case 'ReservationReleased':
        expect(hold.status).toBe('reserved');
        this.holds.delete(hold.holdId);
        return;
      case 'SaleRefunded':
        expect(hold.status).toBe('sold');
        for (const seatId of hold.seats) this.soldSeats.delete(seatId);
        this.holds.delete(hold.holdId);
        return;
      default: {
        const _exhaustive: never = event;
        throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
      }
    }
  }

  /** The committed status of each seat, as the events left it (lapsed holds still count as held). */
  committedStatus(seatId: string): SeatStatusName {
    return this.holderOf(seatId)?.status ?? 'available';
  }
}

type Expected = 'ok' | BookingErrorCode;

/** Blocks of `quantity` free matching seats, per row in venue order, that best available may choose from. */
const candidateRows = (
  model: Model,
  now: number,
  quantity: number,
  sectionId: string | undefined,
  priceTier: string | undefined,
) => {
  const matching = (seatId: string) => priceTier === undefined || tierOfSeat.get(seatId) === priceTier;
  const inScope = rows.filter((row) => sectionId === undefined || row.sectionId === sectionId);
  const anyFree = inScope.some((row) => row.seats.some((seat) => matching(seat.id) && model.isFree(seat.id, now)));
  const blocks = inScope.map((row) => {
    const ids = row.seats.map((seat) => seat.id);
    const starts: number[] = [];
    for (let first = 0; first + quantity <= ids.length; first++) {
      if (ids.slice(first, first + quantity).every((id) => matching(id) && model.isFree(id, now))) starts.push(first);
    }
    return { ids, starts };
  });
  return { anyFree, blocks };
};

const expectedForPlaceHold = (model: Model, userId: string, request: HoldRequest, now: number): Expected => {
  const overLimit = (quantity: number) => model.liveSeatsOf(userId, now) + quantity > maxSeatsPerUser;
  if (request.kind === 'seats') {
    if (request.seatIds.length > maxSeatsPerUser) return 'HOLD_LIMIT';
    // Seats whose only holder has lapsed are free: a lapsed hold never blocks.
    if (!request.seatIds.every((seatId) => model.isFree(seatId, now))) return 'SEAT_UNAVAILABLE';
    return overLimit(request.seatIds.length) ? 'HOLD_LIMIT' : 'ok';
  }
  if (request.quantity > maxSeatsPerUser) return 'HOLD_LIMIT';
  if (request.sectionId === 'FLOOR') {
    // The floor sells one tier; best available there with another tier asks for something it does not have.
    if (request.kind === 'bestAvailable' && request.priceTier !== undefined && request.priceTier !== 'ga')
      return 'NOT_FOUND';
    const available = model.floorAvailable(now);
    if (available === 0) return 'SOLD_OUT';
    if (available < request.quantity) return 'SEAT_UNAVAILABLE';
    return overLimit(request.quantity) ? 'HOLD_LIMIT' : 'ok';
  }
  if (request.kind === 'general') return 'INVALID_INPUT';
  const { anyFree, blocks } = candidateRows(model, now, request.quantity, request.sectionId, request.priceTier);
  if (blocks.every((row) => row.starts.length === 0)) return anyFree ? 'SEAT_UNAVAILABLE' : 'SOLD_OUT';
  return overLimit(request.quantity) ? 'HOLD_LIMIT' : 'ok';
};

/** A best-available hold took a block in the front-most row that has one, nearest that row's centre. */
const checkBestAvailableChoice = (
  model: Model,
  request: Extract<HoldRequest, { kind: 'bestAvailable' }>,
  seatIds: readonly string[],
  now: number,
): void => {
  const { blocks } = candidateRows(model, now, request.quantity, request.sectionId, request.priceTier);
  const row = blocks.find((candidate) => candidate.starts.length > 0)!;
  const first = row.ids.indexOf(seatIds[0]!);
  expect(seatIds).toEqual(row.ids.slice(first, first + request.quantity));
  expect(row.starts).toContain(first);
  const centre = (row.ids.length - 1) / 2;
  const distance = (start: number) => Math.abs(start + (request.quantity - 1) / 2 - centre);
  expect(distance(first)).toBe(Math.min(...row.starts.map(distance)));
};

const requestOf = (intent: HoldIntent): HoldRequest =>
  intent.kind === 'seats'
    ? { kind: 'seats', seatIds: intent.seats.map((seat) => allSeatIds[seat]!) }
    : intent.kind === 'general'
      ? { kind: 'general', sectionId: 'FLOOR', quantity: intent.quantity }
      : {
          kind: 'bestAvailable',
          quantity: intent.quantity,
          ...(intent.sectionId === undefined ? {} : { sectionId: intent.sectionId }),
          ...(intent.priceTier === undefined ? {} : { priceTier: intent.priceTier }),
        };

type Run = {
  log: InventoryEvent[];
  codes: Set<Expected>;
  snapshotJson: string | undefined;
  now: number;
  /** Holds placed in place of another (PlaceHold with replacesHoldId) that were granted. */
  replacements: number;
};

/** Runs the intents against the decider, checking every answer and every state on the way. */
const simulate = (intents: readonly Intent[], snapshotAtStep: number): Run => {
  const state = initialState(venue, config);
  const model = new Model();
  const log: InventoryEvent[] = [];
  const holdIds: { holdId: string; userId: string }[] = [];
  const orderIds: string[] = [];
  const codes = new Set<Expected>();
  let now = T0;
  let snapshotJson: string | undefined;
  let counter = 0;
  const replaced = { count: 0 };

  intents.forEach((intent, step) => {
    if (step === snapshotAtStep) snapshotJson = JSON.stringify(toSnapshot(state));
    counter += 1;
    let command: InventoryCommand | undefined;
    let expected: Expected | undefined;
    let expectedEvents: ((events: SeatEvent[]) => void) | undefined;
    const pickHold = (pick: number, asOwner: boolean) => {
      const known = holdIds[pick % (holdIds.length + 1)];
      if (known === undefined)
        return { holdId: `unknown-${counter}`, userId: users[pick % users.length]!, hold: undefined };
      const ownerIndex = users.indexOf(known.userId);
      const userId = asOwner ? known.userId : users[(ownerIndex + 1 + (pick % (users.length - 1))) % users.length]!;
      return { holdId: known.holdId, userId, hold: model.holds.get(known.holdId) };
    };
    const pickOrder = (pick: number) => orderIds[pick % (orderIds.length + 1)] ?? `unknown-order-${counter}`;

    switch (intent.kind) {
      case 'advance':
        now += intent.ms;
        break;
      case 'seats':
      case 'general':
      case 'best': {
        const userId = users[intent.user]!;
        const request = requestOf(intent);
        const holdId = `h${counter}`;
        command = placeHold(holdId, userId, request, now, `req-${counter}`);
        expected = expectedForPlaceHold(model, userId, request, now);
        expectedEvents = (events) => {
          const placed = events.at(-1)!;
          expect(placed.type).toBe('HoldPlaced');
          // Lazy expiry writes exactly the lapsed holds first, and nothing live.
          const lapsed = [...model.holds.values()].filter((hold) => model.lapsed(hold, now)).map((hold) => hold.holdId);
          expect(
            events
              .slice(0, -1)
              .map((event) => `${event.type}:${event.data.holdId}`)
              .sort(),
          ).toEqual(lapsed.map((id) => `HoldExpired:${id}`).sort());
          if (request.kind === 'seats') expect(placed.data.seatIds).toEqual(request.seatIds);
          if (request.kind === 'bestAvailable' && request.sectionId !== 'FLOOR')
            checkBestAvailableChoice(model, request, placed.data.seatIds, now);
          holdIds.push({ holdId, userId });
        };
        break;
      }
      case 'replace': {
        const { holdId: replacedId, userId, hold } = pickHold(intent.pick, intent.asOwner);
        const request = requestOf(intent.with);
        const holdId = `h${counter}`;
        command = {
          type: 'PlaceHold',
          data: { holdId, userId, requestId: `req-${counter}`, request, now, replacesHoldId: replacedId },
        };
        // Seen by the new hold, the replaced one is gone: its seats free, its seats out of the buyer's count.
        const seen = model.without(replacedId);
        if (hold === undefined) expected = 'HOLD_NOT_FOUND';
        else if (hold.userId !== userId) expected = 'FORBIDDEN';
        else if (hold.status !== 'held') expected = 'ORDER_STATE';
        else if (model.lapsed(hold, now)) expected = 'HOLD_EXPIRED';
        else expected = expectedForPlaceHold(seen, userId, request, now);
        expectedEvents = (events) => {
          expect(events.at(-1)?.type).toBe('HoldPlaced');
          expect(events.at(-2)).toMatchObject({
            type: 'HoldReleased',
            data: { holdId: replacedId, replacedBy: holdId },
          });
          const lapsed = [...model.holds.values()].filter((held) => model.lapsed(held, now)).map((held) => held.holdId);
          expect(
            events
              .slice(0, -2)
              .map((event) => `${event.type}:${event.data.holdId}`)
              .sort(),
          ).toEqual(lapsed.map((id) => `HoldExpired:${id}`).sort());
          const placed = events.at(-1)!;
          if (request.kind === 'seats') expect(placed.data.seatIds).toEqual(request.seatIds);
          if (request.kind === 'bestAvailable' && request.sectionId !== 'FLOOR')
            checkBestAvailableChoice(seen, request, placed.data.seatIds, now);
          holdIds.push({ holdId, userId });
          replaced.count += 1;
        };
        break;
      }
      case 'release': {
        const { holdId, userId, hold } = pickHold(intent.pick, intent.asOwner);
        command = { type: 'ReleaseHold', data: { holdId, userId, requestId: `req-${counter}`, now } };
        if (hold === undefined) expected = 'HOLD_NOT_FOUND';
        else if (hold.userId !== userId) expected = 'FORBIDDEN';
        else if (hold.status !== 'held') expected = 'ORDER_STATE';
        else expected = 'ok';
        expectedEvents = (events) =>
          expect(events.map((event) => event.type)).toEqual([
            hold !== undefined && model.lapsed(hold, now) ? 'HoldExpired' : 'HoldReleased',
          ]);
        break;
      }
      case 'expire': {
        command = { type: 'ExpireHolds', data: { now } };
        expected = 'ok';
        expectedEvents = (events) => {
          const lapsed = [...model.holds.values()]
            .filter((hold) => model.lapsed(hold, now))
            .map((hold) => `HoldExpired:${hold.holdId}`);
          expect(events.map((event) => `${event.type}:${event.data.holdId}`).sort()).toEqual(lapsed.sort());
        };
        break;
      }
      case 'reserve': {
        const { holdId, userId, hold } = pickHold(intent.pick, intent.asOwner);
        const orderId = `o${counter}`;
        command = { type: 'ReserveHold', data: { holdId, orderId, userId, requestId: `req-${counter}`, now } };
        if (hold === undefined) expected = 'HOLD_NOT_FOUND';
        else if (hold.userId !== userId) expected = 'FORBIDDEN';
        else if (hold.status !== 'held') expected = 'ORDER_STATE';
        else if (model.lapsed(hold, now)) expected = 'HOLD_EXPIRED';
        else expected = 'ok';
        expectedEvents = () => orderIds.push(orderId);
        break;
      }
      case 'sell':
      case 'releaseReservation': {
        const orderId = pickOrder(intent.pick);
        command =
          intent.kind === 'sell'
            ? { type: 'SellReservation', data: { orderId, now } }
            : { type: 'ReleaseReservation', data: { orderId, reason: intent.reason, now } };
        const hold = model.orderOf(orderId);
        expected = hold === undefined ? 'ORDER_NOT_FOUND' : hold.status !== 'reserved' ? 'ORDER_STATE' : 'ok';
        break;
      }
      default: {
        const _exhaustive: never = intent;
        throw new Error(`unknown intent ${JSON.stringify(_exhaustive)}`);
      }
    }

    if (command !== undefined) {
      let events: InventoryEvent[] | undefined;
      let code: Expected = 'ok';
      try {
        events = decide(command, state);
      } catch (error) {
        if (!isBookingError(error)) throw error;
        code = error.code;
      }
      expect(code, `step ${step}: ${JSON.stringify(command)}`).toBe(expected);
      codes.add(code);
      if (events !== undefined) {
        expectedEvents?.(events.filter(isSeatEvent));
        for (const event of events) {
          model.apply(event);
          evolve(state, event);
          log.push(event);
        }
      }
    }
    checkState(state, model, now);
  });
  expect(state.version).toBe(log.length);
  expect(observable(stateFrom(log), now), 'replaying the log rebuilds the state').toEqual(observable(state, now));
  return { log, codes, snapshotJson, now, replacements: replaced.count };
};

/** The invariants, checked against the state after every step. */
const checkState = (state: ReturnType<typeof initialState>, model: Model, now: number): void => {
  expect(inventoryViolations(state)).toEqual([]);
  const view = seatMapView(state, now);
  const counts = { available: 0, held: 0, reserved: 0, sold: 0 };
  for (const seatId of allSeatIds) {
    const seat = state.layout.seats.indexOf(seatId)!;
    // Exactly one state per seat, and the one the events put it in.
    const committed = model.committedStatus(seatId);
    expect(['available', 'held', 'reserved', 'sold'][state.status[seat]!], seatId).toBe(committed);
    counts[committed] += 1;
    const holder = model.holderOf(seatId);
    expect(view.seats[seatId]?.status).toBe(
      holder !== undefined && model.lapsed(holder, now) ? 'available' : committed,
    );
    if (model.soldSeats.has(seatId)) expect(committed).toBe('sold');
  }
  expect(counts.available + counts.held + counts.reserved + counts.sold).toBe(allSeatIds.length);
  expect([...state.counts]).toEqual([counts.available, counts.held, counts.reserved, counts.sold]);
  const floor = state.general.get('FLOOR')!;
  const places = (status: ModelHold['status']) =>
    [...model.holds.values()].filter((hold) => hold.status === status).reduce((sum, hold) => sum + hold.places, 0);
  expect({ held: floor.held, reserved: floor.reserved, sold: floor.sold }).toEqual({
    held: places('held'),
    reserved: places('reserved'),
    sold: places('sold'),
  });
  expect(view.general.FLOOR?.available).toBe(model.floorAvailable(now));
  for (const userId of users) expect(model.liveSeatsOf(userId, now)).toBeLessThanOrEqual(maxSeatsPerUser);
  expect(state.holds.size).toBe(model.holds.size);
};

describe(`inventory simulation (SIM_SEED=${seed})`, () => {
  it('keeps every invariant, predicts every answer, and rebuilds from the log and from a snapshot', () => {
    fc.assert(
      fc.property(fc.array(intentArb, { minLength: 1, maxLength: 80 }), fc.nat(), (intents, cut) => {
        const snapshotAtStep = cut % (intents.length + 1);
        const { log, snapshotJson, now } = simulate(intents, snapshotAtStep);
        const full = stateFrom(log);
        // A snapshot taken before the step at `snapshotAtStep`, then the rest of the log, gives the same state.
        const snapshot = (
          snapshotJson === undefined ? toSnapshot(full) : JSON.parse(snapshotJson)
        ) as InventorySnapshot;
        const restored = fromSnapshot(venue, config, JSON.parse(JSON.stringify(snapshot)) as InventorySnapshot);
        expect(inventoryViolations(restored)).toEqual([]);
        for (const event of log.slice(snapshot.version)) evolve(restored, event);
        expect(inventoryViolations(restored)).toEqual([]);
        expect(observable(restored, now)).toEqual(observable(full, now));
      }),
      { seed, numRuns },
    );
    // About a second at the default 200 runs; the timeout leaves room for SIM_RUNS soaks.
  }, 120_000);

  it('reaches every event and every refusal (the generator is not vacuous)', () => {
    // Guards the simulation itself: with this seed the runs must expire, sell and release, and hit each refusal.
    const seen = new Set<string>();
    const refusals = new Set<Expected>();
    let replacements = 0;
    fc.assert(
      fc.property(fc.array(intentArb, { minLength: 20, maxLength: 80 }), (intents) => {
        const run = simulate(intents, -1);
        for (const event of run.log) seen.add(event.type);
        for (const code of run.codes) refusals.add(code);
        replacements += run.replacements;
        return true;
      }),
      { seed, numRuns: 50 },
    );
    expect(replacements).toBeGreaterThan(10);
    expect([...seen].sort()).toEqual([
      'HoldExpired',
      'HoldPlaced',
      'HoldReleased',
      'HoldReserved',
      'ReservationReleased',
      'ReservationSold',
    ]);
    expect([...refusals].sort()).toEqual(
      [
        'FORBIDDEN',
        'HOLD_EXPIRED',
        'HOLD_LIMIT',
        'HOLD_NOT_FOUND',
        'NOT_FOUND',
        'ORDER_NOT_FOUND',
        'ORDER_STATE',
        'SEAT_UNAVAILABLE',
        'SOLD_OUT',
        'ok',
      ].sort(),
    );
    expect(holdTtlMs).toBe(60_000);
  });
});
