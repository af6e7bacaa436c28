// The whole buyer journey from Node (18+): node node-journey.mjs <server url> [eventId] [paymentMethod]
// Needs only @seatactor/client installed (npm install <path to the tarball>); no DOM, no framework.
import { SeatActorError, start } from '@seatactor/client';

const [url = 'http://localhost:8080', wantedEvent, paymentMethod = 'pm_card_visa'] = process.argv.slice(2);
const values = new Map(); // a SessionStore: use a file or a keychain to keep the buyer across runs
const client = await start(url, { store: { getItem: (k) => values.get(k), setItem: (k, v) => values.set(k, v) } });
try {
  const events = await client.events();
  const event = events.find((candidate) => candidate.id === wantedEvent) ?? events[0];
  if (event === undefined) throw new Error('no events on this server');
  console.log(`event ${event.name} (${event.id}), prices`, event.priceTiers);

  const map = await client.subscribe(event.id);
  const free = Object.entries(map.seats).filter(([, seat]) => seat.status === 'available');
  const basket = client.basket(event.id);
  // Two named seats when the venue has them, else two places by best available (general admission included).
  const hold =
    free.length >= 2
      ? await basket.set({ seatIds: free.slice(0, 2).map(([seatId]) => seatId) })
      : await basket.set({ bestAvailable: { quantity: 2 } });
  console.log(`held ${hold.seatIds.join(', ') || `${hold.quantity} places`} until ${hold.expiresAt}`);

  const { order, error } = await basket.checkout(paymentMethod);
  console.log(`order ${order.orderId}: ${order.status}${error ? ` (${error.message})` : ''}`);
  for (const ticket of order.tickets ?? []) {
    const svg = await client.ticketQr(ticket.ticketId);
    console.log(`ticket ${ticket.ticketId} for ${ticket.seatId ?? ticket.sectionId}: QR ${svg.length} bytes of SVG`);
  }
  process.exitCode = order.status === 'succeeded' ? 0 : 2;
} catch (error) {
  console.error(error instanceof SeatActorError ? `${error.code}: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  client.close();
}
