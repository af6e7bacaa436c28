/**
 * The server side of bench/queueSockets.ts, in its own process so its CPU is measured apart from the clients. IPC:
 * `ready` → {port}; `create {openInMs, room}` → an event of 1,000 seats opening that far ahead, with a waiting room
 * (`room: true`) or without one.
 */
import { startServer } from '../src/app/startServer.ts';

const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  store: { kind: 'memory' },
  adminToken: 'bench-admin-token',
  jwtSecret: 'bench-jwt-secret-of-at-least-32-bytes!!',
  logLevel: 'silent',
  web: false,
  // Thousands of clients from one address: per-address and per-connection limits would throttle the set-up.
  restRateLimit: { requestsPerSecondMax: 1_000_000 },
  socket: { requestsPerWindowMax: 1_000_000 },
  readBudget: { inFlightPerClientMax: 1_000_000, bytesPerSecondPerClientMax: 1e12 },
  // No outbox: each paid order's confirmation renders its tickets' QR codes as PNG on the main thread (tens of ms an
  // order), which would measure the notifications, not the room (docs/benchmarks.md says how much).
  notifications: { outbox: false },
});
const { id: venueId } = await server.booking.createVenue({
  name: 'Queue Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated',
      rows: Array.from({ length: 20 }, (_, r) => ({
        id: `R${r}`,
        seats: Array.from({ length: 50 }, (_, s) => ({ id: `S-${r}-${s}`, priceTier: 'A' })),
      })),
    },
  ],
});

type Message = { type: string; openInMs?: number; room?: boolean };

process.on('message', (message: Message) => {
  if (message.type === 'create') {
    const saleStartsAtMs = Date.now() + (message.openInMs ?? 30_000);
    void server.booking
      .createEvent({
        venueId,
        name: message.room === false ? 'No Room Night' : 'Queue Night',
        startsAt: '2030-01-01T20:00:00Z',
        priceTiers: { A: { amount: 1000, currency: 'EUR' } },
        holdTtlSeconds: 600,
        paymentTimeoutSeconds: 600,
        maxSeatsPerUser: 5,
        saleStartsAtMs,
        // At most 100 admitted at a time, each for 30 s; buyers who order make room for the next at once.
        ...(message.room === false ? {} : { waitingRoom: { enabled: true, admittedMax: 100, admissionSeconds: 30 } }),
      })
      .then(({ id }) => process.send!({ type: 'create', eventId: id, saleStartsAtMs }));
  }
  if (message.type === 'stop') void server.drain().then(() => process.exit(0));
});
process.send!({ type: 'ready', port: server.port });
