import type { BuyerOrderView } from '../../contract/rest.ts';
import { BookingError } from '../../domain/bookingError.ts';
import type { OrderView } from '../../domain/seatMap/views.ts';
import { type QrFormat, renderTicketQr, type TicketSigner } from '../../payments/tickets.ts';
import type { OrderReads } from './orderReads.ts';

/** A ticket as its holder sees it (the view plus the signed code the gate scans), and the order with them. */
export type { BuyerOrderView, IssuedTicketView } from '../../contract/rest.ts';

export type BuyerViews = ReturnType<typeof createBuyerViews>;

/**
 * What a buyer reads about their orders: the order with its tickets signed (Ed25519 codes a gate verifies offline),
 * a ticket's QR code, and the key that verifies them. Reads only: one mailbox read per call at most.
 */
export const createBuyerViews = (deps: Readonly<{ reads: OrderReads; signer: TicketSigner }>) => {
  const { reads, signer } = deps;

  /** Signs each issued ticket of the view; an order without tickets is shown as it is. */
  const buyerView = async (view: OrderView): Promise<BuyerOrderView> => {
    const { tickets: issued, ...rest } = view;
    if (issued === undefined) return rest;
    const tickets = await Promise.all(
      issued.map(async (ticket) => ({
        ...ticket,
        code: await signer.sign({
          ticketId: ticket.ticketId,
          eventId: view.eventId,
          orderId: view.orderId,
          ...(ticket.seatId === undefined ? {} : { seatId: ticket.seatId }),
          ...(ticket.sectionId === undefined ? {} : { sectionId: ticket.sectionId }),
        }),
      })),
    );
    return { ...rest, tickets };
  };

  return {
    buyerView,

    async getOrder(orderId: string, userId: string): Promise<BuyerOrderView> {
      return buyerView((await reads.ownOrder(orderId, userId)).view);
    },

    async ticketQr(ticketId: string, userId: string, format: QrFormat) {
      const orderId = ticketId.slice(0, ticketId.lastIndexOf('-'));
      const { view } = await reads.ownOrder(orderId, userId).catch((error: unknown) => {
        // Only a missing order means a missing ticket; a store that cannot answer is UNAVAILABLE, not "no ticket".
        throw error instanceof BookingError && error.code === 'ORDER_NOT_FOUND'
          ? new BookingError('NOT_FOUND', `no ticket ${ticketId}`)
          : error;
      });
      const ticket = (await buyerView(view)).tickets?.find((candidate) => candidate.ticketId === ticketId);
      if (ticket === undefined) throw new BookingError('NOT_FOUND', `no ticket ${ticketId}`);
      return renderTicketQr(ticket.code, format);
    },

    publicKey: () => signer.publicKey,
  };
};
