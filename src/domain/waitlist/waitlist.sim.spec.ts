import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seatStatusCodes } from '../machines/seatTransitions.ts';
import { config, maxSeatsPerUser, T0, venue } from '../seatMap/inventoryFixture.ts';
import type { HoldRequest } from '../seatMap/views.ts';
import type { WaitlistRequest } from './commands.ts';
import { type EventCommand, handle } from './eventDecider.ts';
import { type EventState, type EventStreamEvent, evolveEvent, initialEventState } from './eventState.ts';
import { type EventSnapshot, fromEventSnapshot, toEventSnapshot } from './snapshot.ts';
import { type WaitlistEntry, type WaitlistPolicy, waitlistPolicyDefault } from './state.ts';
import { eventStateFrom, observableEvent, violations } from './waitlistFixture.ts';

/**
 * A seeded simulation of the waitlist beside the inventory: buyers hold, release, order, pay (or fail), get refunds,
 * join and leave the line, while time jumps and holds and offers lapse. After every command both deciders'
 * invariants hold, and a checker that replays the log on its own copy of the state, with naive re-implementations of
 * "fits" and "gathered", checks the waitlist's promises: nobody is offered twice, no offered seat is sold to someone
 * else, the line is served first and in order among entries that fit (the rule in react.ts), buyer limits hold, the
 * line is settled after every command, protected entries have gathered all they can, and a snapshot plus the rest of
 * the log equals the live state equals a replay from nothing.
 * Replay a failure with SIM_SEED=<seed> SIM_PATH=<fast-check's printed path> (SIM_DEBUG=1 prints every command and
 * its events); SIM_RUNS soaks.
 */
const seed = Number(process.env.SIM_SEED ?? 12);
const numRuns = Number(process.env.SIM_RUNS ?? 60);

// Enough buyers to sell the venue out (26 seats and 10 places, 4 per buyer), few enough to meet their limits.
const users = Array.from({ length: 14 }, (_, i) => `u${i}`);
const seatedRows = venue.sections.flatMap((section) =>
  section.kind === 'seated' ? section.rows.map((row) => ({ sectionId: section.id, seats: row.seats })) : [],
);
const allSeatIds = seatedRows.flatMap((row) => row.seats.map((seat) => seat.id));
const tierOfSeat = new Map(seatedRows.flatMap((row) => row.seats.map((seat) => [seat.id, seat.priceTier] as const)));
const floor = venue.sections.find((section) => section.kind === 'general')!;

const user = fc.nat(users.length - 1);
const lineAtSellOut: readonly WaitlistRequest[] = [
  { quantity: 1, together: false },
  { quantity: 2, together: true },
  { quantity: 4, sectionId: 'ORCH', together: true },
  { quantity: 2, sectionId: 'FLOOR', together: false },
];
/** Who takes what when the sale sells out: seats by id, or general-admission places. */
const sellOut: readonly (readonly string[] | number)[] = [
  ['ORCH-A-1', 'ORCH-A-2', 'ORCH-A-3', 'ORCH-A-4'],
  ['ORCH-B-1', 'ORCH-B-2', 'ORCH-B-3', 'ORCH-B-4'],
  ['ORCH-C-1', 'ORCH-C-2', 'ORCH-C-3', 'ORCH-C-4'],
  4,
  ['BALC-A-1', 'BALC-A-2'],
  ['ORCH-A-5', 'ORCH-A-6', 'ORCH-B-5', 'ORCH-B-6'],
  ['ORCH-C-5', 'ORCH-C-6', 'BALC-A-3', 'BALC-A-4'],
  4,
  2,
];
const section = fc.constantFrom(undefined, 'ORCH', 'BALC', 'FLOOR');
const tier = fc.constantFrom(undefined, undefined, 'premium', 'standard');
const step = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.oneof(
      fc.record({
        kind: fc.constant('holdSeats' as const),
        user,
        seats: fc.uniqueArray(fc.nat(allSeatIds.length - 1), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        kind: fc.constant('holdBest' as const),
        user,
        quantity: fc.integer({ min: 1, max: 4 }),
        section,
        tier,
      }),
      fc.record({
        kind: fc.constant('holdBest' as const),
        user,
        quantity: fc.integer({ min: 2, max: 4 }),
        section,
        tier,
      }),
    ),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), asOwner: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('order' as const), pick: fc.nat(), offer: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('pay' as const), pick: fc.nat(), succeeded: fc.nat(2).map((n) => n > 0) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'timeOutPayments' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'expire' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('join' as const),
      user,
      quantity: fc.integer({ min: 1, max: 4 }),
      section,
      tier,
      together: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Mostly short steps, so holds and offers overlap; sometimes long ones, so whole generations lapse.
      ms: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 20_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 200_000 }) },
      ),
    }),
  },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

// ——— The checker: naive versions of what the waitlist promises, over a copy of the state fed only by the log. ———

type SeatView = { status: number; gatherer: WaitlistEntry | undefined };

const seatOf = (state: EventState, seatId: string): SeatView => {
  const seat = state.inventory.layout.seats.indexOf(seatId)!;
  const entryId = state.waitlist.gathererOfSeat.get(seat);
  return {
    status: state.inventory.status[seat]!,
    gatherer: entryId === undefined ? undefined : state.waitlist.entries.get(entryId),
  };
};

/** A seat in a hold that lapsed and that any buyer may take at once (not a waitlist hold). */
const lazilyFree = (state: EventState, seatId: string, now: number): boolean => {
  const seat = state.inventory.layout.seats.indexOf(seatId)!;
  const hold = state.inventory.holds.get(state.inventory.holdOfSeat[seat]!);
  return hold !== undefined && hold.status === 'held' && hold.waitlistEntryId === undefined && hold.expiresAt <= now;
};

const liveSeatsOf = (state: EventState, userId: string, now: number): number => {
  let total = 0;
  for (const hold of state.inventory.holds.values())
    if (hold.userId === userId && !(hold.status === 'held' && hold.expiresAt <= now)) total += hold.quantity;
  return total;
};

const inScope = (request: WaitlistRequest, seatId: string, rowSection: string): boolean =>
  (request.sectionId === undefined || request.sectionId === rowSection) &&
  (request.priceTier === undefined || tierOfSeat.get(seatId) === request.priceTier);

/**
 * Does the entry fit now, naively: enough usable seats (available, gathered for it, or gathered for an entry behind
 * it; with `lazily`, also seats of lapsed holds), side by side in one row when asked, and room under the limit.
 * Without `lazily`, a lapsed hold not yet expired still counts against its buyer, as its seats still count as taken:
 * both come back together when the hold expires (the timer's sweep, or before the next hold or join).
 */
const naiveFits = (state: EventState, entry: WaitlistEntry, now: number, lazily: boolean): boolean => {
  const { request } = entry;
  const held = lazily
    ? liveSeatsOf(state, entry.userId, now)
    : liveSeatsOf(state, entry.userId, Number.NEGATIVE_INFINITY);
  if (held + request.quantity > maxSeatsPerUser) return false;
  const mayUse = (gatherer: WaitlistEntry | undefined) =>
    gatherer === entry || (gatherer !== undefined && gatherer.seq > entry.seq);
  if (request.sectionId === floor.id) {
    const counter = state.inventory.general.get(floor.id)!;
    let places = counter.capacity - counter.held - counter.reserved - counter.sold;
    for (const hold of state.inventory.holds.values()) {
      if (hold.sectionId !== floor.id || hold.seats.length > 0 || hold.status !== 'held') continue;
      const gatherer =
        hold.waitlistEntryId === undefined ? undefined : state.waitlist.entries.get(hold.waitlistEntryId);
      const gatheredFor = gatherer?.gathers.has(hold.holdId) ? gatherer : undefined;
      if (mayUse(gatheredFor) || (lazily && hold.waitlistEntryId === undefined && hold.expiresAt <= now))
        places += hold.quantity;
    }
    return places >= request.quantity;
  }
  const usable = (seatId: string) => {
    const seat = seatOf(state, seatId);
    return (
      seat.status === seatStatusCodes.available || mayUse(seat.gatherer) || (lazily && lazilyFree(state, seatId, now))
    );
  };
  let total = 0;
  for (const row of seatedRows) {
    let run = 0;
    for (const seat of row.seats) {
      const ok = inScope(request, seat.id, row.sectionId) && usable(seat.id);
      run = ok ? run + 1 : 0;
      if (ok) total += 1;
      if (request.together && run >= request.quantity) return true;
    }
  }
  return !request.together && total >= request.quantity;
};

const waitingEntries = (state: EventState) =>
  [...state.waitlist.line.values()].filter((entry) => entry.status === 'waiting');

/** A protected entry with room has gathered every seat it can (react.ts, rule 2). Returns what is wrong. */
const gatheringGaps = (state: EventState, policy: WaitlistPolicy): string[] => {
  const gaps: string[] = [];
  for (const entry of waitingEntries(state)) {
    const { request } = entry;
    if (entry.overtaken < policy.overtakesMax) continue;
    if (liveSeatsOf(state, entry.userId, Number.NEGATIVE_INFINITY) + request.quantity > maxSeatsPerUser) continue;
    if (request.sectionId === floor.id) {
      const counter = state.inventory.general.get(floor.id)!;
      if (counter.capacity - counter.held - counter.reserved - counter.sold > 0)
        gaps.push(`${entry.entryId}: free places left`);
      continue;
    }
    if (!request.together) {
      const left = allSeatIds.filter((seatId) => {
        const row = seatedRows.find((candidate) => candidate.seats.some((seat) => seat.id === seatId))!;
        return inScope(request, seatId, row.sectionId) && seatOf(state, seatId).status === seatStatusCodes.available;
      });
      if (left.length > 0) gaps.push(`${entry.entryId}: ${left.join(', ')} not gathered`);
      continue;
    }
    const gathered = new Set(
      [...entry.gathers.values()].flatMap((gather) =>
        gather.seats.map((seat) => state.inventory.layout.seats.id(seat)),
      ),
    );
    let containing = 0;
    for (const row of seatedRows) {
      for (let first = 0; first + request.quantity <= row.seats.length; first++) {
        const block = row.seats.slice(first, first + request.quantity).map((seat) => seat.id);
        const possible = block.every((seatId) => {
          const gatherer = seatOf(state, seatId).gatherer;
          return inScope(request, seatId, row.sectionId) && (gatherer === undefined || gatherer.seq >= entry.seq);
        });
        if (!possible || ![...gathered].every((seatId) => block.includes(seatId))) continue;
        containing += 1;
        const free = block.filter((seatId) => seatOf(state, seatId).status === seatStatusCodes.available);
        if (free.length > 0) gaps.push(`${entry.entryId}: ${free.join(', ')} of a block it could use not gathered`);
      }
    }
    if (gathered.size > 0 && containing === 0) gaps.push(`${entry.entryId}: its gathered seats fit no possible block`);
  }
  return gaps;
};

type Tally = Record<string, number>;

/** Follows the log on its own copy of the state and checks each event against what came before it. */
class Checker {
  readonly state: EventState;
  readonly offered = new Set<string>();
  /** Seat → the offer hold it is in, while that offer is live. */
  readonly offerOfSeat = new Map<string, string>();
  readonly gatheredFor = new Set<string>();

  constructor(
    private readonly policy: WaitlistPolicy,
    private readonly tally: Tally,
  ) {
    this.state = initialEventState(venue, config, policy);
  }

  follow(event: EventStreamEvent): void {
    const { state } = this;
    this.tally[event.type] = (this.tally[event.type] ?? 0) + 1;
    if (event.type === 'HoldPlaced') {
      const { holdId, waitlistEntryId, at } = event.data;
      const isOffer = waitlistEntryId !== undefined && holdId.endsWith('-offer');
      if (isOffer) {
        // FIFO among entries that fit: nobody waiting ahead of this entry fits what there is, just before its offer.
        const entry = state.waitlist.entries.get(waitlistEntryId)!;
        for (const ahead of waitingEntries(state)) {
          if (ahead.seq >= entry.seq) break;
          expect(naiveFits(state, ahead, at, false), `${ahead.entryId} fits but ${entry.entryId} was offered`).toBe(
            false,
          );
          this.tally.overtook = (this.tally.overtook ?? 0) + 1;
        }
        if (this.gatheredFor.has(entry.entryId))
          this.tally.offeredAfterGathering = (this.tally.offeredAfterGathering ?? 0) + 1;
      } else if (waitlistEntryId === undefined) {
        // The line first: a buyer's hold never takes seats while someone waiting fits what is free, even lazily.
        for (const entry of waitingEntries(state))
          expect(naiveFits(state, entry, at, true), `${entry.entryId} fits but ${event.data.userId} took seats`).toBe(
            false,
          );
      }
      for (const seatId of event.data.seatIds)
        expect(this.offerOfSeat.get(seatId), `${seatId} is offered, yet held again`).toBeUndefined();
      evolveEvent(state, event);
      expect(liveSeatsOf(state, event.data.userId, at), `${event.data.userId} over the limit`).toBeLessThanOrEqual(
        maxSeatsPerUser,
      );
      if (isOffer) for (const seatId of event.data.seatIds) this.offerOfSeat.set(seatId, holdId);
      return;
    }
    if (event.type === 'HoldReserved' || event.type === 'ReservationSold') {
      // No seat both offered and sold (or reserved) to someone else: only the offer's own hold may move on.
      for (const seatId of event.data.seatIds) {
        const offerHold = this.offerOfSeat.get(seatId);
        if (offerHold !== undefined)
          expect(event.data.holdId, `${seatId} offered, sold through another hold`).toBe(offerHold);
      }
      if (event.type === 'HoldReserved') for (const seatId of event.data.seatIds) this.offerOfSeat.delete(seatId);
    }
    if (event.type === 'HoldReleased' || event.type === 'HoldExpired')
      for (const seatId of event.data.seatIds)
        if (this.offerOfSeat.get(seatId) === event.data.holdId) this.offerOfSeat.delete(seatId);
    if (event.type === 'WaitlistOffered') {
      expect(this.offered.has(event.data.entryId), `${event.data.entryId} offered twice`).toBe(false);
      this.offered.add(event.data.entryId);
    }
    if (event.type === 'WaitlistSeatsGathered') this.gatheredFor.add(event.data.entryId);
    if (event.type === 'WaitlistGatherReleased' && state.waitlist.entries.get(event.data.entryId)?.status === 'waiting')
      this.tally.gatherGivenBack = (this.tally.gatherGivenBack ?? 0) + 1;
    evolveEvent(state, event);
  }

  /** After each command: settled (nobody waiting fits) and gathering complete. */
  settled(now: number): void {
    for (const entry of waitingEntries(this.state))
      expect(naiveFits(this.state, entry, now, false), `${entry.entryId} fits but waits`).toBe(false);
    expect(gatheringGaps(this.state, this.policy)).toEqual([]);
  }
}

// ——— The simulation. ———

type Run = { log: EventStreamEvent[]; state: EventState; snapshot: EventSnapshot | undefined; now: number };

const simulate = (steps: readonly Step[], policy: WaitlistPolicy, snapshotAtStep: number, tally: Tally): Run => {
  const state = initialEventState(venue, config, policy);
  const checker = new Checker(policy, tally);
  const log: EventStreamEvent[] = [];
  const holds: { holdId: string; userId: string }[] = [];
  const orders: string[] = [];
  const entries: { entryId: string; userId: string }[] = [];
  let now = T0;
  let snapshot: EventSnapshot | undefined;
  const recent = <T>(list: readonly T[], pick: number): T | undefined =>
    list[list.length - 1 - (pick % Math.max(1, list.length))];

  const run = (command: EventCommand, id: string, index: number): void => {
    const handled = handle(state, command);
    if (process.env.SIM_DEBUG)
      console.log(
        command.type,
        JSON.stringify(command.data),
        '→',
        handled.rejection?.code ?? '',
        handled.events
          .map(
            (e) =>
              `${e.type}(${'holdId' in e.data ? e.data.holdId : ''}${'entryId' in e.data ? ` ${e.data.entryId}` : ''}${'seatIds' in e.data ? ` ${e.data.seatIds.join(' ')}` : ''}${'quantity' in e.data ? ` q${e.data.quantity}` : ''})`,
          )
          .join(' '),
      );
    const outcome = handled.rejection?.code ?? `${command.type} ok`;
    tally[outcome] = (tally[outcome] ?? 0) + 1;
    if (handled.rejection === undefined && command.type === 'PlaceHold')
      holds.push({ holdId: command.data.holdId, userId: command.data.userId });
    if (handled.rejection === undefined && command.type === 'JoinWaitlist' && state.waitlist.entries.has(`e${id}`))
      entries.push({ entryId: `e${id}`, userId: command.data.userId });
    expect(violations(state), `after ${command.type} at step ${index}`).toEqual([]);
    for (const event of handled.events) checker.follow(event);
    checker.settled(now);
    log.push(...handled.events);
  };
  // The sale sells out first (a waitlist matters once it has): nine buyers take every seat and place, and the
  // first five pay, so some seats come back only through refunds and the rest as holds lapse or are released.
  sellOut.forEach((taken, i) => {
    const userId = users[i]!;
    const request: HoldRequest =
      typeof taken === 'number'
        ? { kind: 'general', sectionId: floor.id, quantity: taken }
        : { kind: 'seats', seatIds: taken };
    run({ type: 'PlaceHold', data: { holdId: `hs${i}`, userId, requestId: `rs${i}`, request, now } }, `s${i}`, -1);
    if (i >= 5) return;
    run(
      { type: 'PlaceOrder', data: { orderId: `os${i}`, holdId: `hs${i}`, userId, requestId: `ro${i}`, now } },
      `so${i}`,
      -1,
    );
    run(
      {
        type: 'RecordPaymentResult',
        data: { orderId: `os${i}`, outcome: 'succeeded', providerEventId: `ps${i}`, now },
      },
      `sp${i}`,
      -1,
    );
    orders.push(`os${i}`);
  });
  // And a line forms: a single seat, two together, four together in the orchestra, two places on the floor.
  lineAtSellOut.forEach((request, i) => {
    const userId = users[9 + i]!;
    run({ type: 'JoinWaitlist', data: { entryId: `es${i}`, userId, requestId: `rj${i}`, request, now } }, `j${i}`, -1);
  });
  steps.forEach((s, index) => {
    if (index === snapshotAtStep) snapshot = JSON.parse(JSON.stringify(toEventSnapshot(state))) as EventSnapshot;
    const id = `${index + 1}`;
    let command: EventCommand | undefined;
    switch (s.kind) {
      case 'advance':
        now += s.ms;
        return;
      case 'holdSeats':
      case 'holdBest': {
        const userId = users[s.user]!;
        const request: HoldRequest =
          s.kind === 'holdSeats'
            ? { kind: 'seats', seatIds: s.seats.map((seat) => allSeatIds[seat]!) }
            : s.section === 'FLOOR'
              ? { kind: 'general', sectionId: 'FLOOR', quantity: s.quantity }
              : {
                  kind: 'bestAvailable',
                  quantity: s.quantity,
                  ...(s.section === undefined ? {} : { sectionId: s.section }),
                  ...(s.tier === undefined ? {} : { priceTier: s.tier }),
                };
        command = { type: 'PlaceHold', data: { holdId: `h${id}`, userId, requestId: `r${id}`, request, now } };
        break;
      }
      case 'release': {
        // Offers and gathering holds are among the holds: buyers decline offers, and nobody may release gathered seats.
        const known = recent([...holds, ...offerHolds(state)], s.pick);
        if (known === undefined) return;
        const userId = s.asOwner > 0 ? known.userId : users[s.pick % users.length]!;
        command = { type: 'ReleaseHold', data: { holdId: known.holdId, userId, requestId: `r${id}`, now } };
        break;
      }
      case 'order': {
        const known = recent(s.offer ? offerHolds(state) : holds, s.pick);
        if (known === undefined) return;
        command = {
          type: 'PlaceOrder',
          data: { orderId: `o${id}`, holdId: known.holdId, userId: known.userId, requestId: `r${id}`, now },
        };
        orders.push(`o${id}`);
        break;
      }
      case 'pay': {
        const orderId = recent(orders, s.pick);
        if (orderId === undefined) return;
        command = {
          type: 'RecordPaymentResult',
          data: { orderId, outcome: s.succeeded ? 'succeeded' : 'failed', providerEventId: `p${id}`, now },
        };
        break;
      }
      case 'refund': {
        const orderId = recent(orders, s.pick);
        if (orderId === undefined) return;
        command = { type: 'RefundOrder', data: { orderId, reason: 'simulated', now } };
        break;
      }
      case 'timeOutPayments':
        command = { type: 'TimeOutPayments', data: { now } };
        break;
      case 'expire':
        command = { type: 'ExpireHolds', data: { now } };
        break;
      case 'join': {
        const userId = users[s.user]!;
        const request: WaitlistRequest = {
          quantity: s.quantity,
          ...(s.section === undefined ? {} : { sectionId: s.section }),
          ...(s.tier === undefined || s.section === 'FLOOR' ? {} : { priceTier: s.tier }),
          together: s.together,
        };
        command = { type: 'JoinWaitlist', data: { entryId: `e${id}`, userId, requestId: `r${id}`, request, now } };
        break;
      }
      case 'leave': {
        const known = recent(entries, s.pick);
        if (known === undefined) return;
        command = {
          type: 'LeaveWaitlist',
          data: { entryId: known.entryId, userId: known.userId, requestId: `r${id}`, now },
        };
        break;
      }
      default: {
        const _exhaustive: never = s;
        throw new Error(`unknown step ${JSON.stringify(_exhaustive)}`);
      }
    }
    run(command, id, index);
  });
  return { log, state, snapshot, now };
};

/** Live offer holds, with their buyers, so steps can order or decline them. */
const offerHolds = (state: EventState): { holdId: string; userId: string }[] =>
  [...state.waitlist.line.values()].flatMap((entry) =>
    entry.status === 'offered' ? [{ holdId: entry.offer!.holdId, userId: entry.userId }] : [],
  );

const policyArb = fc
  .constantFrom(0, 1, 3, 1_000)
  .map((overtakesMax): WaitlistPolicy => ({ ...waitlistPolicyDefault, overtakesMax }));

describe(`waitlist simulation (SIM_SEED=${seed})`, () => {
  it('keeps its promises under churn, and a snapshot plus the log equals the live state equals a replay', () => {
    console.log(`waitlist.sim seed ${seed} (replay with SIM_SEED=${seed})`);
    const tally: Tally = {};
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 120 }), policyArb, fc.nat(), (steps, policy, cut) => {
        const snapshotAtStep = cut % (steps.length + 1);
        const { log, state, snapshot, now } = simulate(steps, policy, snapshotAtStep, tally);
        const replayed = eventStateFrom(log, { policy });
        expect(observableEvent(replayed, now)).toEqual(observableEvent(state, now));
        const restored = fromEventSnapshot(venue, config, snapshot ?? toEventSnapshot(state), policy);
        expect(violations(restored)).toEqual([]);
        for (const event of log.slice(restored.inventory.version)) evolveEvent(restored, event);
        expect(observableEvent(restored, now)).toEqual(observableEvent(state, now));
      }),
      {
        seed,
        numRuns,
        ...(process.env.SIM_PATH === undefined ? {} : { path: process.env.SIM_PATH, endOnFailure: true }),
      },
    );
    console.log(`waitlist.sim tally ${JSON.stringify(tally)}`);
    // The generator is not vacuous: every kind of waitlist event, offers that overtook someone, offers after gathering,
    // gathered seats given back to the line, and the line first against buyers' holds all happened.
    for (const type of [
      'WaitlistJoined',
      'WaitlistLeft',
      'WaitlistOffered',
      'WaitlistOfferLapsed',
      'WaitlistOfferDeclined',
      'WaitlistFulfilled',
      'WaitlistSeatsGathered',
      'WaitlistGatherReleased',
      'SaleRefunded',
      'ReservationReleased',
      'overtook',
      'offeredAfterGathering',
      'gatherGivenBack',
      'SEATS_AVAILABLE',
      'WAITLIST_ALREADY_JOINED',
    ])
      expect(tally[type] ?? 0, type).toBeGreaterThan(0);
  }, 120_000);
});
