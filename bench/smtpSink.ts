/**
 * A real SMTP server (test/support/smtp.ts: smtp-server, each mail parsed with mailparser) in a process of its own, for
 * benchmarks: a mail service is another machine, so its parsing must not take the measured server's thread. Sends
 * `{type: 'ready', url}` once listening, then `{type: 'mail', key}` (the mail's X-Notification-Key) for every mail it
 * accepted, over the IPC channel of the process that forked it.
 */
import { startSmtpServer } from '../test/support/smtp.ts';

const smtp = await startSmtpServer();
const send = (message: object) => process.send?.(message);
send({ type: 'ready', url: smtp.url() });
let seen = 0;
for (;;) {
  await smtp.nextMail();
  for (const mail of smtp.received.slice(seen))
    send({ type: 'mail', key: String(mail.headers.get('x-notification-key') ?? '') });
  seen = smtp.received.length;
  // The parsed mails are not needed once reported.
  smtp.received.length = 0;
  seen = 0;
}
