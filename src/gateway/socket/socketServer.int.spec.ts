import { connect, type Socket } from 'node:net';
import { Socket as EngineSocket } from 'engine.io-client';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { within } from '../../../test/support/bounded.ts';
import { settle } from '../../../test/support/settle.ts';
import { BookingError } from '../../domain/bookingError.ts';
import type { FrontDoor } from '../../frontDoor/pipeline.ts';
import { type Clock, ManualClock } from '../../platform/clock.ts';
import { createLogger } from '../../platform/logger.ts';
import type { BookingService } from '../../services/bookingService.ts';
import { createAuth } from '../auth.ts';
import { type TemplatedApp, type us_listen_socket, uws } from '../uws.ts';
import { attachSocketServer, refusedHandshakeGraceMs, type SocketServer } from './socketServer.ts';

/** A promise the test settles by hand: the handshake limit's answer, given when the test says. */
const gate = () => {
  let open!: () => void;
  let refuse!: (error: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    refuse = reject;
  });
  return { promise, open, refuse };
};

/** A WebSocket upgrade to engine.io, as a client writes it, with the Connection header given. */
const upgradeWith = (connection: string) =>
  'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
  `Connection: ${connection}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
const upgradeRequest = upgradeWith('Upgrade');

/** A socket.io client over WebSocket only, that does not reconnect: what the server does with one attempt. */
const socketTo = (port: number, token: string) =>
  io(`http://127.0.0.1:${port}`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });

/** Writes `text` on a new connection to `port` and resolves with everything the server sent once it closes. */
const exchange = (port: number, text: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    socket.on('data', (chunk) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });

/**
 * engine.io asks allowRequest (the handshake limit, which may count in Redis) and the server answers at once, whatever
 * the count says later: the refusal comes at the connect. A client may be gone by the time the count answers.
 */
const auth = createAuth({ jwtSecret: 'a-jwt-secret-of-at-least-32-bytes-long!', adminToken: 'admin' });

describe('a client that goes away while the server counts it', () => {
  let app: TemplatedApp | undefined;
  let listening: us_listen_socket | undefined;
  let sockets: SocketServer | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await sockets?.close();
    if (listening !== undefined) uws.us_listen_socket_close(listening);
  });

  const serve = async (handshake: () => Promise<void>) => listen({ handshake });
  const listen = async (stages: Partial<FrontDoor>, clock?: Clock) => {
    app = uws.App();
    // Answered at once, after everything the server had read before it: a round trip that orders the test's steps.
    app.get('/ping', (res) => {
      res.cork(() => res.end('pong'));
    });
    const frontDoor = stages as FrontDoor;
    sockets = attachSocketServer({
      app,
      booking: {} as BookingService,
      auth,
      logger: createLogger('silent'),
      frontDoor,
      ...(clock === undefined ? {} : { clock }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      app!.listen('127.0.0.1', 0, (socket) => {
        if (socket === false) return reject(new Error('no port'));
        listening = socket;
        resolve(uws.us_socket_local_port(socket));
      }),
    );
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    return port;
  };

  /** Sends a WebSocket upgrade to engine.io and hangs up before the handshake limit answered. */
  const upgradeThenHangUp = async (port: number, asked: Promise<void>) => {
    const client: Socket = connect(port, '127.0.0.1', () => client.write(upgradeRequest));
    await asked;
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.destroy();
    await closed;
    // The hang-up was on the server's side of the loopback before this request left: once answered, it was read too.
    expect(await exchange(port, 'GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).toContain(
      'pong',
    );
  };

  // The handshake is answered at once, so whether the limit lets it pass later changes nothing; its refusal, which nobody
  // awaits once the client is gone, must not surface as an unhandled rejection.
  it('leaves nothing behind when the limit refuses a handshake whose client has hung up: nothing thrown, no connection', async () => {
    const limit = gate();
    let ask!: () => void;
    const asked = new Promise<void>((resolve) => (ask = resolve));
    const port = await serve(() => {
      ask();
      return limit.promise;
    });
    await upgradeThenHangUp(port, asked);
    limit.refuse(new BookingError('RATE_LIMITED', 'too many'));
    await settle();
    expect(unhandled).toEqual([]);
    expect(sockets!.socketCount()).toBe(0);
  });

  /**
   * uWebSockets.js 20.30 may close a WebSocket upgraded from outside its handler (engine.io's `res.cork(() =>
   * res.upgrade())` once allowRequest's promise settled): after the upgrade its HttpResponse.cork reads the socket's
   * memory, now the WebSocket's (realloc'd in place), as the response's state, and with "connection close" there it
   * closes the socket right after engine.io's open packet. A client sees a 'transport close' before its namespace
   * connected: the CI failure of antibot.int.spec.ts (2 of 7 runs, the limit counting in Redis). For an ordinary
   * handshake the bit is whatever the WebSocket's data leaves there (none of thousands closed here); a request that says
   * `Connection: close` sets it: before the fix every such upgrade but a fresh server's first was closed (4 of 5 here,
   * 19 of 20 against the test server with Redis). Answered in the handler, the upgrade is uWS's synchronous one.
   */
  it('keeps WebSockets open after their upgrade while the handshake limit is still counting them', async () => {
    let limit = gate();
    let ask!: () => void;
    let asked = new Promise<void>((resolve) => (ask = resolve));
    const port = await listen({
      handshake: () => {
        ask();
        return limit.promise;
      },
    });
    const ping = () => exchange(port, 'GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const clients: { socket: Socket; ended: () => boolean }[] = [];
    // Several in turn: whether uWS closes one depends on what its memory held before (not the first, in these runs).
    for (let i = 0; i < 5; i++) {
      let received = '';
      let ended = false;
      const socket: Socket = connect(port, '127.0.0.1', () => socket.write(upgradeWith('close')));
      const opened = new Promise<void>((resolve) =>
        socket.on('data', (chunk) => {
          received += chunk.toString('latin1');
          if (received.includes('"sid"')) resolve();
        }),
      );
      socket.on('close', () => (ended = true));
      clients.push({ socket, ended: () => ended });
      await asked;
      // The count answers later, from I/O of its own (as Redis's reply does), not while uWS still runs the handler.
      expect(await ping()).toContain('pong');
      limit.open();
      await within('the 101 and the engine.io open packet', opened);
      expect(received).toContain('101 Switching Protocols');
      limit = gate();
      asked = new Promise<void>((resolve) => (ask = resolve));
    }
    // A round trip on another connection: a close sent with an open packet has reached its client by the answer.
    expect(await ping()).toContain('pong');
    await settle();
    expect(clients.map(({ ended }) => ended())).toEqual([false, false, false, false, false]);
    expect(sockets!.socketCount()).toBe(5);
    for (const { socket } of clients) socket.destroy();
  });

  it('refuses the connect RATE_LIMITED when the limit refused the handshake and closes that connection, and closes one that never connects after the grace', async () => {
    const clock = new ManualClock();
    const port = await listen(
      {
        handshake: async () => {
          throw new BookingError('RATE_LIMITED', 'too many connection attempts from this address; retry in 60 s');
        },
      },
      clock,
    );
    const { token } = await auth.createSession();
    const client = socketTo(port, token);
    const refusal = await within(
      'the connect_error',
      new Promise<Error & { data?: unknown }>((resolve) => client.once('connect_error', resolve)),
    );
    client.close();
    expect(refusal.message).toContain('too many connection attempts');
    expect(refusal.data).toEqual({ code: 'RATE_LIMITED' });
    // The server closes such a connection itself once the refusal is written, with no time passing on the clock (the
    // grace is for clients that never ask): an engine.io client, which (unlike socket.io's) keeps its connection after a
    // namespace's connect_error, sees the close come from the server (socket.io packets: 0 CONNECT, 4 CONNECT_ERROR).
    const engine = new EngineSocket(`ws://127.0.0.1:${port}`, { path: '/socket.io/', transports: ['websocket'] });
    const engineMessages: string[] = [];
    engine.on('message', (data) => engineMessages.push(String(data)));
    const engineClosed = new Promise<string>((resolve) => engine.once('close', (reason) => resolve(reason)));
    engine.once('open', () => engine.send(`0${JSON.stringify({ token })}`));
    expect(await within('the server closing the refused connection', engineClosed)).toBe('transport close');
    expect(engineMessages).toEqual([
      '4{"message":"too many connection attempts from this address; retry in 60 s","data":{"code":"RATE_LIMITED"}}',
    ]);
    await expect.poll(() => sockets!.socketCount()).toBe(0);
    // A client that upgrades and never connects a namespace is closed once the grace is over, not before.
    let received = '';
    const raw: Socket = connect(port, '127.0.0.1', () => raw.write(upgradeRequest));
    const closed = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    const opened = new Promise<void>((resolve) =>
      raw.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (received.includes('"sid"')) resolve();
      }),
    );
    await within('the engine.io open packet', opened);
    await settle();
    clock.advance(refusedHandshakeGraceMs - 1);
    await settle();
    expect(sockets!.socketCount()).toBe(1);
    clock.advance(1);
    await within('the refused connection closing', closed);
    await expect.poll(() => sockets!.socketCount()).toBe(0);
  });

  it('gives back the open connection it counted when the connection closed before socket.io connected it', async () => {
    const limit = gate();
    let ask!: () => void;
    const asked = new Promise<void>((resolve) => (ask = resolve));
    const forgotten: [string, string | undefined][] = [];
    const port = await listen({
      handshake: async () => {},
      connected: () => {
        ask();
        return limit.promise;
      },
      forget: (connectionId, client) => void forgotten.push([connectionId, client]),
    });
    const { token } = await auth.createSession();
    const client = socketTo(port, token);
    await asked;
    client.close();
    await expect.poll(() => sockets!.socketCount()).toBe(0);
    limit.open();
    await settle();
    expect(forgotten).toEqual([[expect.any(String), '127.0.0.1']]);
  });
});
