import { describe, expect, it } from 'vitest';
import { refusalOf, restArrival, socketArrival } from './frontDoorFixture.ts';
import { createLimits } from './limits.ts';
import { createReadBudget } from './readBudget.ts';

describe('limits stage', () => {
  it('given REST, counts per client address: the next request from that address is RATE_LIMITED, another address passes', async () => {
    const limits = createLimits({ restRequestsPerSecondMax: 2 / 60, restWindowSeconds: 60 });
    const from = (client: string) => limits.stage(restArrival({ client }));
    expect(await refusalOf(from('a'))).toBeUndefined();
    expect(await refusalOf(from('a'))).toBeUndefined();
    expect(await refusalOf(from('a'))).toBe('RATE_LIMITED');
    expect(await refusalOf(from('b'))).toBeUndefined();
  });

  it('given a probe (not limited), lets it through however often it comes', async () => {
    const limits = createLimits({ restRequestsPerSecondMax: 1 / 60, restWindowSeconds: 60 });
    for (let i = 0; i < 5; i += 1)
      expect(await refusalOf(limits.stage(restArrival({ limited: false })))).toBeUndefined();
  });

  it('given sockets, counts per connection, apart from REST, and forgets a closed connection', async () => {
    const limits = createLimits({
      restRequestsPerSecondMax: 1 / 60,
      restWindowSeconds: 60,
      socketRequestsPerWindowMax: 1,
      socketWindowSeconds: 60,
    });
    expect(await refusalOf(limits.stage(restArrival()))).toBeUndefined();
    expect(await refusalOf(limits.stage(socketArrival()))).toBeUndefined();
    expect(await refusalOf(limits.stage(socketArrival()))).toBe('RATE_LIMITED');
    // Same address, another connection: its own count.
    expect(await refusalOf(limits.stage(socketArrival({ connectionId: 'socket-2' })))).toBeUndefined();
    limits.forget('socket-1');
    expect(await refusalOf(limits.stage(socketArrival()))).toBeUndefined();
  });

  it('hands out the seat-map budget of the address, shared by REST and sockets', async () => {
    const limits = createLimits({ readBudget: createReadBudget({ inFlightPerClientMax: 1 }) });
    const overRest = await limits.stage(restArrival());
    const overSocket = await limits.stage(socketArrival());
    const leave = overRest.enter();
    expect(await refusalOf(Promise.resolve().then(() => overSocket.enter()))).toBe('RATE_LIMITED');
    const elsewhere = await limits.stage(socketArrival({ client: '198.51.100.1', connectionId: 'socket-9' }));
    expect(await refusalOf(Promise.resolve().then(() => elsewhere.enter()))).toBeUndefined();
    leave();
    expect(await refusalOf(Promise.resolve().then(() => overSocket.enter()))).toBeUndefined();
  });
});
