import { BookingError } from '../bookingError.ts';
import type { PaymentStatus } from '../machines/paymentMachine.ts';
import { isPaymentOpen, nextPaymentStatus, type PaymentEventType } from '../machines/paymentTransitions.ts';
import type { OrderCommand, PlaceOrder, RecordPaymentResult } from './commands.ts';
import type { InventoryEvent, Money, OrderEvent, OrderLine, TicketIssued } from './events.ts';
import { endedHold, ownHold, reservationOf } from './holds.ts';
import { cardRefusal, householdRefusal, indexOrder, unindexCard } from './purchaseLimits.ts';
import { type InventoryState, isLapsed, type OrderRecord, ticketIdOf } from './state.ts';

/**
 * Orders, payments and tickets inside the event's inventory: the same actor that owns the seats decides what a
 * payment outcome does to them, so a seat can never be sold by one path while another puts it back on sale.
 *
 * Payment timeouts work like hold expiry: active (the actor's timer sends TimeOutPayments) and lazy (a result
 * that arrives after `reservedUntil` is decided as if the timeout had been recorded first, and the log says so).
 */
export const decideOrder = (command: OrderCommand, state: InventoryState): InventoryEvent[] => {
  switch (command.type) {
    case 'PlaceOrder':
      return placeOrder(command, state);
    case 'RecordPaymentCard': {
      const { orderId, cardFingerprint, now } = command.data;
      const order = orderOf(state, orderId);
      if (order.cardFingerprint === cardFingerprint) return [];
      const events: InventoryEvent[] = lazyTimeout(state, order, now);
      if (events.length > 0 || !isPaymentOpen(order.status))
        throw new BookingError('ORDER_STATE', `order ${orderId} is ${events.length > 0 ? 'timed_out' : order.status}`);
      const refusal = cardRefusal(state, order, cardFingerprint);
      if (refusal !== undefined) throw refusal;
      return [{ type: 'PaymentCardRecorded', data: { orderId, cardFingerprint, at: now } }];
    }
    case 'RecordPaymentInitiated': {
      const { orderId, provider, paymentId, now } = command.data;
      const order = orderOf(state, orderId);
      if (order.paymentId === paymentId) return [];
      if (order.paymentId !== undefined)
        throw new Error(`order ${orderId} already has payment ${order.paymentId}, not ${paymentId}`);
      const events: InventoryEvent[] = lazyTimeout(state, order, now);
      const status = events.length > 0 ? 'timed_out' : order.status;
      if (nextPaymentStatus(status, 'INITIATE') === undefined) return events;
      events.push({ type: 'PaymentInitiated', data: { orderId, provider, paymentId, at: now } });
      return events;
    }
    case 'RecordPaymentResult':
      return recordPaymentResult(command, state);
    case 'TimeOutPayments': {
      const events: InventoryEvent[] = [];
      for (const [orderId, reservedUntil] of state.paymentDeadlines) {
        if (reservedUntil <= command.data.now)
          events.push(...timeoutEvents(state, orderOf(state, orderId), command.data.now));
      }
      return events;
    }
    case 'RecordPaymentCancelled': {
      const order = orderOf(state, command.data.orderId);
      if (order.status !== 'timed_out' || order.cancelled) return [];
      return [{ type: 'PaymentCancelled', data: { orderId: order.orderId, at: command.data.now } }];
    }
    case 'RecordRefund': {
      const order = orderOf(state, command.data.orderId);
      if (!order.refundDue || order.refundId !== undefined) return [];
      return [
        {
          type: 'PaymentRefunded',
          data: { orderId: order.orderId, refundId: command.data.refundId, at: command.data.now },
        },
      ];
    }
    case 'RefundOrder': {
      const { orderId, reason, now } = command.data;
      const order = orderOf(state, orderId);
      if (order.status !== 'succeeded') {
        throw new BookingError('ORDER_STATE', `order ${orderId} is ${order.status}; only a paid order is refunded`);
      }
      const handle = state.handleOfOrder.get(orderId);
      const hold = handle === undefined ? undefined : state.holds.get(handle);
      if (hold?.status !== 'sold') throw new Error(`paid order ${orderId} has no sold seats`);
      return [
        { type: 'SaleRefunded', data: endedHold(state, hold, now, { orderId, reason }) },
        {
          type: 'RefundRequested',
          data: { orderId, amount: order.amount, currency: order.currency, reason: 'admin', at: now },
        },
      ];
    }
    case 'CheckInTicket': {
      const { ticketId, gate, now } = command.data;
      const ticket = state.tickets.get(ticketId);
      if (ticket === undefined) throw new BookingError('TICKET_INVALID', `no ticket ${ticketId} at this event`);
      const order = orderOf(state, ticket.orderId);
      if (order.status !== 'succeeded')
        throw new BookingError('TICKET_INVALID', `ticket ${ticketId} is void (order ${order.status})`);
      if (ticket.checkedInAt !== undefined) {
        throw new BookingError(
          'TICKET_ALREADY_USED',
          `ticket ${ticketId} was admitted at ${new Date(ticket.checkedInAt).toISOString()}`,
          {
            checkedInAt: new Date(ticket.checkedInAt).toISOString(),
            ...(ticket.gate === undefined ? {} : { gate: ticket.gate }),
          },
        );
      }
      return [
        {
          type: 'TicketCheckedIn',
          data: { ticketId, orderId: order.orderId, ...(gate === undefined ? {} : { gate }), at: now },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error(`unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
};

const placeOrder = (command: PlaceOrder, state: InventoryState): InventoryEvent[] => {
  const { orderId, holdId, userId, requestId, householdKey, now } = command.data;
  const hold = ownHold(state, holdId, userId);
  if (hold.status !== 'held') throw new BookingError('ORDER_STATE', `hold ${holdId} is already ${hold.status}`);
  if (isLapsed(hold, now)) throw new BookingError('HOLD_EXPIRED', `hold ${holdId} expired`);
  const overHousehold = householdRefusal(state, householdKey, hold.quantity);
  if (overHousehold !== undefined) throw overHousehold;
  if (state.orders.has(orderId) || state.handleOfOrder.has(orderId)) throw new Error(`order id ${orderId} reused`);
  const { layout, config } = state;
  const priceOf = (tier: string) => {
    // An own-property lookup: a tier named `toString` must not be priced by Object.prototype.
    const price = Object.hasOwn(config.priceTiers, tier) ? config.priceTiers[tier] : undefined;
    if (price === undefined) throw new Error(`event ${state.eventId} has no price for tier ${tier}`);
    return price;
  };
  let lines: OrderLine[];
  if (hold.seats.length > 0) {
    lines = hold.seats.map((seat) => {
      const priceTier = layout.tierNames[layout.tierOf[seat]!]!;
      return { seatId: layout.seats.id(seat), priceTier, quantity: 1, amount: priceOf(priceTier).amount };
    });
  } else {
    const section = layout.sections.get(hold.sectionId!);
    if (section?.kind !== 'general') throw new Error(`hold ${holdId} names no general section`);
    lines = [
      {
        sectionId: section.id,
        priceTier: section.priceTier,
        quantity: hold.quantity,
        amount: priceOf(section.priceTier).amount * hold.quantity,
      },
    ];
  }
  const currencies = new Set(lines.map((line) => priceOf(line.priceTier).currency));
  if (currencies.size !== 1)
    throw new BookingError(
      'INVALID_INPUT',
      `the seats of hold ${holdId} are priced in ${[...currencies].join(' and ')}`,
    );
  const reservedUntil = now + config.paymentTimeoutSeconds * 1000;
  const ended = endedHold(state, hold, now);
  return [
    {
      type: 'OrderPlaced',
      data: {
        orderId,
        holdId,
        userId,
        requestId,
        seatIds: ended.seatIds,
        ...(hold.sectionId === undefined ? {} : { sectionId: hold.sectionId }),
        quantity: hold.quantity,
        lines,
        amount: lines.reduce((sum, line) => sum + line.amount, 0),
        currency: [...currencies][0]!,
        reservedUntil,
        ...(householdKey === undefined ? {} : { householdKey }),
        at: now,
      },
    },
    { type: 'HoldReserved', data: Object.assign(ended, { orderId, requestId, reservedUntil }) },
  ];
};

const recordPaymentResult = (command: RecordPaymentResult, state: InventoryState): InventoryEvent[] => {
  const { orderId, outcome, providerEventId, paymentId, reason, received, cardFingerprint, now } = command.data;
  const order = orderOf(state, orderId);
  if (order.providerEventIds.has(providerEventId)) return [];
  if (paymentId !== undefined && order.paymentId !== undefined && paymentId !== order.paymentId) {
    throw new BookingError('ORDER_STATE', `payment ${paymentId} does not belong to order ${orderId}`);
  }
  const events: InventoryEvent[] = lazyTimeout(state, order, now);
  const status: PaymentStatus = events.length > 0 ? 'timed_out' : order.status;
  const mismatch =
    outcome !== 'succeeded'
      ? undefined
      : ((received === undefined ? undefined : mismatchOf(order, received)) ??
        overCardLimit(state, order, status, cardFingerprint));
  if (mismatch !== undefined) {
    // Checked before anything is sold: money of the wrong amount or currency buys nothing and goes back as it came.
    if (nextPaymentStatus(status, 'REJECT') === undefined) return events;
    const expected = { amount: order.amount, currency: order.currency };
    const taken = received ?? expected;
    events.push({
      type: 'PaymentRejected',
      data: {
        orderId,
        providerEventId,
        ...(paymentId === undefined ? {} : { paymentId }),
        reason: mismatch,
        expected,
        received: taken,
        at: now,
      },
    });
    if (isPaymentOpen(status)) {
      const hold = reservationOf(state, orderId);
      events.push({
        type: 'ReservationReleased',
        data: endedHold(state, hold, now, { orderId, reason: 'payment_rejected' }),
      });
    }
    events.push({
      type: 'RefundRequested',
      data: {
        orderId,
        amount: taken.amount,
        currency: taken.currency,
        reason: mismatch === 'purchase_limit' ? 'purchase_limit' : 'payment_rejected',
        at: now,
      },
    });
    return events;
  }
  const machineEvent: PaymentEventType = outcome === 'succeeded' ? 'SUCCEED' : 'FAIL';
  const next = nextPaymentStatus(status, machineEvent);
  // A duplicate or out-of-order report (a failure after the success, a second success) changes nothing.
  if (next === undefined) return events;
  const paid = paymentId === undefined ? {} : { paymentId };
  if (outcome === 'failed') {
    const hold = reservationOf(state, orderId);
    events.push(
      { type: 'PaymentFailed', data: { orderId, providerEventId, reason: reason ?? 'declined', at: now } },
      { type: 'ReservationReleased', data: endedHold(state, hold, now, { orderId, reason: 'payment_failed' }) },
    );
    return events;
  }
  if (next === 'refunded') {
    // The seats went back on sale (and may be sold to someone else): never sell them now, give the money back.
    events.push(
      { type: 'PaymentSucceeded', data: { orderId, providerEventId, ...paid, late: true, at: now } },
      {
        type: 'RefundRequested',
        data: { orderId, amount: order.amount, currency: order.currency, reason: 'late_payment', at: now },
      },
    );
    return events;
  }
  const hold = reservationOf(state, orderId);
  const ended = endedHold(state, hold, now);
  const tickets: TicketIssued[] =
    hold.seats.length > 0
      ? ended.seatIds.map((seatId, i) => ({
          type: 'TicketIssued',
          data: { ticketId: ticketIdOf(orderId, i), orderId, userId: order.userId, seatId, at: now },
        }))
      : Array.from({ length: hold.quantity }, (_, i) => ({
          type: 'TicketIssued',
          data: {
            ticketId: ticketIdOf(orderId, i),
            orderId,
            userId: order.userId,
            sectionId: hold.sectionId!,
            at: now,
          },
        }));
  const card = cardFingerprint === undefined || cardFingerprint === order.cardFingerprint ? {} : { cardFingerprint };
  events.push(
    { type: 'PaymentSucceeded', data: { orderId, providerEventId, ...paid, ...card, late: false, at: now } },
    { type: 'ReservationSold', data: Object.assign(ended, { orderId }) },
    ...tickets,
  );
  return events;
};

/**
 * A success paid with a card the order did not record beforehand (confirmed in the browser, so the server first sees
 * the card in the provider's notice) is over the limit when the card's other orders and this one pass it. Only a
 * success that would sell seats is checked: a late one is refunded anyway.
 */
const overCardLimit = (
  state: InventoryState,
  order: OrderRecord,
  status: PaymentStatus,
  cardFingerprint: string | undefined,
): 'purchase_limit' | undefined =>
  cardFingerprint === undefined ||
  cardFingerprint === order.cardFingerprint ||
  !isPaymentOpen(status) ||
  cardRefusal(state, order, cardFingerprint) === undefined
    ? undefined
    : 'purchase_limit';

const mismatchOf = (order: OrderRecord, received: Money): 'amount_mismatch' | 'currency_mismatch' | undefined =>
  received.currency !== order.currency
    ? 'currency_mismatch'
    : received.amount !== order.amount
      ? 'amount_mismatch'
      : undefined;

/** An open payment whose time is up is timed out before anything else is decided about it. */
const lazyTimeout = (state: InventoryState, order: OrderRecord, now: number): InventoryEvent[] =>
  isPaymentOpen(order.status) && order.reservedUntil <= now ? timeoutEvents(state, order, now) : [];

const timeoutEvents = (state: InventoryState, order: OrderRecord, now: number): InventoryEvent[] => {
  const hold = reservationOf(state, order.orderId);
  return [
    { type: 'PaymentTimedOut', data: { orderId: order.orderId, at: now } },
    {
      type: 'ReservationReleased',
      data: endedHold(state, hold, now, { orderId: order.orderId, reason: 'payment_timed_out' }),
    },
  ];
};

export const orderOf = (state: InventoryState, orderId: string): OrderRecord => {
  const order = state.orders.get(orderId);
  if (order === undefined) throw new BookingError('ORDER_NOT_FOUND', `no order ${orderId}`);
  return order;
};

const holdPlacedVersion = (state: InventoryState, holdId: string): number => {
  const hold = state.holds.get(state.handleOfHold.get(holdId) ?? 0);
  if (hold === undefined) throw new Error(`an order of hold ${holdId}, which is not live`);
  return hold.placedVersion;
};

/**
 * Applies an order event in place (called by evolve). Seat movements come with their own seat events, so this
 * only keeps the order, payment and ticket records. A payment move the machine forbids is a programmer error.
 */
export const evolveOrder = (state: InventoryState, event: OrderEvent): void => {
  switch (event.type) {
    case 'OrderPlaced': {
      const {
        orderId,
        holdId,
        userId,
        seatIds,
        sectionId,
        quantity,
        lines,
        amount,
        currency,
        reservedUntil,
        householdKey,
        at,
      } = event.data;
      const order: OrderRecord = {
        orderId,
        holdId,
        userId,
        seatIds,
        sectionId,
        quantity,
        lines,
        amount,
        currency,
        createdAt: at,
        reservedUntil,
        status: 'pending',
        provider: undefined,
        paymentId: undefined,
        cardFingerprint: undefined,
        householdKey,
        cancelled: false,
        providerEventIds: new Set(),
        refundDue: false,
        refundReason: undefined,
        refundAmount: undefined,
        refundId: undefined,
        ticketIds: [],
        updatedAt: at,
        // Evolve adds this event's own version, and every later one naming the order, once it is applied.
        eventVersions: [holdPlacedVersion(state, holdId)],
      };
      state.orders.set(orderId, order);
      indexOrder(state, order);
      state.paymentDeadlines.set(orderId, reservedUntil);
      return;
    }
    case 'PaymentCardRecorded': {
      const order = orderRecord(state, event.data.orderId);
      unindexCard(state, order);
      order.cardFingerprint = event.data.cardFingerprint;
      order.updatedAt = event.data.at;
      indexOrder(state, order);
      return;
    }
    case 'PaymentInitiated': {
      const order = movePayment(state, event.data.orderId, 'INITIATE', event.data.at);
      order.provider = event.data.provider;
      order.paymentId = event.data.paymentId;
      return;
    }
    case 'PaymentSucceeded': {
      const order = movePayment(state, event.data.orderId, 'SUCCEED', event.data.at);
      if ((order.status === 'refunded') !== event.data.late)
        throw new Error(`order ${order.orderId}: success lateness disagrees with the machine`);
      order.providerEventIds.add(event.data.providerEventId);
      order.paymentId ??= event.data.paymentId;
      if (event.data.cardFingerprint !== undefined) {
        unindexCard(state, order);
        order.cardFingerprint = event.data.cardFingerprint;
        indexOrder(state, order);
      }
      return;
    }
    case 'PaymentFailed': {
      const order = movePayment(state, event.data.orderId, 'FAIL', event.data.at);
      order.providerEventIds.add(event.data.providerEventId);
      return;
    }
    case 'PaymentRejected': {
      const order = movePayment(state, event.data.orderId, 'REJECT', event.data.at);
      order.providerEventIds.add(event.data.providerEventId);
      order.paymentId ??= event.data.paymentId;
      return;
    }
    case 'PaymentTimedOut':
      movePayment(state, event.data.orderId, 'TIME_OUT', event.data.at);
      return;
    case 'PaymentCancelled': {
      const order = orderRecord(state, event.data.orderId);
      order.cancelled = true;
      order.updatedAt = event.data.at;
      return;
    }
    case 'RefundRequested': {
      // An admin refund ends a paid order here; a late payment's order is refunded already.
      const order =
        event.data.reason === 'admin'
          ? movePayment(state, event.data.orderId, 'REFUND', event.data.at)
          : orderRecord(state, event.data.orderId);
      if (order.status !== 'refunded')
        throw new Error(`refund requested for order ${order.orderId} in ${order.status}`);
      order.refundDue = true;
      order.refundReason = event.data.reason;
      order.refundAmount = event.data.amount;
      order.updatedAt = event.data.at;
      return;
    }
    case 'PaymentRefunded': {
      const order = orderRecord(state, event.data.orderId);
      order.refundId = event.data.refundId;
      order.updatedAt = event.data.at;
      return;
    }
    case 'TicketIssued': {
      const { ticketId, orderId, userId, seatId, sectionId } = event.data;
      const order = orderRecord(state, orderId);
      if (state.tickets.has(ticketId)) throw new Error(`ticket ${ticketId} issued twice`);
      state.tickets.set(ticketId, {
        ticketId,
        orderId,
        userId,
        seatId,
        sectionId,
        checkedInAt: undefined,
        gate: undefined,
      });
      order.ticketIds.push(ticketId);
      return;
    }
    case 'TicketCheckedIn': {
      const ticket = state.tickets.get(event.data.ticketId);
      if (ticket === undefined) throw new Error(`event names unknown ticket ${event.data.ticketId}`);
      if (ticket.checkedInAt !== undefined) throw new Error(`ticket ${ticket.ticketId} checked in twice`);
      ticket.checkedInAt = event.data.at;
      ticket.gate = event.data.gate;
      return;
    }
    default: {
      const _exhaustive: never = event;
      throw new Error(`unknown event ${JSON.stringify(_exhaustive)}`);
    }
  }
};

const orderRecord = (state: InventoryState, orderId: string): OrderRecord => {
  const order = state.orders.get(orderId);
  if (order === undefined) throw new Error(`event names unknown order ${orderId}`);
  return order;
};

const movePayment = (state: InventoryState, orderId: string, type: PaymentEventType, at: number): OrderRecord => {
  const order = orderRecord(state, orderId);
  const next = nextPaymentStatus(order.status, type);
  if (next === undefined)
    throw new Error(`illegal payment transition ${type} from ${order.status} for order ${orderId}`);
  order.status = next;
  order.updatedAt = at;
  if (!isPaymentOpen(next)) state.paymentDeadlines.delete(orderId);
  return order;
};
