import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, priceTiers, venueBody } from './support/api.ts';
import { stepTimeoutMs } from './support/bounded.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { type ServerProcess, startServerProcess } from './support/serverProcess.ts';
import { startSmtpServer } from './support/smtp.ts';

// A cold start on a busy 2-core machine takes tens of seconds; a restart after SIGKILL on PGlite also waits for the
// killed server's DATA_DIR lock to be taken over.
const readyTimeoutMs = 120_000;

const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-outbox-crash-'));
const schema = uniqueSchema('outbox_crash');
const stores: { name: string; env: Record<string, string>; cleanup: () => Promise<void> }[] = [
  {
    name: 'embedded PGlite',
    env: { DATA_DIR: dataDir, DATABASE_URL: '' },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  },
  { name: 'Postgres', env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema }, cleanup: () => dropSchema(schema) },
];

/**
 * The app dies (SIGKILL) after the confirmation's row committed and while its e-mail is on the wire, unanswered: the
 * restarted app (same NODE_ID) takes its lease back at start and the mail is delivered, once.
 */
describe.each(stores)('a crash between commit and send on $name', { timeout: 4 * readyTimeoutMs }, (store) => {
  const running: ServerProcess[] = [];
  const smtpReady = startSmtpServer();
  afterAll(async () => {
    for (const server of running) await server.stop('SIGKILL');
    await (await smtpReady).close();
    await store.cleanup();
  });

  it('delivers the e-mail after the restart, exactly once', async () => {
    const smtp = await smtpReady;
    smtp.setMode('hang');
    const env = { ...store.env, SMTP_URL: smtp.url(), MAIL_FROM: 'Seatactor <tickets@seatactor.test>', NODE_ID: 'n1' };
    const first = await startServerProcess(env, [], readyTimeoutMs);
    running.push(first);
    const client = api(first.baseUrl);
    const venueId = await client.createVenue(venueBody(2, 5));
    const eventId = await client.createEvent({
      venueId,
      name: 'Crash Mail',
      startsAt: '2030-01-01T20:00:00Z',
      priceTiers,
    });
    const buyer = await client.session();
    expect((await client.call('PUT', '/v1/me/contact', { email: 'gus@example.com' }, buyer.token)).status).toBe(200);
    const hold = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'h1' });
    const placed = await client.call('POST', '/v1/orders', { holdId: hold.body.holdId, requestId: 'o1' }, buyer.token);
    const orderId: string = placed.body.orderId;
    const onTheWire = smtp.nextData();
    const paid = await client.call('POST', `/v1/orders/${orderId}/pay`, { paymentMethod: 'pm_card_visa' }, buyer.token);
    expect(paid.status).toBe(200);
    await onTheWire;
    await first.stop('SIGKILL');
    expect(smtp.received).toEqual([]);

    smtp.setMode('accept');
    // Awaited after the restart, which may take up to readyTimeoutMs.
    const mail = smtp.nextMail(readyTimeoutMs + stepTimeoutMs);
    running.push(await startServerProcess({ ...env, PORT: new URL(first.baseUrl).port }, [], readyTimeoutMs));
    const received = await mail;
    const key = `order_confirmed:${eventId}:${orderId}`;
    expect(received.headers.get('x-notification-key')).toBe(key);
    expect(received.subject).toBe('Your tickets for Crash Mail');
    expect(received.attachments).toHaveLength(1);
    expect(smtp.mailsWithKey(key)).toHaveLength(1);
  });
});
