import type { HoldView, SeatMapDiff, SeatMapView, SeatStatusName } from '../../../src/domain/seatMap/views.ts';
import type { EventState } from '../../../src/domain/waitlist/index.ts';
import type { StoredEvent } from '../../../src/persistence/eventStore.ts';
import type { Ledger } from './simProvider.ts';
import type { AnnouncedOffer, Attempt } from './world.ts';

export type History = Readonly<{
  attempts: readonly Attempt[];
  /** Every diff announced to subscribers. */
  diffs: readonly SeatMapDiff[];
  /** Every waitlist offer pushed after its batch committed. */
  offers: readonly AnnouncedOffer[];
  /** The durable stream after the last restart. */
  log: readonly StoredEvent[];
  ledger: Ledger;
  /** The state the last restart loaded from the store (its invariants were checked as it loaded). */
  final: EventState;
}>;

type Data = Record<string, unknown> & {
  holdId?: string;
  orderId?: string;
  requestId?: string;
  seatIds?: readonly string[];
  sectionId?: string;
  quantity?: number;
};

const floorCapacity = 6;

/**
 * Reads a whole run: the buyers' answers, the durable log, the provider's ledger and the reloaded state. Returns what
 * is wrong, in words; nothing means the run kept every promise:
 * - no seat is granted twice: replaying the log, a seat is taken only when free, and freed only by its owner;
 * - nothing undurable is shown: every seat map a reader got and every diff announced agrees with the log at its
 *   version (a lapsed hold may show as available);
 * - nothing acknowledged is lost: every hold, release, order and paid order a buyer was told about is in the log
 *   after the restarts, as told, and two answers to one request id agree;
 * - every payment the provider took ends as exactly one sale or one refund, and nothing is sold unpaid;
 * - the waitlist: every offer is a hold placed for that entry's buyer in the same batch (so the seat checks above
 *   cover offers: no seat both offered and held or sold by anyone else), no entry is offered twice, every offer pushed
 *   is durable, an order on an offer fulfils its entry, every acknowledged join and leave is in the log, and no offer
 *   is left open at the end.
 */
export const checkHistory = (history: History): string[] => {
  const { attempts, diffs, log, ledger } = history;
  const final = history.final.inventory;
  const violations: string[] = [];
  const fail = (message: string) => violations.push(message);

  log.forEach((event, i) => {
    if (event.streamVersion !== i + 1) fail(`the log skips from version ${i} to ${event.streamVersion}`);
  });
  const dataOf = (event: StoredEvent) => event.data as Data;

  // No seat granted twice.
  const owner = new Map<string, string>();
  let floorTaken = 0;
  const placed = new Set<string>();
  const take = (event: StoredEvent, who: string) => {
    const data = dataOf(event);
    for (const seatId of data.seatIds ?? []) {
      const current = owner.get(seatId);
      if (current !== undefined)
        fail(`v${event.streamVersion} ${event.type}: ${seatId} given to ${who} while ${current}`);
      owner.set(seatId, who);
    }
    if (data.sectionId !== undefined) {
      floorTaken += data.quantity ?? 0;
      if (floorTaken > floorCapacity)
        fail(`v${event.streamVersion}: the floor holds ${floorTaken} of ${floorCapacity}`);
    }
  };
  const move = (event: StoredEvent, from: string, to: string | undefined) => {
    const data = dataOf(event);
    for (const seatId of data.seatIds ?? []) {
      const current = owner.get(seatId);
      if (current !== from)
        fail(`v${event.streamVersion} ${event.type}: ${seatId} is ${current ?? 'free'}, not ${from}`);
      if (to === undefined) owner.delete(seatId);
      else owner.set(seatId, to);
    }
    if (to === undefined && data.sectionId !== undefined) floorTaken -= data.quantity ?? 0;
  };
  /** Each seat's owner after each version: index v is the map at version v. */
  const ownersAt: ReadonlyMap<string, string>[] = [new Map()];
  for (const event of log) {
    const data = dataOf(event);
    const hold = `held by ${data.holdId}`;
    const reserved = `reserved by ${data.orderId}`;
    const sold = `sold to ${data.orderId}`;
    switch (event.type) {
      case 'HoldPlaced':
        if (placed.has(data.holdId!)) fail(`v${event.streamVersion}: hold ${data.holdId} placed twice`);
        placed.add(data.holdId!);
        take(event, hold);
        break;
      case 'HoldReleased':
      case 'HoldExpired':
        move(event, hold, undefined);
        break;
      case 'HoldReserved':
        move(event, hold, reserved);
        break;
      case 'ReservationSold':
        move(event, reserved, sold);
        break;
      case 'ReservationReleased':
        move(event, reserved, undefined);
        break;
      case 'SaleRefunded':
        move(event, sold, undefined);
        break;
    }
    ownersAt.push(new Map(owner));
  }

  // Nothing undurable shown.
  const shown = (what: string, version: number, seatId: string, status: SeatStatusName) => {
    const owners = ownersAt[version];
    if (owners === undefined) {
      fail(`${what} shows version ${version}, and the log ends at ${log.length}`);
      return;
    }
    const logged = owners.get(seatId)?.split(' ')[0];
    const expected = logged === undefined ? 'available' : logged === 'sold' ? 'sold' : logged;
    if (status === expected || (status === 'available' && expected === 'held')) return;
    fail(`${what} at version ${version} shows ${seatId} ${status}; the log has it ${owners.get(seatId) ?? 'free'}`);
  };
  for (const diff of diffs)
    for (const change of diff.changes) shown(`a diff to ${diff.version}`, diff.version, change.seatId, change.status);
  for (const attempt of attempts) {
    if (attempt.kind !== 'look' || attempt.outcome?.ok !== true) continue;
    const map = attempt.outcome.value as SeatMapView;
    for (const [seatId, seat] of Object.entries(map.seats))
      shown(`#${attempt.n}'s seat map`, map.version, seatId, seat.status);
  }

  // Nothing acknowledged lost, and a request answered twice is answered alike.
  const find = (type: string, match: (data: Data) => boolean) =>
    log.find((event) => event.type === type && match(dataOf(event)));
  const answers = new Map<string, string>();
  for (const attempt of attempts) {
    // Joins and leaves are the waitlist's part (checkWaitlist).
    if (attempt.outcome?.ok !== true || attempt.kind === 'look' || attempt.kind === 'join' || attempt.kind === 'leave')
      continue;
    const value = attempt.outcome.value;
    const tag = `#${attempt.n} ${attempt.buyer} ${attempt.kind} ${attempt.requestId}`;
    let answer: string | undefined;
    if (attempt.kind === 'hold') {
      const view = value as HoldView;
      answer = view.holdId;
      const event = find('HoldPlaced', (data) => data.holdId === view.holdId);
      if (event === undefined) fail(`${tag}: acknowledged hold ${view.holdId} is not in the log`);
      else {
        const data = dataOf(event);
        if (data.requestId !== attempt.requestId || data.userId !== attempt.buyer)
          fail(`${tag}: hold ${view.holdId} was logged for ${data.userId} ${data.requestId}`);
        if (JSON.stringify(data.seatIds) !== JSON.stringify(view.seatIds) || data.quantity !== view.quantity)
          fail(`${tag}: acknowledged ${JSON.stringify(view)}, logged ${JSON.stringify(data)}`);
      }
    } else if (attempt.kind === 'release') {
      answer = 'released';
      const ended = (type: string) =>
        find(type, (data) => data.holdId === attempt.input && data.requestId === attempt.requestId);
      if (ended('HoldReleased') === undefined && ended('HoldExpired') === undefined)
        fail(`${tag}: acknowledged release of ${String(attempt.input)} is not in the log`);
    } else if (attempt.kind === 'order') {
      const { orderId } = value as { orderId: string };
      answer = orderId;
      const event = find('OrderPlaced', (data) => data.orderId === orderId);
      if (event === undefined) fail(`${tag}: acknowledged order ${orderId} is not in the log`);
      else if (dataOf(event).holdId !== attempt.input || dataOf(event).requestId !== attempt.requestId)
        fail(`${tag}: order ${orderId} was logged for ${JSON.stringify(dataOf(event))}`);
    } else {
      const view = value as { orderId: string; status: string };
      if (view.status === 'succeeded' && find('ReservationSold', (data) => data.orderId === view.orderId) === undefined)
        fail(`${tag}: the buyer was told ${view.orderId} is paid, and the log never sold it`);
    }
    if (attempt.kind !== 'pay') {
      const key = `${attempt.buyer} ${attempt.requestId}`;
      const first = answers.get(key);
      if (first === undefined || answer === undefined) answers.set(key, answer ?? first ?? '');
      else if (first !== answer) fail(`${tag}: answered ${answer}, and ${first} before`);
    }
  }

  // Every payment taken ends as one sale or one refund; nothing is sold unpaid.
  const paidOrders = new Map([...ledger.taken.values()].map((payment) => [payment.orderId, payment]));
  for (const [orderId, payment] of paidOrders) {
    const ofOrder = log.filter((event) => dataOf(event).orderId === orderId);
    const sales = ofOrder.filter((event) => event.type === 'ReservationSold').length;
    const refundsDecided = ofOrder.filter((event) => event.type === 'RefundRequested').length;
    const refunds = ledger.refunds.get(payment.paymentId) ?? [];
    const order = final.orders.get(orderId);
    if (sales + refundsDecided !== 1)
      fail(`${orderId}: paid, then sold ${sales} times and refunded ${refundsDecided} times (status ${order?.status})`);
    if (refunds.length !== refundsDecided)
      fail(`${orderId}: the provider refunded ${refunds.length} times, the log decided ${refundsDecided}`);
    if (refunds.some((refund) => refund.amount !== payment.amount))
      fail(`${orderId}: refunded ${JSON.stringify(refunds)} of ${payment.amount}`);
    if (sales === 1 && order?.status !== 'succeeded') fail(`${orderId}: sold, but ends ${order?.status}`);
    if (refundsDecided === 1 && (order?.status !== 'refunded' || order.refundId === undefined))
      fail(`${orderId}: refunded, but ends ${order?.status} with refund ${order?.refundId}`);
  }
  for (const event of log)
    if (event.type === 'ReservationSold' && !paidOrders.has(dataOf(event).orderId!))
      fail(`v${event.streamVersion}: ${dataOf(event).orderId} sold, and the provider took no money for it`);

  violations.push(...checkWaitlist(history));

  // Once everything has settled: no hold or payment is left open, and the seats add up.
  if (final.expiryQueue.size > 0) fail(`${final.expiryQueue.size} holds are still live an hour after the end`);
  if (final.paymentDeadlines.size > 0) fail(`${final.paymentDeadlines.size} payments are still open at the end`);
  return violations;
};

/** The waitlist's part of the history (see checkHistory). */
const checkWaitlist = ({ attempts, offers, log, final }: History): string[] => {
  const violations: string[] = [];
  const fail = (message: string) => violations.push(message);
  const dataOf = (event: StoredEvent) => event.data as Data & { entryId?: string; userId?: string };
  const joined = new Map<string, string>();
  const offeredEntries = new Set<string>();
  const offerHolds = new Map<string, string>();
  const ended = new Set<string>();
  log.forEach((event, i) => {
    const data = dataOf(event);
    const at = `v${event.streamVersion} ${event.type}`;
    switch (event.type) {
      case 'WaitlistJoined':
        if (joined.has(data.entryId!)) fail(`${at}: entry ${data.entryId} joined twice`);
        joined.set(data.entryId!, data.userId!);
        break;
      case 'WaitlistOffered': {
        const entryId = data.entryId!;
        if (joined.get(entryId) !== data.userId) fail(`${at}: ${entryId} offered to ${data.userId}, never joined so`);
        if (offeredEntries.has(entryId)) fail(`${at}: entry ${entryId} offered seats twice`);
        offeredEntries.add(entryId);
        const placed = log[i - 1];
        const hold = placed === undefined ? undefined : dataOf(placed);
        if (
          placed?.type !== 'HoldPlaced' ||
          hold?.holdId !== data.holdId ||
          hold?.userId !== data.userId ||
          hold?.waitlistEntryId !== entryId ||
          JSON.stringify(hold?.seatIds) !== JSON.stringify(data.seatIds)
        )
          fail(`${at}: offer ${data.holdId} is not the hold placed just before it (${JSON.stringify(hold)})`);
        offerHolds.set(data.holdId!, entryId);
        break;
      }
      case 'HoldReserved': {
        const entryId = offerHolds.get(data.holdId!);
        if (entryId === undefined) break;
        const next = log.slice(i + 1).find((later) => dataOf(later).entryId === entryId);
        if (next?.type !== 'WaitlistFulfilled')
          fail(`${at}: offer ${data.holdId} ordered, entry ${entryId} not fulfilled`);
        break;
      }
      case 'WaitlistFulfilled':
      case 'WaitlistOfferLapsed':
      case 'WaitlistOfferDeclined':
      case 'WaitlistLeft':
        ended.add(data.entryId!);
        break;
    }
  });
  for (const offer of offers)
    if (!offerHolds.has(offer.holdId)) fail(`offer ${offer.holdId} to ${offer.userId} was pushed, and is not durable`);
  const answers = new Map<string, string>();
  for (const attempt of attempts) {
    if (attempt.outcome?.ok !== true) continue;
    const tag = `#${attempt.n} ${attempt.buyer} ${attempt.kind} ${attempt.requestId}`;
    if (attempt.kind === 'join') {
      const { entryId } = attempt.outcome.value as { entryId: string };
      if (joined.get(entryId) !== attempt.buyer) fail(`${tag}: acknowledged entry ${entryId} is not in the log`);
      const key = `${attempt.buyer} ${attempt.requestId}`;
      const first = answers.get(key);
      if (first === undefined) answers.set(key, entryId);
      else if (first !== entryId) fail(`${tag}: answered ${entryId}, and ${first} before`);
    } else if (attempt.kind === 'leave' && !ended.has(attempt.input as string))
      fail(`${tag}: acknowledged leave of ${String(attempt.input)}, and the entry never ended`);
  }
  for (const entry of final.waitlist.entries.values())
    if (entry.status === 'offered') fail(`entry ${entry.entryId} still holds an offer an hour after the end`);
  return violations;
};
