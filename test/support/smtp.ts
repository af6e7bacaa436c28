import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { stepTimeoutMs, within } from './bounded.ts';

/** `promise` as is, marked handled: whoever awaits it still sees its rejection, but no one must await it at once. */
const handledLater = <T>(promise: Promise<T>): Promise<T> => {
  promise.catch(() => undefined);
  return promise;
};

/** accept: take every mail; refuse: answer 451 to each; hang: read the mail and never answer (the sender times out). */
export type SmtpMode = 'accept' | 'refuse' | 'hang';

/**
 * A real SMTP server on loopback (smtp-server), each accepted mail parsed with mailparser. Its mode says how it answers,
 * and it can die and come back on the same port. Tests await mails (`nextMail`), never sleep for them.
 */
export const startSmtpServer = async () => {
  let mode: SmtpMode = 'accept';
  const received: ParsedMail[] = [];
  let waiting: ((mail: ParsedMail) => void)[] = [];
  let sending: (() => void)[] = [];
  let port = 0;
  let server: SMTPServer | undefined;

  const listen = async () => {
    const started = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const told = sending;
        sending = [];
        for (const tell of told) tell();
        if (mode === 'accept') {
          simpleParser(stream, { keepCidLinks: true }).then(
            (mail) => {
              received.push(mail);
              callback();
              const woken = waiting;
              waiting = [];
              for (const wake of woken) wake(mail);
            },
            (error: Error) => callback(error),
          );
          return;
        }
        stream.resume();
        if (mode === 'refuse')
          stream.on('end', () => callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 })));
      },
    });
    // A client that dies mid-session (the app killed on purpose) resets its connection: expected here, not a failure.
    started.on('error', () => {});
    await new Promise<void>((resolve) => started.listen(port, '127.0.0.1', resolve));
    port = (started.server.address() as { port: number }).port;
    server = started;
  };

  await listen();
  return {
    url: () => `smtp://127.0.0.1:${port}`,
    received,
    setMode(next: SmtpMode) {
      mode = next;
    },
    /**
     * The next mail accepted from now on; rejects when none came within `timeoutMs` from this call (Infinity: no bound).
     * The promise may be awaited later: a timeout before then is not an unhandled rejection.
     */
    nextMail: (timeoutMs = stepTimeoutMs) =>
      handledLater(
        within(
          `SMTP server on port ${port} waiting for a mail`,
          new Promise<ParsedMail>((resolve) => waiting.push(resolve)),
          timeoutMs,
        ),
      ),
    /** Resolves when a client next starts sending a mail's content (whatever the server then answers); bounded as nextMail. */
    nextData: (timeoutMs = stepTimeoutMs) =>
      handledLater(
        within(
          `SMTP server on port ${port} waiting for a mail's content (DATA)`,
          new Promise<void>((resolve) => sending.push(resolve)),
          timeoutMs,
        ),
      ),
    /** Mails accepted with this notification key (the X-Notification-Key header). */
    mailsWithKey: (key: string) => received.filter((mail) => mail.headers.get('x-notification-key') === key),
    /** Dies at once: the port refuses connections, and any session under way is cut. */
    async kill() {
      const current = server;
      server = undefined;
      if (current === undefined) return;
      for (const connection of current.connections) connection._socket?.destroy();
      await new Promise<void>((resolve) => current.server.close(() => resolve()));
    },
    /** Comes back on the same port. */
    revive: listen,
    close: async function close() {
      await this.kill();
    },
  };
};

export type SmtpServerUnderTest = Awaited<ReturnType<typeof startSmtpServer>>;
