/**
 * The ticket wallet kept in this browser (localStorage): each ticket with its signed code and its QR code as SVG, so
 * the wallet page shows them with no network at all. The buyer app adds every ticket it shows.
 */
export type WalletTicket = Readonly<{
  ticketId: string;
  eventName: string;
  startsAt: string;
  place: string;
  code: string;
  qrSvg: string;
}>;

const walletKey = 'seatactor.wallet';

export const readWallet = (storage: Pick<Storage, 'getItem'>): WalletTicket[] => {
  try {
    const parsed = JSON.parse(storage.getItem(walletKey) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as WalletTicket[]) : [];
  } catch {
    return [];
  }
};

/** Adds or replaces tickets by id; keeps the order they were first added in. */
export const saveToWallet = (storage: Pick<Storage, 'getItem' | 'setItem'>, tickets: readonly WalletTicket[]): void => {
  const byId = new Map(readWallet(storage).map((ticket) => [ticket.ticketId, ticket]));
  for (const ticket of tickets) if (ticket.qrSvg !== '') byId.set(ticket.ticketId, ticket);
  storage.setItem(walletKey, JSON.stringify([...byId.values()]));
};
