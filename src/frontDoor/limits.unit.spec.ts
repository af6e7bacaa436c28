import { describe, expect, it } from 'vitest';
import type { Who } from './context.ts';
import { refusalOf, restArrival, socketArrival } from './frontDoorFixture.ts';
import { createLimits } from './limits.ts';
import { createReadBudget } from './readBudget.ts';

const guest: Who = { kind: 'guest' };
const buyer = (userId: string): Who => ({ kind: 'buyer', userId, sessionExpiresAtMs: 5_000 });

describe('limits stage', () => {
  it('given REST, counts per client address: the next request from that address is RATE_LIMITED, another address passes', async () => {
    const limits = createLimits({ restRequestsPerSecondMax: 2 / 60, restWindowSeconds: 60 });
    const from = (client: string) => limits.stage(restArrival({ client }), guest);
    expect(await refusalOf(from('a'))).toBeUndefined();
    expect(await refusalOf(from('a'))).toBeUndefined();
    expect(await refusalOf(from('a'))).toBe('RATE_LIMITED');
    expect(await refusalOf(from('b'))).toBeUndefined();
  });

  it('decided at once for a REST guest or the admin: the same count per address as the stage, and a window ends by the clock', async () => {
    let nowMs = 0;
    const limits = createLimits({ restRequestsPerSecondMax: 3 / 60, restWindowSeconds: 60, nowMs: () => nowMs });
    expect(limits.stageNow(restArrival(), guest)).toBeDefined();
    expect(await refusalOf(limits.stage(restArrival(), guest))).toBeUndefined();
    expect(limits.stageNow(restArrival(), { kind: 'admin' })).toBeDefined();
    const refusal = (() => {
      try {
        limits.stageNow(restArrival(), guest);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 60 } });
    expect(await refusalOf(limits.stage(restArrival(), guest))).toBe('RATE_LIMITED');
    expect(limits.stageNow(restArrival({ client: 'b' }), guest)).toBeDefined();
    expect(limits.stageNow(restArrival({ limited: false }), guest)).toBeDefined();
    nowMs = 59_000;
    expect(await refusalOf(limits.stage(restArrival(), guest))).toBe('RATE_LIMITED');
    nowMs = 60_000;
    expect(limits.stageNow(restArrival(), guest)).toBeDefined();
  });

  it('decides nothing at once, and counts nothing, for a buyer, a new session or a socket', async () => {
    const limits = createLimits({ restRequestsPerSecondMax: 1 / 60, restWindowSeconds: 60 });
    expect(limits.stageNow(restArrival(), buyer('u1'))).toBeUndefined();
    expect(limits.stageNow(restArrival({ kind: 'session' }), guest)).toBeUndefined();
    expect(limits.stageNow(socketArrival(), guest)).toBeUndefined();
    expect(await refusalOf(limits.stage(restArrival(), guest))).toBeUndefined();
  });

  it('given a probe (not limited), lets it through however often it comes', async () => {
    const limits = createLimits({ restRequestsPerSecondMax: 1 / 60, restWindowSeconds: 60 });
    for (let i = 0; i < 5; i += 1)
      expect(await refusalOf(limits.stage(restArrival({ limited: false }), guest))).toBeUndefined();
  });

  it('given sockets, counts per connection, apart from REST, and forgets a closed connection', async () => {
    const limits = createLimits({
      restRequestsPerSecondMax: 1 / 60,
      restWindowSeconds: 60,
      socketRequestsPerWindowMax: 1,
      socketWindowSeconds: 60,
    });
    expect(await refusalOf(limits.stage(restArrival(), guest))).toBeUndefined();
    expect(await refusalOf(limits.stage(socketArrival(), guest))).toBeUndefined();
    expect(await refusalOf(limits.stage(socketArrival(), guest))).toBe('RATE_LIMITED');
    // Same address, another connection: its own count.
    expect(await refusalOf(limits.stage(socketArrival({ connectionId: 'socket-2' }), guest))).toBeUndefined();
    limits.disconnected('socket-1', undefined);
    expect(await refusalOf(limits.stage(socketArrival(), guest))).toBeUndefined();
  });

  it('hands out the seat-map budget of the address, shared by REST and sockets', async () => {
    const limits = createLimits({ readBudget: createReadBudget({ inFlightPerClientMax: 1 }) });
    const overRest = await limits.stage(restArrival(), guest);
    const overSocket = await limits.stage(socketArrival(), guest);
    const leave = overRest.enter();
    expect(await refusalOf(Promise.resolve().then(() => overSocket.enter()))).toBe('RATE_LIMITED');
    const elsewhere = await limits.stage(socketArrival({ client: '198.51.100.1', connectionId: 'socket-9' }), guest);
    expect(await refusalOf(Promise.resolve().then(() => elsewhere.enter()))).toBeUndefined();
    leave();
    expect(await refusalOf(Promise.resolve().then(() => overSocket.enter()))).toBeUndefined();
  });

  it('given one buyer on many connections and REST, counts one budget for the person; a new connection starts where the last stopped', async () => {
    const limits = createLimits({ userRequestsPerWindowMax: 3, userWindowSeconds: 60 });
    const over = (connectionId: string) => limits.stage(socketArrival({ connectionId }), buyer('u1'));
    expect(await refusalOf(over('socket-1'))).toBeUndefined();
    expect(await refusalOf(over('socket-2'))).toBeUndefined();
    expect(await refusalOf(limits.stage(restArrival(), buyer('u1')))).toBeUndefined();
    expect(await refusalOf(over('socket-3'))).toBe('RATE_LIMITED');
    // The connection closes and the buyer reconnects: the person's budget is still spent.
    limits.disconnected('socket-1', undefined);
    expect(await refusalOf(over('socket-4'))).toBe('RATE_LIMITED');
    // Another buyer behind the same address has a budget of their own.
    expect(await refusalOf(limits.stage(socketArrival({ connectionId: 'socket-5' }), buyer('u2')))).toBeUndefined();
  });

  it('given per-address limits, stops new sessions at the limit (renewals pass), and counts handshakes and open connections', async () => {
    const limits = createLimits({
      perAddress: { sessionsPerMinuteMax: 2, connectionsMax: 2, handshakesPerMinuteMax: 3 },
    });
    const newSession = () =>
      limits.stage(restArrival({ kind: 'session', credentials: { kind: 'bearer', token: undefined } }), guest);
    for (let i = 0; i < 2; i += 1) {
      expect(await refusalOf(newSession())).toBeUndefined();
      await limits.sessionMinted('203.0.113.7');
    }
    expect(await refusalOf(newSession())).toBe('RATE_LIMITED');
    expect(await refusalOf(limits.stage(restArrival({ kind: 'session' }), buyer('u1')))).toBeUndefined();
    expect(
      await refusalOf(limits.stage(restArrival({ kind: 'session', client: '198.51.100.1' }), guest)),
    ).toBeUndefined();

    for (let i = 0; i < 3; i += 1) expect(await refusalOf(limits.handshake('a'))).toBeUndefined();
    expect(await refusalOf(limits.handshake('a'))).toBe('RATE_LIMITED');
    expect(await refusalOf(limits.handshake('b'))).toBeUndefined();

    expect(await refusalOf(limits.connected('a'))).toBeUndefined();
    expect(await refusalOf(limits.connected('a'))).toBeUndefined();
    expect(await refusalOf(limits.connected('a'))).toBe('RATE_LIMITED');
    limits.disconnected('socket-1', 'a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await refusalOf(limits.connected('a'))).toBeUndefined();
  });

  it('given no per-address limits (ANTIBOT=off), counts no sessions, handshakes or connections', async () => {
    const limits = createLimits();
    for (let i = 0; i < 200; i += 1) {
      expect(await refusalOf(limits.handshake('a'))).toBeUndefined();
      expect(await refusalOf(limits.connected('a'))).toBeUndefined();
    }
  });
});
