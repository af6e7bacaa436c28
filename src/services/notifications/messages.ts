import type { Notification, TicketRef } from '../../domain/notifications/notifications.ts';
import type { RenderedMessage, RenderOptions } from '../../notifications/channel.ts';
import { renderTicketQr, type TicketSigner } from '../../payments/tickets.ts';

export type MessageDeps = Readonly<{
  signer: TicketSigner;
  /** The event's name for subject lines; undefined when the catalog does not know it. */
  eventName: (eventId: string) => Promise<string | undefined>;
  /** The server's public address (`https://tickets.example.com`), for links; unset: messages carry no link. */
  publicUrl?: string;
}>;

/** Event names kept in memory by the messages (each read from the catalog once). */
export const eventNamesKeptMax = 1_000;

const money = (amount: number, currency: string): string => `${(amount / 100).toFixed(2)} ${currency}`;
const place = (ticket: TicketRef): string =>
  ticket.seatId !== undefined ? `seat ${ticket.seatId}` : `general admission, ${ticket.sectionId ?? 'entry'}`;
const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const paragraphs = (lines: readonly string[]): string => lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
/** A content id per ticket: ticket ids are `<eventId>.<order>-<n>`, safe in a cid once dots are kept. */
const cidOf = (ticketId: string): string => `qr-${ticketId.replace(/[^A-Za-z0-9._-]/g, '_')}@seatactor`;

/**
 * The words of a notification, the same for every channel: e-mail gets subject, text and html (an order's tickets as
 * inline QR codes, signed like `GET /v1/tickets/:id/qr`, drawn only when `attachments` is asked for), push and SMS get
 * `short`.
 */
export const createMessages = (deps: MessageDeps) => {
  const link = (path: string) => (deps.publicUrl === undefined ? undefined : `${deps.publicUrl}${path}`);

  // An event's name never changes once created (the catalog has no update): each is read once, not once per message
  // (a waitlist's burst of offers read the catalog per mail, on the store thread that also appends the batches).
  const names = new Map<string, string>();
  const nameOf = async (eventId: string): Promise<string | undefined> => {
    const known = names.get(eventId);
    if (known !== undefined) return known;
    const name = await deps.eventName(eventId);
    if (name === undefined) return undefined;
    // The oldest goes first once full: a bound, not an LRU; a name read again costs one catalog read.
    if (names.size >= eventNamesKeptMax) names.delete(names.keys().next().value!);
    names.set(eventId, name);
    return name;
  };

  const render = async (notification: Notification, options: RenderOptions = {}): Promise<RenderedMessage> => {
    const event = (await nameOf(notification.eventId)) ?? notification.eventId;
    switch (notification.topic) {
      case 'order_confirmed': {
        const { orderId, amount, currency, tickets } = notification.data;
        const url = link(`/?event=${encodeURIComponent(notification.eventId)}&order=${encodeURIComponent(orderId)}`);
        // The QR codes are drawn only for a channel that sends them (e-mail): a push or an SMS names the tickets.
        const attachments = await Promise.all(
          (options.attachments === true ? tickets : []).map(async (ticket) => {
            const code = await deps.signer.sign({
              ticketId: ticket.ticketId,
              eventId: notification.eventId,
              orderId,
              ...(ticket.seatId === undefined ? {} : { seatId: ticket.seatId }),
              ...(ticket.sectionId === undefined ? {} : { sectionId: ticket.sectionId }),
            });
            const qr = await renderTicketQr(code, 'png');
            return {
              filename: `ticket-${ticket.ticketId}.png`,
              cid: cidOf(ticket.ticketId),
              contentType: qr.contentType,
              content: qr.body as Buffer,
            };
          }),
        );
        const lines = [
          `Your order ${orderId} for ${event} is paid: ${money(amount, currency)}.`,
          `${tickets.length} ticket${tickets.length === 1 ? '' : 's'}: ${tickets.map(place).join('; ')}.`,
          'Show the QR code of each ticket at the entrance.',
          ...(url === undefined ? [] : [`Your order: ${url}`]),
        ];
        const qrHtml = tickets
          .map(
            (ticket) =>
              `<figure><img src="cid:${cidOf(ticket.ticketId)}" alt="QR code of ticket ${escapeHtml(ticket.ticketId)}">` +
              `<figcaption>${escapeHtml(ticket.ticketId)}: ${escapeHtml(place(ticket))}</figcaption></figure>`,
          )
          .join('\n');
        return {
          subject: `Your tickets for ${event}`,
          text: lines.join('\n\n'),
          html: `${paragraphs(lines)}\n${qrHtml}`,
          short: `Paid: ${tickets.length} ticket${tickets.length === 1 ? '' : 's'} for ${event}.`,
          ...(url === undefined ? {} : { url }),
          attachments,
        };
      }
      case 'payment_failed': {
        const { orderId, amount, currency, timedOut, reason } = notification.data;
        const lines = [
          timedOut
            ? `The payment of ${money(amount, currency)} for order ${orderId} (${event}) did not complete in time.`
            : `The payment of ${money(amount, currency)} for order ${orderId} (${event}) failed (${reason}).`,
          'Nothing was charged, and the seats went back on sale.',
        ];
        return {
          subject: `Payment failed: ${event}`,
          text: lines.join('\n\n'),
          html: paragraphs(lines),
          short: `Payment failed for ${event}; the seats went back on sale.`,
          attachments: [],
        };
      }
      case 'order_refunded': {
        const { orderId, amount, currency, reason } = notification.data;
        const what = amount === undefined || currency === undefined ? 'What you paid' : money(amount, currency);
        const why =
          reason === 'late_payment'
            ? 'Your payment arrived after the order had ended, so no seats were sold to you.'
            : reason === 'payment_rejected'
              ? 'The payment did not match the order, so no seats were sold to you.'
              : reason === 'purchase_limit'
                ? 'The card you paid with had already bought as many tickets for this event as one buyer may, so no seats were sold to you.'
                : 'The order was cancelled and its tickets are void.';
        const lines = [`${what} for order ${orderId} (${event}) has been refunded.`, why];
        return {
          subject: `Refund: ${event}`,
          text: lines.join('\n\n'),
          html: paragraphs(lines),
          short: `${what} refunded for ${event}.`,
          attachments: [],
        };
      }
      case 'waitlist_offer': {
        const { seatIds, quantity, expiresAt } = notification.data;
        const url = link(`/?event=${encodeURIComponent(notification.eventId)}`);
        const seats =
          seatIds.length > 0 ? `seats ${seatIds.join(', ')}` : `${quantity} place${quantity === 1 ? '' : 's'}`;
        const lines = [
          `Seats came back for ${event}: ${seats}, held for you until ${new Date(expiresAt).toISOString()}.`,
          'Check out before then, or they go to the next person on the waitlist.',
          ...(url === undefined ? [] : [`Check out: ${url}`]),
        ];
        return {
          subject: `Seats for you: ${event}`,
          text: lines.join('\n\n'),
          html: paragraphs(lines),
          short: `Seats held for you for ${event} until ${new Date(expiresAt).toISOString()}.`,
          ...(url === undefined ? {} : { url }),
          attachments: [],
        };
      }
      default: {
        const _exhaustive: never = notification;
        throw new Error(`no message for ${JSON.stringify(_exhaustive)}`);
      }
    }
  };

  return { render };
};

export type Messages = ReturnType<typeof createMessages>;
