import { isBookingError } from '../../../src/domain/bookingError.ts';
import type { HoldRequest, HoldView, SeatMapDiff } from '../../../src/domain/seatMap/views.ts';
import type { EventState, WaitlistRequest } from '../../../src/domain/waitlist/index.ts';
import { openInMemoryStore } from '../../../src/persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../../../src/platform/clock.ts';
import { type BookingCore, createBookingCore } from '../../../src/services/bookingCore.ts';
import { createOrderReads } from '../../../src/services/orders/orderReads.ts';
import { createPaymentSaga, type PaymentSaga } from '../../../src/services/orders/paymentSaga.ts';
import { createWaitlistService, type WaitlistService } from '../../../src/services/waitlistService.ts';
import { eventFor, gridVenue } from '../venues.ts';
import { checkHistory } from './checker.ts';
import { type Rng, seededRng } from './random.ts';
import { SimProvider, simMethods } from './simProvider.ts';
import { type Incarnation, noFaults, SimStore, type StoreFaults, type StoreMutation } from './simStore.ts';

export const simEventId = 'evt_sim';
export const simStreamId = `event-${simEventId}`;
/** A small hall so buyers collide: 2 rows of 4 seats and a floor of 6. */
const venue = gridVenue('ven_sim', 2, 4, 6);
const seatIds = venue.sections.flatMap((section) =>
  section.kind === 'seated' ? section.rows.flatMap((row) => row.seats.map((seat) => seat.id)) : [],
);
const buyers = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];

/** A request a buyer made, and what came back: the history the checker reads. */
export type Attempt = {
  readonly n: number;
  readonly at: number;
  readonly incarnation: number;
  readonly buyer: string;
  readonly kind: 'hold' | 'release' | 'order' | 'pay' | 'look' | 'join' | 'leave';
  readonly requestId: string;
  /**
   * The hold request, the hold id (release, order), the order id and payment method (pay), nothing (look), the
   * waitlist request (join), the entry id (leave).
   */
  readonly input: unknown;
  /** Unset while no answer came (the process may have died with it). */
  outcome?: { ok: true; value: unknown } | { ok: false; code: string };
};

type Process = Incarnation & { core: BookingCore; orders: PaymentSaga; waitlist: WaitlistService };

/** A waitlist offer as a committed batch announced it: the buyer may order its hold. */
export type AnnouncedOffer = Readonly<{ userId: string; entryId: string; holdId: string; at: number }>;

export type SimOptions = Readonly<{
  seed: number;
  steps?: number;
  mutation?: StoreMutation;
  /** Prints every step (SIM_DEBUG). */
  debug?: boolean;
}>;

export type SimResult = Readonly<{
  violations: string[];
  trace: string[];
  stats: Record<string, number>;
}>;

/**
 * A request unanswered this long while its process lives is hung: every store call answers within 3 s, an append
 * within its deadline, and a reload gives up after 8 attempts (about 20 s of backoff, 10 s each at most).
 */
const hangMs = 120_000;

const faultsOn: StoreFaults = { failRate: 0.04, ambiguousRate: 0.03, stallRate: 0.04 };

/**
 * The whole actor under a seeded schedule: buyers hold, release, order, pay and retry through the booking and order
 * services; the store fails, stalls, reorders and loses answers; the process crashes and restarts; the clock moves
 * only when the schedule says. Every completion happens at a clock instant, and between instants everything runnable
 * runs, so the seed alone decides the run. At the end the faults stop, the server restarts once more, and the clock
 * runs on until every payment has settled; then the checker reads the whole history against the durable log and the
 * provider's ledger.
 */
export const runSimulation = async (options: SimOptions): Promise<SimResult> => {
  const rng: Rng = seededRng(options.seed);
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 18));
  const store = new SimStore(clock, rng, { ...faultsOn }, options.mutation);
  const provider = new SimProvider(clock, rng);
  const catalog = openInMemoryStore().catalog;
  await catalog.createVenue(venue);
  await catalog.createEvent(
    eventFor(venue, { id: simEventId, holdTtlSeconds: 60, paymentTimeoutSeconds: 600, waitlistOfferSeconds: 90 }),
  );
  const trace: string[] = [];
  const note = (line: string) => {
    const entry = `${new Date(clock.now()).toISOString().slice(11, 23)} ${line}`;
    trace.push(entry);
    if (options.debug) console.log(entry);
  };
  const attempts: Attempt[] = [];
  /** Every seat-map diff announced to subscribers, whichever process announced it. */
  const diffs: SeatMapDiff[] = [];
  /** Every waitlist offer announced (pushed) after its batch committed. */
  const offers: AnnouncedOffer[] = [];
  const stats = { crashes: 0, outages: 0, steps: 0 };
  let incarnations = 0;
  // Per seed: small batches and mailboxes (more batches in the pipeline, some requests refused as busy), and an
  // append deadline that stalls cross more or less often.
  const snapshotEveryEvents = rng.int(2, 20);
  const batchSizeMax = rng.int(1, 8);
  const mailboxLengthMax = rng.int(4, 64);
  const appendTimeoutMs = rng.int(200, 1_000);
  let process: Process | undefined;

  const start = (): Process => {
    const incarnation: Incarnation = { id: ++incarnations, alive: true };
    // Timers die with their process.
    const processClock = {
      now: () => clock.now(),
      setTimer: (ms: number, fn: () => void) =>
        clock.setTimer(ms, () => {
          if (incarnation.alive) fn();
        }),
    };
    let orders: PaymentSaga | undefined;
    const core = createBookingCore({
      store: store.eventStore(incarnation),
      catalog,
      clock: processClock,
      closeStore: async () => {},
      actor: {
        checkInvariantsEveryBatch: true,
        sweepIntervalMs: 1_000,
        random: rng.next,
        // Snapshots every few events, so activations start from snapshots saved under the same faults.
        snapshotPolicy: { everyEvents: snapshotEveryEvents, intervalMinMs: 0 },
        batchSizeMax,
        mailboxLengthMax,
        appendTimeoutMs,
      },
      idleMs: 120_000,
      onCommitted: (batch) => {
        diffs.push(batch.diff);
        for (const event of batch.events)
          if (event.type === 'WaitlistOffered') {
            const { userId, entryId, holdId } = event.data;
            offers.push({ userId, entryId, holdId, at: clock.now() });
          }
        orders?.onCommitted(batch);
      },
      onActivated: (actor) => orders?.recover(actor),
      onError: () => {},
    });
    orders = createPaymentSaga({ reads: createOrderReads(core.activations), provider: provider.provider(incarnation) });
    const waitlist = createWaitlistService({ activations: core.activations, clock });
    const started: Process = Object.assign(incarnation, { core, orders, waitlist });
    provider.deliver = (notice) => started.orders.handleNotice(notice);
    note(`process ${incarnation.id} starts`);
    return started;
  };

  /** Requests still unanswered long after they were made, though their process lived on: hangs. */
  const hung: string[] = [];
  const crash = () => {
    if (process === undefined) return;
    for (const attempt of attempts)
      if (attempt.incarnation === process.id && attempt.outcome === undefined && clock.now() - attempt.at > hangMs)
        hung.push(
          `#${attempt.n} ${attempt.buyer} ${attempt.kind} ${attempt.requestId}: no answer in ${clock.now() - attempt.at} ms`,
        );
    process.alive = false;
    store.crash(process);
    provider.deliver = undefined;
    note(`process ${process.id} crashes`);
    stats.crashes += 1;
  };

  /** Moves the clock to each timer due within `ms` in turn, letting everything runnable run at each instant. */
  const advance = async (ms: number) => {
    const until = clock.now() + ms;
    for (;;) {
      const next = clock.pendingTimers[0];
      if (next === undefined || clock.now() + next > until) break;
      clock.advance(next);
      await settle();
    }
    clock.set(until);
    await settle();
  };

  /** Moves the clock until `promise` settles (the store answers on the clock), for at most a minute. */
  const drive = async <T>(promise: Promise<T>): Promise<T> => {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    // Handled here too, since it may fail while the clock is being moved, before the caller awaits it.
    watched.catch(() => {});
    for (let waited = 0; !settled && waited < 60_000; waited += 100) await advance(100);
    if (!settled) throw new Error('the server did not answer within a minute of quiet');
    return watched;
  };

  const record = (attempt: Omit<Attempt, 'n' | 'at' | 'incarnation'>, reply: Promise<unknown>) => {
    const entry: Attempt = { ...attempt, n: attempts.length, at: clock.now(), incarnation: process!.id };
    attempts.push(entry);
    reply.then(
      (value) => {
        entry.outcome = { ok: true, value };
        note(`#${entry.n} ${entry.buyer} ${entry.kind} ${entry.requestId} ok ${brief(value)}`);
      },
      (error: unknown) => {
        const code = isBookingError(error) ? error.code : `THROWN ${String(error)}`;
        entry.outcome = { ok: false, code };
        note(`#${entry.n} ${entry.buyer} ${entry.kind} ${entry.requestId} refused ${code}`);
      },
    );
  };

  /** The buyer's last two acknowledged requests of a kind: buyers go on with what they just got. */
  const acked = (kind: Attempt['kind'], buyer: string) =>
    attempts
      .filter((attempt) => attempt.kind === kind && attempt.outcome?.ok === true && attempt.buyer === buyer)
      .slice(-2);

  let requests = 0;
  const act = (p: Process) => {
    const buyer = rng.pick(buyers)!;
    const roll = rng.next();
    if (roll < 0.3) {
      const request: HoldRequest = rng.chance(0.2)
        ? { kind: 'general', sectionId: 'FLOOR', quantity: rng.int(1, 3) }
        : { kind: 'seats', seatIds: [...new Set([rng.pick(seatIds)!, rng.pick(seatIds)!])].slice(0, rng.int(1, 2)) };
      const requestId = `r${++requests}`;
      record({ buyer, kind: 'hold', requestId, input: request }, p.core.hold(simEventId, buyer, requestId, request));
    } else if (roll < 0.4) {
      const hold = rng.pick(acked('hold', buyer));
      if (hold === undefined) return;
      const { holdId } = (hold.outcome as { value: HoldView }).value;
      const requestId = `r${++requests}`;
      record({ buyer, kind: 'release', requestId, input: holdId }, p.core.release(holdId, buyer, requestId));
    } else if (roll < 0.55) {
      const hold = rng.pick(acked('hold', buyer));
      if (hold === undefined) return;
      const { holdId } = (hold.outcome as { value: HoldView }).value;
      const requestId = `r${++requests}`;
      record({ buyer, kind: 'order', requestId, input: holdId }, p.orders.placeOrder(holdId, buyer, requestId));
    } else if (roll < 0.7) {
      const order = rng.pick(acked('order', buyer));
      if (order === undefined) return;
      const { orderId } = (order.outcome as { value: { orderId: string } }).value;
      const method = rng.pick(simMethods)!;
      record(
        { buyer, kind: 'pay', requestId: `r${++requests}`, input: { orderId, method } },
        p.orders.pay(orderId, buyer, method),
      );
    } else if (roll < 0.8) {
      // The waitlist: join (refused while something that fits is on sale), order an offer made to this buyer, leave.
      const which = rng.next();
      if (which < 0.45) {
        // Narrow requests (tier A is one row of 4) sell out often enough to be joined.
        const scope = rng.next();
        const request: WaitlistRequest = {
          quantity: rng.int(1, 2),
          ...(scope < 0.2 ? { sectionId: 'FLOOR' } : scope < 0.7 ? { priceTier: 'A' } : {}),
          together: rng.chance(0.4),
        };
        const requestId = `r${++requests}`;
        record(
          { buyer, kind: 'join', requestId, input: request },
          p.waitlist.join(simEventId, buyer, requestId, request),
        );
      } else if (which < 0.85) {
        const offer = rng.pick(offers.filter((announced) => announced.userId === buyer).slice(-2));
        if (offer === undefined) return;
        const requestId = `r${++requests}`;
        record(
          { buyer, kind: 'order', requestId, input: offer.holdId },
          p.orders.placeOrder(offer.holdId, buyer, requestId),
        );
      } else {
        const joined = rng.pick(acked('join', buyer));
        if (joined === undefined) return;
        const { entryId } = (joined.outcome as { value: { entryId: string } }).value;
        const requestId = `r${++requests}`;
        record({ buyer, kind: 'leave', requestId, input: entryId }, p.waitlist.leave(entryId, buyer, requestId));
      }
    } else if (roll < 0.84) {
      // A seat map as a reader gets it: committed state only.
      const map = p.core.activations.get(simEventId).then((actor) => actor.seatMap());
      record({ buyer, kind: 'look', requestId: `r${++requests}`, input: undefined }, map);
    } else {
      // A retry of an earlier request, with its request id and payload, as a client does after a timeout.
      const first = rng.pick(attempts.filter((attempt) => attempt.kind !== 'pay' && attempt.kind !== 'look'));
      if (first === undefined) return;
      const { buyer: who, requestId, input } = first;
      const reply =
        first.kind === 'hold'
          ? p.core.hold(simEventId, who, requestId, input as HoldRequest)
          : first.kind === 'release'
            ? p.core.release(input as string, who, requestId)
            : first.kind === 'join'
              ? p.waitlist.join(simEventId, who, requestId, input as WaitlistRequest)
              : first.kind === 'leave'
                ? p.waitlist.leave(input as string, who, requestId)
                : p.orders.placeOrder(input as string, who, requestId);
      record({ buyer: who, kind: first.kind, requestId, input }, reply);
    }
  };

  process = start();
  const steps = options.steps ?? 150;
  for (let step = 0; step < steps; step++) {
    stats.steps += 1;
    const roll = rng.next();
    if (roll < 0.55) {
      for (let i = rng.int(1, 3); i > 0; i--) act(process);
      await settle();
    } else if (roll < 0.95) {
      await advance(rng.chance(0.93) ? rng.int(0, 3_000) : rng.int(20_000, 150_000));
    } else if (roll < 0.97) {
      const ms = rng.int(500, 15_000);
      store.outage(ms);
      stats.outages += 1;
      note(`store outage for ${ms} ms`);
    } else if (roll < 0.985) {
      crash();
      await advance(rng.int(0, 2_000));
      process = start();
    } else {
      // A quiet spell: holds lapse, payments time out, and an idle actor is passivated.
      await advance(rng.int(150_000, 400_000));
    }
  }

  // The end: no more faults, one more restart, and time enough for every payment to settle (the slow bank pays
  // within 15 min, webhooks are retried, timeouts fire, refunds are made on activation or the next change).
  store.faults = { ...noFaults };
  note('faults stop');
  await advance(20_000);
  crash();
  process = start();
  void process.core.activations.get(simEventId).catch(() => undefined);
  await advance(3_600_000);
  // Anything still owed is repeated when the event is activated again.
  crash();
  process = start();
  void process.core.activations.get(simEventId).catch(() => undefined);
  await advance(600_000);
  let final: EventState;
  try {
    final = await drive(process.core.activations.load(simEventId));
  } catch (error) {
    crash();
    return { violations: [`the durable log no longer loads: ${String(error)}`], trace, stats: {} };
  }
  const violations = [
    ...hung,
    ...checkHistory({ attempts, diffs, offers, log: store.log(simStreamId), ledger: provider.ledger, final }),
  ];
  // And the event still takes bookings: a hold on a seat that is free now succeeds.
  const actor = await drive(process.core.activations.get(simEventId));
  const map = await drive(actor.seatMap());
  const free = seatIds.find((seatId) => map.seats[seatId]?.status === 'available');
  if (free !== undefined)
    await drive(process.core.hold(simEventId, 'probe', 'probe', { kind: 'seats', seatIds: [free] })).catch(
      (error: unknown) => violations.push(`a hold on free seat ${free} after the run: ${String(error)}`),
    );
  crash();
  return {
    violations,
    trace,
    stats: {
      ...stats,
      attempts: attempts.length,
      acked: attempts.filter((attempt) => attempt.outcome?.ok).length,
      unanswered: attempts.filter((attempt) => attempt.outcome === undefined).length,
      events: store.log(simStreamId).length,
      ...prefixed('store', store.counts),
      ...prefixed('provider', provider.counts),
      paymentsTaken: provider.ledger.taken.size,
      refunds: [...provider.ledger.refunds.values()].flat().length,
      joined: store.log(simStreamId).filter((event) => event.type === 'WaitlistJoined').length,
      offered: store.log(simStreamId).filter((event) => event.type === 'WaitlistOffered').length,
      offersOrdered: store.log(simStreamId).filter((event) => event.type === 'WaitlistFulfilled').length,
      offersLapsed: store.log(simStreamId).filter((event) => event.type === 'WaitlistOfferLapsed').length,
      gathered: store.log(simStreamId).filter((event) => event.type === 'WaitlistSeatsGathered').length,
    },
  };
};

/** Runs everything already queued: promise callbacks and setImmediate callbacks (an append deadline's last word). */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

const brief = (value: unknown): string => {
  if (value === undefined) return '';
  const json = JSON.stringify(value);
  return json.length > 160 ? `${json.slice(0, 160)}…` : json;
};

const prefixed = (prefix: string, counts: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).map(([key, value]) => [`${prefix}.${key}`, value]));
