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
 * which only a real process shows (the native addon writes it, not Node's streams). engine.io's refusal of a handshake
 * comes after the handshake limit's promise, outside the handler: socketServer.ts answers it in the response's cork.
 * The limit counts in Redis here, as in a cluster: counted in memory, the promise settles while uWS still runs the
 * handler (its microtasks), inside uWS's own cork, and nothing is uncorked to see.
 */
describe('engine.io handshakes refused on uWS', () => {
  const schema = uniqueSchema('uws_cork');
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await dropSchema(schema);
  });

  it('are answered 403 in corked writes: uWS prints no warning, over polling or WebSocket', async () => {
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
    // The address's one handshake this minute opens an engine.io session; the next is refused, with the reason.
    expect((await handshake()).status).toBe(200);
    const refused = await handshake();
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({
      message: expect.stringContaining('too many connection attempts'),
    });
    // The same refusal to a WebSocket upgrade: the client sees the failed upgrade as a connect_error.
    await expect(openSocket(server.baseUrl, 'any-token')).rejects.toThrow(/websocket error/i);

    // Everything the process wrote is read once its pipes close.
    const closed = once(server.child, 'close');
    expect(await server.stop('SIGTERM')).toBe(0);
    await closed;
    expect(server.output()).not.toContain('corked');
  });
});
