import { describe, expect, it } from 'vitest';
import { WrongExpectedVersionError } from '../persistence/eventStore.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { StoreUnavailableError } from '../persistence/storeErrors.ts';
import { ManualClock } from '../platform/clock.ts';
import { monitorStore } from './storeHealth.ts';

/** An in-memory store whose ping and appends can be made to fail or hang; time is a manual clock's. */
const setup = () => {
  const memory = openInMemoryStore();
  const clock = new ManualClock();
  const control = {
    pings: 0,
    ping: 'ok' as 'ok' | 'fail' | 'hang',
    /** Outcomes of the next pings, before `ping` applies. */
    nextPings: [] as ('ok' | 'fail')[],
    append: 'ok' as 'ok' | 'fail' | 'conflict',
    /** While set, catalog reads wait for it: a call answered late. */
    gate: undefined as Promise<void> | undefined,
  };
  const changes: boolean[] = [];
  const unavailable: string[] = [];
  const { store, health } = monitorStore({
    store: {
      ...memory,
      catalog: {
        ...memory.catalog,
        listEvents: async (limit) => {
          await control.gate;
          return memory.catalog.listEvents(limit);
        },
      },
      eventStore: {
        ...memory.eventStore,
        append: (...args) => {
          if (control.append === 'fail') return Promise.reject(new StoreUnavailableError('connection refused'));
          if (control.append === 'conflict') return Promise.reject(new WrongExpectedVersionError(args[0], args[1]));
          return memory.eventStore.append(...args);
        },
      },
      ping: () => {
        control.pings += 1;
        const outcome = control.nextPings.shift() ?? control.ping;
        if (outcome === 'fail') return Promise.reject(new StoreUnavailableError('connection refused'));
        if (outcome === 'hang') return new Promise(() => {});
        return Promise.resolve();
      },
    },
    clock,
    intervalMs: 1_000,
    timeoutMs: 1_000,
    onChange: (up) => changes.push(up),
    onUnavailable: (operation) => unavailable.push(operation),
  });
  let version = 0;
  const append = () =>
    store.eventStore.append('event-a', version, [{ type: 'E', data: {} }]).then(
      () => {
        version += 1;
        return 'ok';
      },
      (error: Error) => error.name,
    );
  return { clock, control, changes, unavailable, health, store, append };
};

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('store health', () => {
  it('sends no ping while calls succeed, and one per interval when idle', async () => {
    const { clock, control, append, health } = setup();
    for (let i = 0; i < 5; i++) {
      clock.advance(500);
      expect(await append()).toBe('ok');
      await settle();
    }
    expect(control.pings).toBe(0);
    clock.advance(1_000);
    await settle();
    clock.advance(1_000);
    await settle();
    expect(control.pings).toBe(1);
    clock.advance(1_000);
    await settle();
    expect(control.pings).toBe(2);
    expect(health.up()).toBe(true);
    health.stop();
  });

  it('pings at once when a call finds the store unavailable, and says down when two pings in a row fail', async () => {
    const { clock, control, append, changes, unavailable, health } = setup();
    control.append = 'fail';
    control.ping = 'fail';
    expect(await append()).toBe('StoreUnavailableError');
    await settle();
    expect(control.pings).toBe(2);
    expect(health.up()).toBe(false);
    expect(changes).toEqual([false]);
    expect(unavailable).toEqual(['eventStore.append']);
    // Down: more failures send no extra ping; the interval sends one, and one answer would say up.
    expect(await append()).toBe('StoreUnavailableError');
    await settle();
    expect(control.pings).toBe(2);
    clock.advance(1_000);
    await settle();
    expect(control.pings).toBe(3);
    health.stop();
  });

  it('stays up when one ping fails and the next one, sent at once, is answered', async () => {
    const { control, changes, health } = setup();
    control.nextPings.push('fail');
    expect(await health.check()).toBe(true);
    expect(control.pings).toBe(2);
    expect(changes).toEqual([]);
    health.stop();
  });

  it('stays up when the ping after a failed call succeeds, and ignores failures that are not outages', async () => {
    const { control, append, changes, health } = setup();
    control.append = 'conflict';
    expect(await append()).toBe('WrongExpectedVersionError');
    await settle();
    expect(control.pings).toBe(0);
    control.append = 'fail';
    expect(await append()).toBe('StoreUnavailableError');
    await settle();
    expect(control.pings).toBe(1);
    expect(health.up()).toBe(true);
    expect(changes).toEqual([]);
    health.stop();
  });

  it('says down when a ping is not answered within its timeout', async () => {
    const { clock, control, health } = setup();
    control.ping = 'hang';
    const checked = health.check();
    clock.advance(999);
    await settle();
    expect(health.up()).toBe(true);
    clock.advance(1);
    await settle();
    // The first ping timed out; the second is sent at once, and times out too.
    expect([control.pings, health.up()]).toEqual([2, true]);
    clock.advance(1_000);
    expect(await checked).toBe(false);
    expect(health.up()).toBe(false);
    health.stop();
  });

  it('says up again after a ping succeeds, or a call sent after the outage began succeeds; not an older one', async () => {
    const { clock, control, append, store, changes, health } = setup();
    control.ping = 'fail';
    // A call sent before the store went down, answered after: it proves nothing about now.
    let release!: () => void;
    control.gate = new Promise<void>((resolve) => (release = resolve));
    const stale = store.catalog.listEvents(1);
    clock.advance(1);
    expect(await health.check()).toBe(false);
    release();
    await stale;
    await settle();
    expect(health.up()).toBe(false);
    clock.advance(1);
    expect(await append()).toBe('ok');
    expect(health.up()).toBe(true);
    expect(changes).toEqual([false, true]);
    // And by the interval's ping.
    expect(await health.check()).toBe(false);
    control.ping = 'ok';
    clock.advance(1_000);
    await settle();
    expect(health.up()).toBe(true);
    expect(changes).toEqual([false, true, false, true]);
    health.stop();
  });
});
