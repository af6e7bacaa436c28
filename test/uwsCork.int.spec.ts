import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchWithin } from './support/bounded.ts';
import { redisUrl } from './support/cluster.ts';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.ts';
import { type ServerProcess, startServerProcess } from './support/serverProcess.ts';
import { openSocket } from './support/sockets.ts';

/**
 * uWS wants every write of a response made inside its cork (one write to the socket); a write outside it works, but
 * may go out as a packet of its own, and uWS prints "writes must be made from within a corked callback" on stderr,
 * which only a real process shows (the native addon writes it, not Node's streams). A handshake is answered in uWS's
 * handler, inside uWS's own cork, however long the handshake limit takes to count it (in Redis here, as in a cluster):
 * an answer given later, outside the handler, is what wrote outside the cork (and what uWS may close right after a
 * WebSocket's open: socketServer.int.spec.ts). Past the limit, the connect is refused RATE_LIMITED.
 */
describe('engine.io handshakes past the limit on uWS', () => {
  const schema = uniqueSchema('uws_cork');
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await dropSchema(schema);
  });

  it('are answered at once and refused at the connect: uWS prints no warning, over polling or WebSocket', async () => {
    server = await startServerProcess(
      {
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: schema,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `test:${schema}:`,
        ANTIBOT: 'on',
        HANDSHAKES_PER_ADDRESS_PER_MINUTE_MAX: '1',
      },
      [],
      120_000,
    );
    const handshake = () =>
      fetchWithin(`${server!.baseUrl}/socket.io/?EIO=4&transport=polling`, {}, async (response) => ({
        status: response.status,
        text: await response.text(),
      }));
    // The address's one handshake this minute, and the next one past it: both open an engine.io session at once.
    expect((await handshake()).status).toBe(200);
    const past = await handshake();
    expect(past.status).toBe(200);
    expect(past.text).toContain('"sid"');
    // Over WebSocket, past the limit: the connect is refused with the reason, before the session is looked at.
    await expect(openSocket(server.baseUrl, 'any-token')).rejects.toMatchObject({
      message: expect.stringContaining('too many connection attempts'),
      data: { code: 'RATE_LIMITED' },
    });

    // Everything the process wrote is read once its pipes close.
    const closed = once(server.child, 'close');
    expect(await server.stop('SIGTERM')).toBe(0);
    await closed;
    expect(server.output()).not.toContain('corked');
  });
});
