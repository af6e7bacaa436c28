import { isPaymentOpen } from '../machines/paymentTransitions.ts';
import { fromQueueSnapshot, type QueueSnapshot, toQueueSnapshot } from '../queue/snapshot.ts';
import type { EventConfig, Venue } from '../venue.ts';
import { indexOrder } from './purchaseLimits.ts';
import {
  type GeneralCounter,
  type HoldRecord,
  type InventoryState,
  initialState,
  type OrderRecord,
  type RequestOutcome,
  type TicketRecord,
} from './state.ts';

export type SnapshotPolicy = Readonly<{
  /** Events since the last snapshot before the next one is due: activation replays about this many. */
  everyEvents: number;
  /**
   * And no sooner than this after the last one. A snapshot of a busy event is megabytes of JSON written through the
   * same store as the appends; at thousands of events a second an events-only policy would write one every few
   * hundred milliseconds and hold the appends back behind it.
   */
  intervalMinMs: number;
}>;

export const snapshotPolicyDefault: SnapshotPolicy = { everyEvents: 1_000, intervalMinMs: 10_000 };

export type SnapshotClock = Readonly<{ version: number; now: number; lastVersion: number; lastAt: number }>;

/** The snapshot policy: pure (time is an argument), so it is tested as a specification. */
export const shouldSnapshot = (
  { version, now, lastVersion, lastAt }: SnapshotClock,
  policy: SnapshotPolicy = snapshotPolicyDefault,
): boolean => version - lastVersion >= policy.everyEvents && now - lastAt >= policy.intervalMinMs;

/**
 * 2: orders, payments and tickets joined the state. 3: remembered requests kept as two generations. 4: holds and
 * orders know the stream versions of their events. Older snapshots are skipped and the stream replayed.
 */
export const snapshotFormat = 4;

type StoredOrder = Omit<OrderRecord, 'providerEventIds'> & Readonly<{ providerEventIds: readonly string[] }>;

/** JSON-ready state; typed arrays travel as base64 so a 100,000-seat map stays compact and fast to parse. */
export type InventorySnapshot = Readonly<{
  format: number;
  version: number;
  seatCount: number;
  status: string;
  seatVersion: string;
  holds: readonly Omit<HoldRecord, never>[];
  nextHandle: number;
  expiryOrder: readonly number[];
  /** The waitlist's expiry lane; absent in snapshots taken before waitlist holds existed. */
  waitlistExpiryOrder?: readonly number[];
  general: readonly [string, GeneralCounter][];
  /** The remembered request outcomes, older generation first (see RecentMap). */
  requests: readonly [readonly [string, RequestOutcome][], readonly [string, RequestOutcome][]];
  /** In placement order, which is deadline order for the open ones. */
  orders: readonly StoredOrder[];
  tickets: readonly TicketRecord[];
  /** The waiting room, when the event has one (src/domain/queue/snapshot.ts); absent: no room yet. */
  queue?: QueueSnapshot;
}>;

const toBase64 = (array: ArrayBufferView): string =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

const fromBase64 = <T>(text: string, make: (buffer: ArrayBuffer) => T): T => {
  const bytes = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return make(copy);
};

export const toSnapshot = (state: InventoryState): InventorySnapshot => ({
  format: snapshotFormat,
  version: state.version,
  seatCount: state.layout.seats.count,
  status: toBase64(state.status),
  seatVersion: toBase64(state.seatVersion),
  holds: [...state.holds.values()].map((hold) => ({ ...hold })),
  nextHandle: state.nextHandle,
  expiryOrder: [...state.expiryQueue.keys()],
  waitlistExpiryOrder: [...state.waitlistExpiryQueue.keys()],
  general: [...state.general].map(([id, counter]) => [id, { ...counter }]),
  requests: state.requests.generations(),
  orders: [...state.orders.values()].map((order) => ({
    ...order,
    ticketIds: [...order.ticketIds],
    eventVersions: [...order.eventVersions],
    providerEventIds: [...order.providerEventIds],
  })),
  tickets: [...state.tickets.values()].map((ticket) => ({ ...ticket })),
  ...(state.queue.room === undefined ? {} : { queue: toQueueSnapshot(state.queue) }),
});

/**
 * Rebuilds state from a snapshot over the venue's layout. Everything derivable (indexes, counts, seat owners)
 * is derived, not stored; the caller checks the invariants on the result.
 */
export const fromSnapshot = (venue: Venue, config: EventConfig, snapshot: InventorySnapshot): InventoryState => {
  if (snapshot.format !== snapshotFormat)
    throw new Error(`snapshot format ${snapshot.format} is not ${snapshotFormat}`);
  const state = initialState(venue, config);
  if (snapshot.seatCount !== state.layout.seats.count) throw new Error('snapshot seat count differs from the venue');
  state.status.set(fromBase64(snapshot.status, (b) => new Uint8Array(b)));
  state.seatVersion.set(fromBase64(snapshot.seatVersion, (b) => new Uint32Array(b)));
  state.version = snapshot.version;
  state.nextHandle = snapshot.nextHandle;
  state.counts.fill(0);
  for (const status of state.status) state.counts[status]! += 1;
  for (const stored of snapshot.holds) {
    const hold: HoldRecord = {
      ...stored,
      sectionId: stored.sectionId ?? undefined,
      waitlistEntryId: stored.waitlistEntryId ?? undefined,
      orderId: stored.orderId ?? undefined,
      reservedUntil: stored.reservedUntil ?? undefined,
    };
    state.holds.set(hold.handle, hold);
    state.handleOfHold.set(hold.holdId, hold.handle);
    if (hold.orderId !== undefined && hold.status !== 'held') state.handleOfOrder.set(hold.orderId, hold.handle);
    const userHolds = state.holdsOfUser.get(hold.userId);
    if (userHolds === undefined) state.holdsOfUser.set(hold.userId, [hold.handle]);
    else userHolds.push(hold.handle);
    for (const seat of hold.seats) state.holdOfSeat[seat] = hold.handle;
  }
  for (const handle of snapshot.expiryOrder) state.expiryQueue.set(handle, state.holds.get(handle)!.expiresAt);
  for (const handle of snapshot.waitlistExpiryOrder ?? [])
    state.waitlistExpiryQueue.set(handle, state.holds.get(handle)!.expiresAt);
  for (const [id, counter] of snapshot.general) state.general.set(id, { ...counter });
  state.requests.restore(...snapshot.requests);
  // JSON turns undefined into absent fields, so optional ones are read back as undefined explicitly.
  for (const stored of snapshot.orders) {
    const order: OrderRecord = {
      ...stored,
      sectionId: stored.sectionId ?? undefined,
      provider: stored.provider ?? undefined,
      paymentId: stored.paymentId ?? undefined,
      refundId: stored.refundId ?? undefined,
      // Snapshots from before admin refunds had only one reason.
      refundReason: stored.refundReason ?? (stored.refundDue ? 'late_payment' : undefined),
      refundAmount: stored.refundAmount ?? undefined,
      cardFingerprint: stored.cardFingerprint ?? undefined,
      householdKey: stored.householdKey ?? undefined,
      ticketIds: [...stored.ticketIds],
      eventVersions: [...stored.eventVersions],
      providerEventIds: new Set(stored.providerEventIds),
    };
    state.orders.set(order.orderId, order);
    indexOrder(state, order);
    if (isPaymentOpen(order.status)) state.paymentDeadlines.set(order.orderId, order.reservedUntil);
  }
  for (const stored of snapshot.tickets) {
    state.tickets.set(stored.ticketId, {
      ...stored,
      seatId: stored.seatId ?? undefined,
      sectionId: stored.sectionId ?? undefined,
      checkedInAt: stored.checkedInAt ?? undefined,
      gate: stored.gate ?? undefined,
    });
  }
  if (snapshot.queue !== undefined) state.queue = fromQueueSnapshot(snapshot.queue);
  return state;
};
