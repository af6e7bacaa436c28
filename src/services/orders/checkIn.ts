import { BookingError } from '../../domain/bookingError.ts';
import type { TicketPayload, TicketSigner } from '../../payments/tickets.ts';
import type { Clock } from '../../platform/clock.ts';
import type { OrderReads } from './orderReads.ts';

export type CheckIn = Readonly<{ status: 'admitted'; ticket: TicketPayload; checkedInAt: string }>;

export type CheckIns = ReturnType<typeof createCheckIns>;

/** Gates admit tickets: the code is verified offline, then the event's actor admits each ticket once. */
export const createCheckIns = (deps: Readonly<{ reads: OrderReads; signer: TicketSigner; clock: Clock }>) => ({
  /** However many gates scan the same ticket, the actor admits it once (the others are TICKET_ALREADY_USED). */
  async checkIn(code: string, gate: string | undefined): Promise<CheckIn> {
    const ticket = await deps.signer.verify(code);
    const actor = await deps.reads.actorOfId(
      ticket.orderId,
      new BookingError('TICKET_INVALID', 'the ticket names no event on sale'),
    );
    const reply = await actor.send((now) => ({
      type: 'CheckInTicket',
      data: { ticketId: ticket.ticketId, ...(gate === undefined ? {} : { gate }), now },
    }));
    const checkedIn = reply.events.find((event) => event.type === 'TicketCheckedIn');
    return {
      status: 'admitted',
      ticket,
      checkedInAt: new Date(checkedIn?.data.at ?? deps.clock.now()).toISOString(),
    };
  },
});
