/**
 * The server side of bench/fanout.ts, in its own process so its memory and CPU are measured apart from the 1,000
 * clients. Talks to the parent over IPC: `ready` → {port, eventId}; `memory` → usage after a GC; `load` → runs
 * holds and releases for the given seconds and answers with the batches committed.
 */
import { startServer } from '../src/app/startServer.ts';

const adminToken = 'bench-admin-token';
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  store: { kind: 'memory' },
  adminToken,
  jwtSecret: 'bench-jwt-secret-of-at-least-32-bytes!!',
  logLevel: 'silent',
  web: false,
  // A thousand clients from one address: the per-address REST limit would throttle the set-up.
  restRateLimit: { requestsPerSecondMax: 1_000_000 },
  readBudget: { inFlightPerClientMax: 1_000_000, bytesPerSecondPerClientMax: 1e12 },
});
const rows = 20;
const seatsPerRow = 50;
const { id: venueId } = await server.booking.createVenue({
  name: 'Bench Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated',
      rows: Array.from({ length: rows }, (_, r) => ({
        id: `R${r}`,
        seats: Array.from({ length: seatsPerRow }, (_, s) => ({ id: `S-${r}-${s}`, priceTier: 'A' })),
      })),
    },
  ],
});
const { id: eventId } = await server.booking.createEvent({
  venueId,
  name: 'Bench',
  startsAt: '2030-01-01T20:00:00Z',
  priceTiers: { A: { amount: 1000, currency: 'EUR' } },
  holdTtlSeconds: 600,
  paymentTimeoutSeconds: 600,
  maxSeatsPerUser: 5,
  saleStartsAtMs: null,
});
let committed = 0;
server.booking.activations.get(eventId);
const actor = await server.booking.activations.get(eventId);

const gc = (globalThis as { gc?: () => void }).gc;
const memory = () => {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    sockets: server.sockets.socketCount(),
  };
};

/** `workers` buyers each hold one seat and release it, in a loop: every command is one committed change. */
const load = async (seconds: number, workers: number) => {
  const before = actor.stats.batches;
  const deadline = Date.now() + seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const seatId = `S-${w % rows}-${Math.floor(w / rows) % seatsPerRow}`;
      for (let i = 0; Date.now() < deadline; i++) {
        const hold = await server.booking.hold(eventId, `bench-${w}`, `h-${w}-${i}`, {
          kind: 'seats',
          seatIds: [seatId],
        });
        await server.booking.release(hold.holdId, `bench-${w}`, `r-${w}-${i}`);
        requests += 2;
        // Yield to the event loop so socket writes interleave with commits, as they would with real clients.
        if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  committed = actor.stats.batches - before;
  return { batches: committed, requests, version: actor.version };
};

process.on('message', (message: { type: string; seconds?: number; workers?: number }) => {
  if (message.type === 'memory') process.send!({ type: 'memory', ...memory() });
  if (message.type === 'load')
    void load(message.seconds ?? 5, message.workers ?? 20).then((result) => process.send!({ type: 'load', ...result }));
  if (message.type === 'stop') void server.drain().then(() => process.exit(0));
});
process.send!({
  type: 'ready',
  port: server.port,
  eventId,
  token: (await server.booking.getEvent(eventId)) && adminToken,
});
