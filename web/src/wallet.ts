import { readWallet } from './walletStore.ts';

/**
 * The ticket wallet: every ticket this browser bought, with its QR code and signed code, read from localStorage only,
 * so it works offline once loaded (the service worker keeps the page and its script).
 */
const list = document.querySelector('#wallet') as HTMLElement;
const tickets = readWallet(localStorage);
if (tickets.length === 0) list.innerHTML = '<li class="muted">No tickets in this browser yet.</li>';
for (const ticket of tickets) {
  const item = document.createElement('li');
  item.className = 'ticket';
  item.dataset.ticketId = ticket.ticketId;
  const title = document.createElement('strong');
  title.textContent = `${ticket.eventName} · ${ticket.place}`;
  const when = document.createElement('p');
  when.textContent = new Date(ticket.startsAt).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
  const qr = document.createElement('div');
  qr.setAttribute('role', 'img');
  qr.setAttribute('aria-label', `QR code of the ticket for ${ticket.place}`);
  // Stored from this origin's own QR endpoint when the ticket was bought.
  qr.innerHTML = ticket.qrSvg;
  const code = document.createElement('code');
  code.textContent = ticket.code;
  item.append(title, when, qr, code);
  list.append(item);
}
const status = document.querySelector('#network') as HTMLElement;
const showNetwork = () => {
  status.textContent = navigator.onLine ? 'online' : 'offline: showing the tickets saved on this device';
};
addEventListener('online', showNetwork);
addEventListener('offline', showNetwork);
showNetwork();
if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
