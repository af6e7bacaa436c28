/**
 * What rendering an order confirmation costs the thread that renders it (src/services/notifications/messages.ts): with
 * its tickets' QR codes as PNG attachments (what e-mail reads) and without them (what Web Push and SMS read; the socket
 * push renders nothing). Signs each ticket with a fresh Ed25519 key like the server does. Prints, per render, the wall
 * time and the main thread's busy time in it (the QR codes are drawn on a thread of their own).
 *
 *   npx tsx bench/renderCost.ts [--renders 200] [--tickets 2]
 */
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Notification } from '../src/domain/notifications/notifications.ts';
import { createTicketSigner } from '../src/payments/tickets.ts';
import { createMessages } from '../src/services/notifications/messages.ts';

const { values } = parseArgs({
  options: { renders: { type: 'string', default: '200' }, tickets: { type: 'string', default: '2' } },
});
const renders = Number(values.renders);
const tickets = Number(values.tickets);
const signer = await createTicketSigner(generateKeyPairSync('ed25519').privateKey);
const messages = createMessages({ signer, eventName: async () => 'Bench Night', publicUrl: 'https://bench.test' });
const confirmation = (i: number): Notification => ({
  key: `order_confirmed:e1:o${i}`,
  topic: 'order_confirmed',
  userId: `u${i}`,
  eventId: 'e1',
  at: 0,
  data: {
    orderId: `o${i}`,
    amount: 5000 * tickets,
    currency: 'EUR',
    tickets: Array.from({ length: tickets }, (_, t) => ({
      ticketId: `e1.o${i}-${t + 1}`,
      seatId: `ORCH-${i}-${t + 1}`,
    })),
  },
});

/** Per render: the wall time, and the main thread's busy time in it (event loop utilisation's active time). */
const time = async (attachments: boolean) => {
  const started = performance.now();
  const before = performance.eventLoopUtilization();
  for (let i = 0; i < renders; i += 1) await messages.render(confirmation(i), { attachments });
  const busy = performance.eventLoopUtilization(before);
  const round = (ms: number) => Math.round((ms / renders) * 100) / 100;
  return { wallMs: round(performance.now() - started), mainThreadMs: round(busy.active) };
};
// One unrecorded pass of each warms the code up.
await time(true);
await time(false);
const withQr = await time(true);
const withoutQr = await time(false);
console.log(
  JSON.stringify({
    renders,
    ticketsPerOrder: tickets,
    perRender: { withQrCodes: withQr, withoutQrCodes: withoutQr },
  }),
);
