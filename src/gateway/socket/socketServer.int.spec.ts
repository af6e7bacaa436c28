import { connect, type Socket } from 'node:net';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { settle } from '../../../test/support/settle.ts';
import { BookingError } from '../../domain/bookingError.ts';
import type { FrontDoor } from '../../frontDoor/pipeline.ts';
import { createLogger } from '../../platform/logger.ts';
import type { BookingService } from '../../services/bookingService.ts';
import { createAuth } from '../auth.ts';
import { type TemplatedApp, type us_listen_socket, uws } from '../uws.ts';
import { attachSocketServer, type SocketServer } from './socketServer.ts';

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

const upgradeRequest =
  'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
  'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

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
 * engine.io asks allowRequest (the handshake limit, which may count in Redis) and is answered after uWS's handler
 * returned. A client may be gone by then, and uWS throws on any use of a response after its abort: engine.io's write
 * (the 403, or the upgrade) would throw in a promise no one awaits, which ends a Node process.
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
  const listen = async (stages: Partial<FrontDoor>) => {
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

  it.each([
    [
      'refuses it (403)',
      (limit: ReturnType<typeof gate>) => limit.refuse(new BookingError('RATE_LIMITED', 'too many')),
    ],
    ['lets it pass (101)', (limit: ReturnType<typeof gate>) => limit.open()],
  ])('drops the answer when the limit then %s: nothing is written, nothing thrown', async (_, answer) => {
    const limit = gate();
    let ask!: () => void;
    const asked = new Promise<void>((resolve) => (ask = resolve));
    const port = await serve(() => {
      ask();
      return limit.promise;
    });
    await upgradeThenHangUp(port, asked);
    answer(limit);
    await settle();
    expect(unhandled).toEqual([]);
    expect(sockets!.socketCount()).toBe(0);
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
    const client = io(`http://127.0.0.1:${port}`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await asked;
    client.close();
    await expect.poll(() => sockets!.socketCount()).toBe(0);
    limit.open();
    await settle();
    expect(forgotten).toEqual([[expect.any(String), '127.0.0.1']]);
  });
});
