/**
 * Waitlist offer latency, end to end (real sockets, a real SMTP server on loopback, the system clock): a sold-out event
 * whose holders give their seats back one hold at a time while `--entries` buyers wait (quantity 1 each, each with a
 * socket and an e-mail address). Each buyer offered seats declines at once (releases the hold: the seat goes to the next
 * entry), orders it, or ignores it (it lapses after `--offer-seconds`). For every offer it reports the time from the
 * seat coming back (the release request sent, or the lapsed offer's `expiresAt`) to `waitlist:offer` on the buyer's
 * socket, and to the offer's e-mail accepted by the SMTP server.
 *
 * This process runs the server only (in-process, on PGlite) and measures its event-loop delay; the buyers and the
 * churn's HTTP client run in `--clients` processes of their own (bench/waitlistOffersClient.ts), the SMTP server in
 * another (bench/smtpSink.ts): their parsing and requests do not take the measured thread. Instants are on the wall
 * clock every process shares (`performance.timeOrigin + performance.now()`), matched after the run. Each socket latency
 * is split where the server handed the release to the booking core and where it wrote the offer (`split`); the
 * statements sent to the PGlite thread while measuring are counted (`storeStatements`, with each append's time from its
 * sending to its answer). Writes
 * bench/results/waitlistOffers.json (ignored by git) and prints it.
 *
 *   npx tsx bench/waitlistOffers.ts [--entries 1000] [--seats 100] [--offer-seconds 10] [--store pglite|memory]
 *     [--clients 2] [--smtp-connections N]  (the pooled SMTP connections; default the server's, 10)
 *     [--mail off]  (no e-mail channel: what the mail path costs the socket figures)
 *     [--delivered-flush-ms N]  (the outbox dispatcher's mark window; 0: each delivered mark written at once, those
 *       that come during a write in the next one)
 *     [--claim-spacing-ms N]  (the dispatcher's least time between claims while deliveries are under way; 0: a claim
 *       per wake, those that come during a claim served by one claim after it)
 *   node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/waitlistOffers.ts  (a profile of the server's process)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { WaitlistOffer } from '../src/contract/protocol.ts';
import { startTestServer } from '../test/support/testServer.ts';
import type { ClientReply, ClientTask, Freed, FreedBy, Received } from './waitlistOffersClient.ts';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000' },
    seats: { type: 'string', default: '100' },
    'offer-seconds': { type: 'string', default: '10' },
    store: { type: 'string', default: 'pglite' },
    'limit-seconds': { type: 'string', default: '240' },
    clients: { type: 'string', default: '2' },
    'smtp-connections': { type: 'string' },
    /** off: no e-mail channel (what the mail path costs the socket figures). */
    mail: { type: 'string', default: 'on' },
    /** The outbox dispatcher's delivered-mark window (ms); unset: the dispatcher's default. */
    'delivered-flush-ms': { type: 'string' },
    'claim-spacing-ms': { type: 'string' },
    out: { type: 'string', default: 'bench/results/waitlistOffers.json' },
  },
});
const entries = Number(values.entries);
const seats = Number(values.seats);
const offerSeconds = Number(values['offer-seconds']);
const limitMs = Number(values['limit-seconds']) * 1000;
const clientCount = Math.max(1, Number(values.clients));
const perRow = 10;
const perHolder = 5;

const clock = () => performance.timeOrigin + performance.now();
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

/**
 * Pairs each offer with what freed its seat: per seat, the k-th offer (by arrival) follows the k-th freeing (by
 * instant), since a seat goes back to the line at most once per offer of it (released, declined or lapsed, then
 * offered to the next entry) and an ordered seat is not freed again.
 */
const pairOffers = (
  freed: readonly Freed[],
  received: readonly Received[],
): { holdId: string; freedHoldId: string; freedAt: number; by: FreedBy; latencyMs: number }[] => {
  const bySeat = <T extends { seatId: string; at: number }>(items: readonly T[]) => {
    const map = new Map<string, T[]>();
    for (const item of items) {
      const list = map.get(item.seatId);
      if (list === undefined) map.set(item.seatId, [item]);
      else list.push(item);
    }
    for (const list of map.values()) list.sort((a, b) => a.at - b.at);
    return map;
  };
  const freedBySeat = bySeat(freed);
  const pairs: { holdId: string; freedHoldId: string; freedAt: number; by: FreedBy; latencyMs: number }[] = [];
  for (const [seatId, offers] of bySeat(received)) {
    const frees = freedBySeat.get(seatId) ?? [];
    offers.forEach((offer, k) => {
      const free = frees[k];
      if (free === undefined) throw new Error(`offer ${offer.holdId} of ${seatId} follows no freeing`);
      pairs.push({
        holdId: offer.holdId,
        freedHoldId: free.holdId,
        freedAt: free.at,
        by: free.by,
        latencyMs: offer.at - free.at,
      });
    });
  }
  return pairs;
};

/**
 * Statements sent to the PGlite thread while the run is measured, by their first words, with the thread's time on each:
 * the thread runs them one at a time in the order sent, so a statement's share is from its sending (or the answer
 * before it, if later) to its answer, as this thread sees them. The store thread appends the batches that free and
 * offer the seats; everything else it runs (the outbox, contacts, projections) is ahead of them in its queue.
 */
const statements = new Map<string, { count: number; ms: number }>();
let countingStatements = false;
const sent = new Map<number, { kind: string; at: number; inTransaction: boolean }>();
/** Each append's time from its sending to its answer, its wait behind other statements in the thread included. */
const appendRoundTrips: number[] = [];
/** The same for appends sent while a transaction was open (its BEGIN sent, its end not yet answered). */
const appendRoundTripsInTransaction: number[] = [];
let transactionOpen = false;
const watched = new WeakSet<Worker>();
let lastAnswerAt = 0;
const postMessage = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: [never?]) {
  const { sql, id } = (message ?? {}) as { sql?: unknown; id?: unknown };
  if (countingStatements && typeof sql === 'string' && typeof id === 'number') {
    if (!watched.has(this)) {
      watched.add(this);
      this.on('message', (reply: { id?: number }) => {
        const request = reply.id === undefined ? undefined : sent.get(reply.id);
        if (request === undefined) return;
        sent.delete(reply.id!);
        const now = performance.now();
        const entry = statements.get(request.kind) ?? { count: 0, ms: 0 };
        entry.count += 1;
        entry.ms += now - Math.max(request.at, lastAnswerAt);
        statements.set(request.kind, entry);
        if (request.kind.startsWith('WITH appended'))
          (request.inTransaction ? appendRoundTripsInTransaction : appendRoundTrips).push(now - request.at);
        if (request.kind === 'COMMIT' || request.kind === 'ROLLBACK') transactionOpen = false;
        lastAnswerAt = now;
      });
    }
    const kind = sql.replace(/\s+/g, ' ').trim().slice(0, 60);
    if (kind === 'BEGIN') transactionOpen = true;
    sent.set(id, { kind, at: performance.now(), inTransaction: transactionOpen });
  }
  return postMessage.call(this, message, ...rest);
};

const main = async () => {
  const dataDir = values.store === 'pglite' ? mkdtempSync(join(tmpdir(), 'seatactor-bench-waitlist-')) : undefined;
  const forkOf = (file: string) =>
    fork(new URL(file, import.meta.url).pathname, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  // The SMTP server runs in a process of its own, as a mail service would on another machine.
  const sink = forkOf('./smtpSink.ts');
  const [ready] = (await once(sink, 'message')) as [{ type: 'ready'; url: string }];
  const clients: ChildProcess[] = [];
  for (let i = 0; i < clientCount; i++) {
    const child = forkOf('./waitlistOffersClient.ts');
    clients.push(child);
    await once(child, 'message');
  }
  /** The next reply of a type from a client process. */
  const reply = <T extends ClientReply['type']>(child: ChildProcess, type: T) =>
    new Promise<Extract<ClientReply, { type: T }>>((resolve) => {
      const listener = (message: ClientReply) => {
        if (message.type !== type) return;
        child.off('message', listener);
        resolve(message as Extract<ClientReply, { type: T }>);
      };
      child.on('message', listener);
    });
  const tell = (child: ChildProcess, task: ClientTask) => child.send(task);

  const { server, baseUrl, client } = await startTestServer({
    store: dataDir === undefined ? { kind: 'memory' } : { kind: 'pglite', dataDir },
    // Benchmarks measure the product, not the tests' per-batch invariant check.
    actor: { checkInvariantsEveryBatch: false },
    socket: { requestsPerWindowMax: 1_000_000 },
    notifications: {
      ...(values.mail === 'off'
        ? {}
        : {
            smtp: {
              url: ready.url,
              from: 'Bench <bench@seatactor.test>',
              ...(values['smtp-connections'] === undefined
                ? {}
                : { connectionsMax: Number(values['smtp-connections']) }),
            },
          }),
      publicUrl: 'https://bench.test',
      dispatcher: {
        ...(values['delivered-flush-ms'] === undefined
          ? {}
          : { deliveredFlushMs: Number(values['delivered-flush-ms']) }),
        ...(values['claim-spacing-ms'] === undefined ? {} : { claimSpacingMs: Number(values['claim-spacing-ms']) }),
      },
    },
  });
  // When the server wrote each offer to its buyer's sockets (this process's clock), to split each latency into the
  // server's part (seat freed to push written) and the way to the client (push written to offer read).
  const pushedAt = new Map<string, number>();
  // When the server's REST route handed each release to the booking core (its request read, authenticated, parsed).
  const releaseCalledAt = new Map<string, number>();
  const release = server.booking.release;
  Object.assign(server.booking, {
    release: ((holdId, ...rest) => {
      releaseCalledAt.set(holdId, clock());
      return release(holdId, ...rest);
    }) satisfies typeof release,
  });
  const notifyUser = server.sockets.notifyUser;
  Object.assign(server.sockets, {
    notifyUser: ((userId, event, ...args) => {
      if (event === 'waitlist:offer') pushedAt.set((args[0] as WaitlistOffer).hold.holdId, clock());
      notifyUser(userId, event, ...args);
    }) satisfies typeof notifyUser,
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

  // Sold out: every seat held, five a holder (set-up, before anything is measured).
  const seatIds = Array.from({ length: rows * perRow }, (_, i) => `S${i + 1}`);
  const holds: { holdId: string; token: string; seatIds: string[] }[] = [];
  for (let i = 0; i < seatIds.length; i += perHolder) {
    const { token } = await client.session();
    const held = seatIds.slice(i, i + perHolder);
    const reply = await client.hold(eventId, token, { requestId: `h${i}`, seatIds: held });
    if (reply.status !== 201) throw new Error(`hold: ${JSON.stringify(reply.body)}`);
    holds.push({ holdId: reply.body.holdId, token, seatIds: held });
  }

  // The buyers join from their processes, each process its share in order, the processes side by side.
  const share = Math.ceil(entries / clientCount);
  await Promise.all(
    clients.map((child, i) => {
      const joined = reply(child, 'joined');
      const first = i * share;
      tell(child, { type: 'join', baseUrl, eventId, first, count: Math.max(0, Math.min(share, entries - first)) });
      return joined;
    }),
  );

  // Churn, from the first client process: the holders give their seats back, one hold (five seats) every 200 ms.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  countingStatements = true;
  const started = clock();
  const churned = reply(clients[0]!, 'churned');
  tell(clients[0]!, { type: 'churn', holds, intervalMs: 200 });
  await churned;
  // Until every seat is ordered (or the line runs dry) and the mails are in, within the limit.
  let mails = 0;
  const mailCount = (): Promise<number> => {
    const counted = new Promise<number>((resolve) => {
      const listener = (message: { type: string; count?: number }) => {
        if (message.type !== 'count') return;
        sink.off('message', listener);
        resolve(message.count ?? 0);
      };
      sink.on('message', listener);
    });
    sink.send({ type: 'count' });
    return counted;
  };
  while (clock() - started < limitMs) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const progress = await Promise.all(
      clients.map((child) => {
        const answer = reply(child, 'progress');
        tell(child, { type: 'poll' });
        return answer;
      }),
    );
    mails = await mailCount();
    const offers = progress.reduce((n, p) => n + p.offers, 0);
    const ordered = progress.reduce((n, p) => n + p.ordered, 0);
    const lastActivityAt = Math.max(...progress.map((p) => p.lastActivityAt));
    const quiet = clock() - lastActivityAt > (offerSeconds + 5) * 1000;
    if ((ordered >= seatIds.length || quiet) && (mails >= offers || values.mail === 'off')) break;
    if (quiet && clock() - lastActivityAt > (offerSeconds + 20) * 1000) break;
  }
  loopDelay.disable();
  countingStatements = false;
  const seconds = (clock() - started) / 1000;

  const results = await Promise.all(
    clients.map((child) => {
      const result = reply(child, 'result');
      tell(child, { type: 'finish' });
      return result;
    }),
  );
  const mailed = new Promise<{ key: string; at: number }[]>((resolve) => {
    sink.on('message', (message: { type: string; mails?: { key: string; at: number }[] }) => {
      if (message.type === 'mails') resolve(message.mails ?? []);
    });
  });
  sink.send({ type: 'mails' });
  const mailsAccepted = await mailed;

  const pairs = pairOffers(
    results.flatMap((r) => r.freed),
    results.flatMap((r) => r.received),
  );
  const byHold = new Map(pairs.map((pair) => [pair.holdId, pair]));
  const mailMs: number[] = [];
  for (const mail of mailsAccepted) {
    const pair = byHold.get(mail.key.slice(mail.key.lastIndexOf(':') + 1));
    if (pair !== undefined) mailMs.push(mail.at - pair.freedAt);
  }
  const by = (kind: FreedBy) => summary(pairs.filter((pair) => pair.by === kind).map((pair) => pair.latencyMs));
  const sum = (pick: (r: Extract<ClientReply, { type: 'result' }>) => number) =>
    results.reduce((n, r) => n + pick(r), 0);
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const report = {
    store: values.store,
    dispatcher: { deliveredFlushMs: values['delivered-flush-ms'], claimSpacingMs: values['claim-spacing-ms'] },
    entries,
    seats: seatIds.length,
    offerSeconds,
    clientProcesses: clientCount,
    seconds: Math.round(seconds),
    freed: {
      release: results.reduce((n, r) => n + r.freed.filter((f) => f.by === 'release').length, 0),
      decline: results.reduce((n, r) => n + r.freed.filter((f) => f.by === 'decline').length, 0),
      lapse: results.reduce((n, r) => n + r.freed.filter((f) => f.by === 'lapse').length, 0),
    },
    offers: pairs.length,
    fate: {
      declined: sum((r) => r.fate.declined),
      ordered: sum((r) => r.fate.ordered),
      ignored: sum((r) => r.fate.ignored),
    },
    socketMs: summary(pairs.map((pair) => pair.latencyMs)),
    socketMsBy: { release: by('release'), decline: by('decline'), lapse: by('lapse') },
    /** Seat freed to the offer written by the server, and written to read on the buyer's socket. */
    split: {
      toServerPush: summary(
        pairs.flatMap((pair) => {
          const at = pushedAt.get(pair.holdId);
          return at === undefined ? [] : [at - pair.freedAt];
        }),
      ),
      toReleaseCalled: summary(
        pairs.flatMap((pair) => {
          const at = releaseCalledAt.get(pair.freedHoldId);
          return at === undefined || pair.by === 'lapse' ? [] : [at - pair.freedAt];
        }),
      ),
      releaseCalledToServerPush: summary(
        pairs.flatMap((pair) => {
          const called = releaseCalledAt.get(pair.freedHoldId);
          const pushed = pushedAt.get(pair.holdId);
          return called === undefined || pushed === undefined || pair.by === 'lapse' ? [] : [pushed - called];
        }),
      ),
      serverPushToSocket: summary(
        pairs.flatMap((pair) => {
          const at = pushedAt.get(pair.holdId);
          return at === undefined ? [] : [pair.freedAt + pair.latencyMs - at];
        }),
      ),
    },
    mailMs: summary(mailMs),
    positionPushes: sum((r) => r.positionPushes),
    serverLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    clientLoopDelayMs: results.map((r) => r.loopDelayMs),
    storeStatements: {
      total: [...statements.values()].reduce((n, entry) => n + entry.count, 0),
      ms: Math.round([...statements.values()].reduce((n, entry) => n + entry.ms, 0)),
      appendSentToAnswerMs: summary(appendRoundTrips),
      appendSentToAnswerInTransactionMs: summary(appendRoundTripsInTransaction),
      top: [...statements]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 10)
        .map(([kind, entry]) => ({ kind, count: entry.count, ms: Math.round(entry.ms) })),
    },
    failures: results.flatMap((r) => r.failures),
  };
  const text = JSON.stringify(report, null, 2);
  mkdirSync(join(values.out, '..'), { recursive: true });
  writeFileSync(values.out, `${text}\n`);
  console.log(text);
  await server.drain();
  for (const child of [sink, ...clients]) if (child.exitCode === null) child.kill();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};

await main();
