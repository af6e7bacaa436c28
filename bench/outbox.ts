/**
 * Outbox throughput on PGlite (on disk) and Postgres: appends of one event with and without one notification row (what
 * a payment's batch costs more), and how many rows a dispatcher delivers per second through a channel that takes
 * everything at once (the outbox's own cost: lease, contact lookup, render, record).
 *
 *   npx tsx bench/outbox.ts [--appends 2000] [--rows 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Channel } from '../src/notifications/channel.ts';
import type { Contacts } from '../src/persistence/contacts.ts';
import type { EventStore } from '../src/persistence/eventStore.ts';
import type { Outbox } from '../src/persistence/outbox.ts';
import { openPgliteStore } from '../src/persistence/pglite/pgliteStore.ts';
import { openPostgresStore } from '../src/persistence/postgres/postgresStore.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createDispatcher } from '../src/services/notifications/dispatcher.ts';
import { databaseUrl, dropSchema, uniqueSchema } from '../test/support/postgres.ts';

const { values } = parseArgs({
  options: { appends: { type: 'string', default: '2000' }, rows: { type: 'string', default: '2000' } },
});
const appends = Number(values.appends);
const rowsToDeliver = Number(values.rows);

type Under = { eventStore: EventStore; outboxes: readonly Outbox[]; contacts: Contacts; close: () => Promise<void> };

const event = (i: number) => ({ type: 'PaymentSucceeded', data: { orderId: `o${i}`, late: false, at: i } });
const row = (stream: string, i: number) => ({
  key: `bench:${stream}:${i}`,
  topic: 'payment_failed',
  userId: `u${i % 100}`,
  at: Date.now(),
  payload: { key: `bench:${stream}:${i}`, topic: 'payment_failed', eventId: stream, data: { orderId: `o${i}` } },
});

/** Sequential appends to one stream, as one actor's batches: appends per second. */
const appendRate = async (store: Under, stream: string, withOutbox: boolean): Promise<number> => {
  const started = performance.now();
  for (let i = 0; i < appends; i++)
    await store.eventStore.append(stream, i, [event(i)], withOutbox ? [row(stream, i)] : []);
  return appends / ((performance.now() - started) / 1000);
};

const deliverRate = async (store: Under): Promise<number> => {
  for (let u = 0; u < 100; u++) await store.contacts.set(`u${u}`, { email: `u${u}@example.com` });
  // What is pending now: the rows the append runs wrote, plus more to reach `rowsToDeliver`.
  let { pending } = await store.outboxes[0]!.depth();
  for (let i = 0; pending < rowsToDeliver; i++, pending++)
    await store.eventStore.append('fill', i, [event(i)], [row('fill', i)]);
  const taken: Channel = { name: 'email', reaches: (contact) => contact?.email !== undefined, send: async () => {} };
  let delivered = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  const dispatcher = createDispatcher({
    outbox: store.outboxes[0]!,
    contacts: store.contacts,
    channels: [taken],
    render: async () => ({ subject: 's', text: 't', html: 'h', short: 's', attachments: [] }),
    clock: systemClock,
    owner: 'bench',
    onOutcome: () => {
      delivered += 1;
      if (delivered === pending) done();
    },
  });
  await dispatcher.start();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await dispatcher.stop();
  return pending / seconds;
};

const run = async (name: string, open: () => Promise<Under>, cleanup: () => Promise<void>) => {
  const store = await open();
  try {
    // Alternating, so a machine that gets busier half-way does not favour one side.
    const plain: number[] = [];
    const outboxed: number[] = [];
    for (let round = 0; round < 2; round++) {
      plain.push(await appendRate(store, `plain-${round}`, false));
      outboxed.push(await appendRate(store, `outbox-${round}`, true));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const delivery = await deliverRate(store);
    const result = {
      store: name,
      appendsPerSecondPlain: Math.round(mean(plain)),
      appendsPerSecondWithOutboxRow: Math.round(mean(outboxed)),
      ratio: Number((mean(outboxed) / mean(plain)).toFixed(3)),
      deliveredPerSecond: Math.round(delivery),
    };
    console.log(JSON.stringify(result));
  } finally {
    await store.close();
    await cleanup();
  }
};

const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-outbox-bench-'));
await run(
  'pglite',
  () => openPgliteStore({ dataDir }),
  async () => rmSync(dataDir, { recursive: true, force: true }),
);
const schema = uniqueSchema('outbox_bench');
await run(
  'postgres',
  () => openPostgresStore({ connectionString: databaseUrl, schema }),
  () => dropSchema(schema),
);
