import type { HoldSelection, HoldView, WaitlistOffer } from '../../src/contract/protocol.ts';
import type { BuyerOrderView, OrderPlacement } from '../../src/contract/rest.ts';
import type { SeatActorClient } from './client.ts';
import { Emitter } from './emitter.ts';
import { retryableCodes, SeatActorError } from './errors.ts';

export type BasketEvents = {
  /** The basket's hold changed (held, replaced, released, ordered, expired): `hold` is undefined when empty. */
  change: (hold: HoldView | undefined) => void;
  /** The hold ran out before it was ordered: its seats are back on sale. */
  expired: (hold: HoldView) => void;
};

/** What a checkout ended with: the order as settled, and what the basket held for it. */
export type CheckoutResult = Readonly<{
  order: BuyerOrderView;
  placement: OrderPlacement;
  held: HoldView;
  /** Why the payment was refused (a decline: `PAYMENT_FAILED` and the provider's words), when it was. */
  error?: SeatActorError;
}>;

const selectionOf = (hold: HoldView): HoldSelection =>
  hold.sectionId !== undefined && hold.seatIds.length === 0
    ? { sectionId: hold.sectionId, quantity: hold.quantity }
    : { seatIds: [...hold.seatIds] };

/** A replace refused with one of these found the old hold gone (lapsed, ended, another buyer's): nothing to keep. */
const goneCodes: ReadonlySet<string> = new Set(['HOLD_EXPIRED', 'HOLD_NOT_FOUND', 'FORBIDDEN']);

/**
 * One basket per event: a single hold, so one countdown and one order. Changing it (`add`, `remove`, `set`) is one
 * hold that replaces the basket's hold on the server (`replacesHoldId`): the old hold ends only when the new one is
 * placed, in the same decision, so no other buyer can take a seat that stays in the basket. A refused change (a seat
 * taken meanwhile) leaves the basket as it was and throws the refusal.
 */
export class Basket extends Emitter<BasketEvents> {
  readonly eventId: string;
  private current: HoldView | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** What the last order held: `holdAgain` takes it back after a declined payment. */
  private lastOrdered: HoldSelection | undefined;

  constructor(
    private readonly client: SeatActorClient,
    eventId: string,
  ) {
    super();
    this.eventId = eventId;
  }

  /** The basket's live hold, if any. */
  get hold(): HoldView | undefined {
    return this.current;
  }

  /** Seat ids in the basket (empty for general admission). */
  get seatIds(): readonly string[] {
    return this.current?.seatIds ?? [];
  }

  /** Milliseconds until the hold runs out (0 when empty or past), from this device's clock. */
  remainingMs(now = Date.now()): number {
    return this.current === undefined ? 0 : Math.max(0, Date.parse(this.current.expiresAt) - now);
  }

  /**
   * After a reload or on another device: adopts this buyer's live hold at the event (the newest, when there are
   * several) as the basket. Answers it, or undefined.
   */
  async restore(): Promise<HoldView | undefined> {
    const { holds } = await this.client.myHolds({ eventId: this.eventId });
    const newest = [...holds].sort((a, b) => Date.parse(b.expiresAt) - Date.parse(a.expiresAt))[0];
    this.adopt(newest === undefined ? undefined : stripEvent(newest));
    return this.current;
  }

  /**
   * Takes a waitlist offer (`waitlist:offer` at this event) into the basket: the server already holds its seats for
   * this buyer, so nothing is sent; `checkout` orders it like any hold before `expiresAt`. A hold the basket had is
   * released first (one basket, one hold).
   */
  async takeOffer(offer: WaitlistOffer): Promise<HoldView> {
    if (offer.eventId !== this.eventId) throw new SeatActorError('INVALID_INPUT', `an offer at ${offer.eventId}`);
    const previous = this.current;
    if (previous !== undefined && previous.holdId !== offer.hold.holdId) await this.client.release(previous.holdId);
    const { holdId, seatIds, quantity, expiresAt, sectionId } = offer.hold;
    const hold: HoldView = { holdId, seatIds, quantity, expiresAt, ...(sectionId === undefined ? {} : { sectionId }) };
    this.adopt(hold);
    return hold;
  }

  /** Replaces the basket with `selection` (named seats, a quantity in a general section, or best available). */
  async set(selection: HoldSelection): Promise<HoldView> {
    const previous = this.current;
    let held: HoldView;
    try {
      held = await this.client.hold(
        this.eventId,
        selection,
        previous === undefined ? {} : { replaces: previous.holdId },
      );
    } catch (error) {
      if (previous === undefined || !(error instanceof SeatActorError)) throw error;
      if (goneCodes.has(error.code)) {
        // The basket's hold had already ended (it lapsed, or another tab released it): hold the selection anew.
        this.adopt(undefined);
        held = await this.client.hold(this.eventId, selection);
      } else {
        // Refused as a whole: the old hold stands. After a transient failure (TIMEOUT, UNAVAILABLE) it may not: the
        // server says which hold is live.
        if (retryableCodes.has(error.code)) await this.restore().catch(() => undefined);
        throw error;
      }
    }
    this.adopt(held);
    return held;
  }

  /** Adds named seats to the basket (one hold with the seats it had and these). */
  add(seatIds: readonly string[]): Promise<HoldView> {
    const seats = [...new Set([...this.seatIds, ...seatIds])];
    return this.set({ seatIds: seats });
  }

  /** Takes named seats out; the basket empties when none is left. */
  async remove(seatIds: readonly string[]): Promise<HoldView | undefined> {
    const gone = new Set(seatIds);
    const left = this.seatIds.filter((seatId) => !gone.has(seatId));
    if (left.length === 0) {
      await this.clear();
      return undefined;
    }
    return this.set({ seatIds: left });
  }

  /** Releases the hold: the seats go back on sale. */
  async clear(): Promise<void> {
    const previous = this.current;
    if (previous === undefined) return;
    await this.client.release(previous.holdId);
    this.adopt(undefined);
  }

  /**
   * Orders the basket and pays with a method of the simulated provider (`pm_card_visa`), then waits for the outcome.
   * Resolves with the settled order whatever it is (check `order.status`: `failed` after a decline, when the seats
   * went back on sale; `holdAgain` asks for them again). The basket is empty afterwards.
   */
  async checkout(paymentMethod: string, options: Readonly<{ timeoutMs?: number }> = {}): Promise<CheckoutResult> {
    const { placement, held } = await this.order();
    try {
      await this.client.pay(placement.orderId, paymentMethod);
    } catch (error) {
      // A decline is answered as a refusal (PAYMENT_FAILED) after the order failed: answer the failed order.
      if (!(error instanceof SeatActorError) || retryableCodes.has(error.code)) throw error;
      const order = await this.client.order(placement.orderId);
      if (order.status === 'pending' || order.status === 'processing' || order.status === 'succeeded') throw error;
      return { order, placement, held, error };
    }
    const order = await this.client.waitForOrder(placement.orderId, options);
    return { order, placement, held };
  }

  /**
   * Orders the basket without paying: for Stripe, confirm `placement.payment.clientSecret` with Stripe.js (Payment
   * Element) or a native Stripe SDK, then `client.waitForOrder(placement.orderId)`.
   */
  async order(): Promise<{ placement: OrderPlacement; held: HoldView }> {
    const held = this.current;
    if (held === undefined) throw new SeatActorError('HOLD_NOT_FOUND', 'the basket is empty');
    const placement = await this.client.placeOrder(held.holdId);
    this.lastOrdered = selectionOf(held);
    this.adopt(undefined);
    return { placement, held };
  }

  /** After a declined or timed-out payment: holds what the last order had again, when it is still free. */
  holdAgain(): Promise<HoldView> {
    if (this.lastOrdered === undefined) throw new SeatActorError('HOLD_NOT_FOUND', 'nothing was ordered');
    return this.set(this.lastOrdered);
  }

  private adopt(hold: HoldView | undefined): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current = hold;
    if (hold !== undefined) {
      // Timers beyond 2^31 ms fire at once; a hold lasts minutes, so this only guards odd clocks.
      const delay = Math.min(2 ** 31 - 1, Math.max(0, Date.parse(hold.expiresAt) - Date.now()));
      this.timer = setTimeout(() => {
        if (this.current !== hold) return;
        this.current = undefined;
        this.emit('change', undefined);
        this.emit('expired', hold);
      }, delay);
    }
    this.emit('change', hold);
  }
}

const stripEvent = (hold: HoldView & { eventId?: string }): HoldView => {
  const { eventId: _eventId, ...rest } = hold;
  return rest;
};
