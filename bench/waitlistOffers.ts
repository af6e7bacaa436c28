/**
 * Waitlist offer latency, end to end on one in-process server (real sockets, a real SMTP server on loopback, the
 * system clock): a sold-out event whose holders give their seats back one hold at a time while `--entries` buyers wait
 * (quantity 1 each, each with a socket and an e-mail address). Each buyer offered seats declines at once (releases the
 * hold: the seat goes to the next entry), orders it, or ignores it (it lapses after `--offer-seconds`). For every offer
 * it reports the time from the seat coming back (the release request sent, or the lapsed offer's `expiresAt`) to
 * `waitlist:offer` on the buyer's socket, and to the offer's e-mail accepted by the SMTP server (a real one, in a process
 * of its own: bench/smtpSink.ts).
 *
 *   npx tsx bench/waitlistOffers.ts [--entries 1000] [--seats 100] [--offer-seconds 10] [--store pglite|memory]
 *     [--smtp-connections N]  (the pooled SMTP connections; default the server's, 10)
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { WaitlistOffer } from '../src/contract/protocol.ts';
import { api } from '../test/support/api.ts';
import { openSocket, type TestSocket } from '../test/support/sockets.ts';
import { startTestServer } from '../test/support/testServer.ts';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000' },
    seats: { type: 'string', default: '100' },
    'offer-seconds': { type: 'string', default: '10' },
    store: { type: 'string', default: 'pglite' },
    'limit-seconds': { type: 'string', default: '240' },
    'smtp-connections': { type: 'string' },
  },
});
const entries = Number(values.entries);
const seats = Number(values.seats);
const offerSeconds = Number(values['offer-seconds']);
const limitMs = Number(values['limit-seconds']) * 1000;
const perRow = 10;
const perHolder = 5;

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const summary = (samples: readonly number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number) => Math.round(value * 10) / 10;
  return {
    n: sorted.length,
    p50: ms(quantile(sorted, 0.5)),
    p90: ms(quantile(sorted, 0.9)),
    p99: ms(quantile(sorted, 0.99)),
    max: ms(sorted.at(-1) ?? Number.NaN),
  };
};

const main = async () => {
  const dataDir = values.store === 'pglite' ? mkdtempSync(join(tmpdir(), 'seatactor-bench-waitlist-')) : undefined;
  // The SMTP server runs in a process of its own, as a mail service would on another machine.
  const sink = fork(new URL('./smtpSink.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(sink, 'message')) as [{ type: 'ready'; url: string }];
  const { server, baseUrl, client } = await startTestServer({
    store: dataDir === undefined ? { kind: 'memory' } : { kind: 'pglite', dataDir },
    // Benchmarks measure the product, not the tests' per-batch invariant check.
    actor: { checkInvariantsEveryBatch: false },
    socket: { requestsPerWindowMax: 1_000_000 },
    notifications: {
      smtp: {
        url: ready.url,
        from: 'Bench <bench@seatactor.test>',
        ...(values['smtp-connections'] === undefined ? {} : { connectionsMax: Number(values['smtp-connections']) }),
      },
      publicUrl: 'https://bench.test',
    },
  });
  const rows = Math.ceil(seats / perRow);
  const venueId = await client.createVenue({
    name: 'Bench Hall',
    sections: [
      {
        id: 'ORCH',
        name: 'Orchestra',
        kind: 'seated',
        rows: Array.from({ length: rows }, (_, r) => ({
          id: `R${r + 1}`,
          seats: Array.from({ length: perRow }, (_, s) => ({ id: `S${r * perRow + s + 1}`, priceTier: 'S' })),
        })),
      },
    ],
  });
  const eventId = await client.createEvent({
    venueId,
    name: 'Bench Waitlist Night',
    startsAt: '2030-01-01T20:00:00Z',
    priceTiers: { S: { amount: 5000, currency: 'EUR' } },
    waitlistOfferSeconds: offerSeconds,
    holdTtlSeconds: 3600,
  });

  // Sold out: every seat held, five a holder.
  const seatIds = Array.from({ length: rows * perRow }, (_, i) => `S${i + 1}`);
  const holds: { holdId: string; token: string }[] = [];
  for (let i = 0; i < seatIds.length; i += perHolder) {
    const { token } = await client.session();
    const held = await client.hold(eventId, token, { requestId: `h${i}`, seatIds: seatIds.slice(i, i + perHolder) });
    if (held.status !== 201) throw new Error(`hold: ${JSON.stringify(held.body)}`);
    holds.push({ holdId: held.body.holdId, token });
  }

  /** When each seat last came back: the release sent, or the lapsed offer's expiry. */
  const freedAt = new Map<string, number>();
  /** An epoch instant on the performance clock the samples use. */
  const wallOf = (epochMs: number) => performance.now() - (Date.now() - epochMs);
  const socketMs: number[] = [];
  const mailMs: number[] = [];
  const sources = { release: 0, decline: 0, lapse: 0 };
  /** What last gave each seat back, and the socket latencies by it. */
  const freedBy = new Map<string, keyof typeof sources>();
  const socketMsBy: Record<keyof typeof sources, number[]> = { release: [], decline: [], lapse: [] };
  const offeredAt = new Map<string, { freed: number; kind: keyof typeof sources }>();
  const fate = { declined: 0, ordered: 0, ignored: 0 };
  let outstanding = 0;
  /** `waitlist:position` pushes the buyers' sockets received. */
  let positionPushes = 0;
  let lastActivity = performance.now();

  // Every mail the SMTP server accepts is matched to its offer by the notification key (`waitlist_offer:…:holdId`).
  // The SMTP server reports each mail it accepted, matched to its offer by the notification key.
  sink.on('message', (message: { type: string; key?: string }) => {
    if (message.type !== 'mail' || message.key === undefined) return;
    const offer = offeredAt.get(message.key.slice(message.key.lastIndexOf(':') + 1));
    if (offer !== undefined) mailMs.push(performance.now() - offer.freed);
  });

  const buyers: { token: string; socket: TestSocket }[] = [];
  for (let i = 0; i < entries; i++) {
    const { token } = await client.session();
    await client.call('PUT', '/v1/me/contact', { email: `buyer${i}@bench.test` }, token);
    const socket = await openSocket(baseUrl, token);
    const buyer = { token, socket };
    buyers.push(buyer);
    socket.on('waitlist:position', () => {
      positionPushes += 1;
    });
    socket.on('waitlist:offer', (offer: WaitlistOffer) => {
      const now = performance.now();
      lastActivity = now;
      const seat = offer.hold.seatIds[0]!;
      const freed = freedAt.get(seat) ?? now;
      socketMs.push(now - freed);
      socketMsBy[freedBy.get(seat) ?? 'release'].push(now - freed);
      offeredAt.set(offer.hold.holdId, { freed, kind: 'release' });
      const roll = (i * 7919 + offer.hold.seatIds.length * 31 + socketMs.length) % 10;
      if (roll < 5) {
        fate.declined += 1;
        freedAt.set(seat, performance.now());
        freedBy.set(seat, 'decline');
        sources.decline += 1;
        void api(baseUrl)
          .release(offer.hold.holdId, token)
          .then((reply) => {
            if (reply.status !== 204) console.error(`decline refused: ${reply.status} ${JSON.stringify(reply.body)}`);
          });
      } else if (roll < 8) {
        fate.ordered += 1;
        outstanding -= 1;
        void client.call('POST', '/v1/orders', { holdId: offer.hold.holdId, requestId: 'buy' }, token);
      } else {
        fate.ignored += 1;
        sources.lapse += 1;
        freedAt.set(seat, wallOf(Date.parse(offer.hold.expiresAt)));
        freedBy.set(seat, 'lapse');
      }
    });
    const joined = await socket.timeout(10_000).emitWithAck('waitlist:join', { eventId, requestId: 'j', quantity: 1 });
    if (!joined.ok) throw new Error(`join: ${JSON.stringify(joined.error)}`);
  }

  // Churn: the holders give their seats back, one hold (five seats) every 200 ms.
  const started = performance.now();
  outstanding = seatIds.length;
  for (const [index, { holdId, token }] of holds.entries()) {
    const now = performance.now();
    for (const seat of seatIds.slice(index * perHolder, index * perHolder + perHolder)) freedAt.set(seat, now);
    sources.release += perHolder;
    lastActivity = now;
    await client.release(holdId, token);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Until every seat is ordered (or the line runs dry) and the mails are in, within the limit.
  while (performance.now() - started < limitMs) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const quiet = performance.now() - lastActivity > (offerSeconds + 5) * 1000;
    if ((outstanding <= 0 || quiet) && mailMs.length >= socketMs.length) break;
    if (quiet && performance.now() - lastActivity > (offerSeconds + 20) * 1000) break;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify(
      {
        store: values.store,
        entries,
        seats: seatIds.length,
        offerSeconds,
        seconds: Math.round(seconds),
        freed: sources,
        offers: socketMs.length,
        fate,
        socketMs: summary(socketMs),
        socketMsBy: {
          release: summary(socketMsBy.release),
          decline: summary(socketMsBy.decline),
          lapse: summary(socketMsBy.lapse),
        },
        mailMs: summary(mailMs),
        positionPushes,
      },
      null,
      2,
    ),
  );
  for (const buyer of buyers) buyer.socket.close();
  await server.drain();
  sink.kill();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};

await main();
