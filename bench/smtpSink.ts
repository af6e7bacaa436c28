/**
 * A real SMTP server (test/support/smtp.ts: smtp-server, each mail parsed with mailparser) in a process of its own, for
 * benchmarks: a mail service is another machine, so its parsing must not take the measured server's thread. Sends
 * `{type: 'ready', url}` once listening; keeps the X-Notification-Key of every mail it accepted with the instant it did
 * (wall clock, `performance.timeOrigin + performance.now()`, shared by the benchmark's processes), and answers over the
 * IPC channel of the process that forked it: `{type: 'count'}` with `{type: 'count', count}`, `{type: 'mails'}` with
 * `{type: 'mails', mails}`. Nothing is sent per mail: the forking process may be the one measured.
 */
import { startSmtpServer } from '../test/support/smtp.ts';

const smtp = await startSmtpServer();
const accepted: { key: string; at: number }[] = [];
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send?.({ type: 'count', count: accepted.length });
  if (message.type === 'mails') process.send?.({ type: 'mails', mails: accepted });
});
process.send?.({ type: 'ready', url: smtp.url() });
for (;;) {
  // No bound: a benchmark's mails come when its load sends them.
  await smtp.nextMail(Number.POSITIVE_INFINITY);
  const at = performance.timeOrigin + performance.now();
  for (const mail of smtp.received) accepted.push({ key: String(mail.headers.get('x-notification-key') ?? ''), at });
  // The parsed mails are not needed once counted.
  smtp.received.length = 0;
}
