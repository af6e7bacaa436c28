import { describe, expect, it } from 'vitest';
import { settle } from '../../test/support/settle.ts';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import type { BookingError } from '../domain/bookingError.ts';
import type { HoldPlaced } from '../domain/seatMap/events.ts';
import type { EventStore } from '../persistence/eventStore.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { StoreUnavailableError } from '../persistence/storeErrors.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';
import type { EventActor, RecoveryEvent } from './eventActor.ts';

/**
 * The actor against a store that goes away: refuses (down), or takes calls and never answers (stalled) until released.
 * Time is the manual clock's alone: deadlines and backoff fire when the test moves it.
 */
type Mode = 'up' | 'down' | 'stalled';

const faultyStore = (inner: EventStore) => {
  const control = { mode: 'up' as Mode, stalled: [] as (() => void)[], loads: 0, appends: 0 };
  const gate = <T>(call: () => Promise<T>): Promise<T> => {
    if (control.mode === 'down') return Promise.reject(new StoreUnavailableError('the store is down'));
    if (control.mode === 'stalled')
      return new Promise((resolve, reject) => control.stalled.push(() => void call().then(resolve, reject)));
    return call();
  };
  const store: EventStore = {
    append: (...args) => {
      control.appends += 1;
      return gate(() => inner.append(...args));
    },
    readStream: (...args) => gate(() => inner.readStream(...args)),
    readStreamVersions: (...args) => gate(() => inner.readStreamVersions(...args)),
    readAll: (...args) => gate(() => inner.readAll(...args)),
    saveSnapshot: (...args) => gate(() => inner.saveSnapshot(...args)),
    loadSnapshot: (...args) => {
      control.loads += 1;
      return gate(() => inner.loadSnapshot(...args));
    },
    loadSnapshotAt: (...args) => gate(() => inner.loadSnapshotAt(...args)),
    close: () => inner.close(),
  };
  /** Lets every stalled call through, in the order it was made. */
  const release = () => {
    for (const call of control.stalled.splice(0)) call();
  };
  return { store, control, release };
};

const setup = async (random: () => number = () => 0.5) => {
  const memory = openInMemoryStore();
  const venue = gridVenue();
  await memory.catalog.createVenue(venue);
  await memory.catalog.createEvent(eventFor(venue));
  const clock = new ManualClock();
  const faulty = faultyStore(memory.eventStore);
  /**
   * The recovery's timers (append and load deadlines, backoff waits): the expiry sweep and the passivation pass run
   * far apart here, so every timer due within an hour is one of them.
   */
  const recoveryTimers = () => clock.pendingTimers.filter((ms) => ms < hourMs);
  const recoveries: RecoveryEvent[] = [];
  const activations = new Activations({
    store: faulty.store,
    catalog: memory.catalog,
    clock,
    actor: {
      checkInvariantsEveryBatch: true,
      appendTimeoutMs: 800,
      reloadAttemptsMax: 8,
      reloadBackoffBaseMs: 100,
      reloadBackoffMaxMs: 5_000,
      random,
      sweepIntervalMs: 2 * hourMs,
    },
    idleMs: 8 * hourMs,
    onRecovery: (event) => recoveries.push(event),
  });
  const actor = await activations.get('evt_test');
  return { memory, clock, recoveryTimers, activations, actor, recoveries, ...faulty };
};

const hourMs = 3_600_000;

const hold = (actor: EventActor, userId: string, requestId: string, seatId: string) =>
  actor.send(
    (now) => ({
      type: 'PlaceHold',
      data: {
        holdId: `evt_test.${requestId}.${now}`,
        userId,
        requestId,
        request: { kind: 'seats', seatIds: [seatId] },
        now,
      },
    }),
    { userId, requestId },
  );

const outcomeOf = async (reply: Promise<unknown>): Promise<string> =>
  reply.then(
    () => 'ok',
    (error: BookingError) => error.code,
  );

const holdsInLog = async (store: EventStore, requestId: string) =>
  (await store.readStream('event-evt_test'))
    .filter((event) => event.type === 'HoldPlaced' && (event.data as HoldPlaced['data']).requestId === requestId)
    .map((event) => (event.data as HoldPlaced['data']).holdId);

describe('event actor: a store that stalls or goes away', () => {
  it('answers a hold UNAVAILABLE at the append deadline, not before, and refuses new requests at once', async () => {
    const { actor, clock, control, recoveries } = await setup();
    control.mode = 'stalled';
    const stalled = outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    // Queued behind the stalled batch, for the next one.
    const queued = outcomeOf(hold(actor, 'bob', 'b1', 'ORCH-A-2'));
    clock.advance(799);
    await settle();
    expect(await Promise.race([stalled, queued, Promise.resolve('pending')])).toBe('pending');
    clock.advance(1);
    expect(await stalled).toBe('UNAVAILABLE');
    // The command queued behind it does not wait for the store either.
    expect(await queued).toBe('UNAVAILABLE');
    expect(control.appends).toBe(1);
    // Nothing waits on a store that is away: new commands and reads are refused without touching it.
    expect(await outcomeOf(hold(actor, 'cy', 'c1', 'ORCH-A-3'))).toBe('UNAVAILABLE');
    expect(await outcomeOf(actor.seatMap())).toBe('UNAVAILABLE');
    expect(control.appends).toBe(1);
    expect(recoveries).toEqual(['appendTimedOut']);
  });

  it('does not fail an append whose answer arrives in the same turn as its deadline', async () => {
    const { actor, clock, control, release } = await setup();
    control.mode = 'stalled';
    const reply = outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    control.mode = 'up';
    release();
    clock.advance(800);
    expect(await reply).toBe('ok');
  });

  it('reloads once a timed-out append has settled, so a retry gets the answer the late commit recorded', async () => {
    const { actor, clock, control, release, memory, recoveries } = await setup();
    control.mode = 'stalled';
    const first = outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    clock.advance(800);
    expect(await first).toBe('UNAVAILABLE');
    // The append was never lost, only late: it commits now, and the actor reloads after it.
    control.mode = 'up';
    release();
    await expect.poll(() => recoveries.includes('reloaded')).toBe(true);
    const [committed] = await holdsInLog(memory.eventStore, 'a1');
    expect(committed).toBeDefined();
    const retry = await hold(actor, 'ann', 'a1', 'ORCH-A-1');
    expect(retry.events).toEqual([]);
    expect(retry.outcome).toMatchObject({ kind: 'hold', holdId: committed });
    expect(await holdsInLog(memory.eventStore, 'a1')).toEqual([committed]);
  });

  it('when the late commit lands after the reload, the next append conflicts, and a retry then gets the first answer', async () => {
    const { actor, clock, control, release, memory, recoveries } = await setup();
    control.mode = 'stalled';
    const first = outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    clock.advance(800);
    expect(await first).toBe('UNAVAILABLE');
    // The store answers again, but the timed-out append is still on its way: after a second deadline the actor stops
    // waiting for it and reloads a stream that does not have it yet.
    control.mode = 'up';
    clock.advance(800);
    await expect.poll(() => recoveries.includes('reloaded')).toBe(true);
    expect(await holdsInLog(memory.eventStore, 'a1')).toEqual([]);
    release();
    await expect.poll(async () => (await holdsInLog(memory.eventStore, 'a1')).length).toBe(1);
    const [committed] = await holdsInLog(memory.eventStore, 'a1');
    // Deciding on the stale state, the retry's append finds the stream moved on: refused, answered UNAVAILABLE, and
    // the actor reloads at once (the store answered, so this is no outage)...
    expect(await outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'))).toBe('UNAVAILABLE');
    // ...and the next retry gets the answer the store holds.
    const retry = await hold(actor, 'ann', 'a1', 'ORCH-A-1');
    expect(retry.outcome).toMatchObject({ kind: 'hold', holdId: committed });
    expect(await holdsInLog(memory.eventStore, 'a1')).toEqual([committed]);
  });

  it('when the timed-out append never commits, the retry is decided anew and recorded once', async () => {
    const { actor, clock, control, release, memory, recoveries } = await setup();
    control.mode = 'stalled';
    const first = outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'));
    await settle();
    clock.advance(800);
    expect(await first).toBe('UNAVAILABLE');
    control.mode = 'up';
    clock.advance(800);
    await expect.poll(() => recoveries.includes('reloaded')).toBe(true);
    const retry = await hold(actor, 'ann', 'a1', 'ORCH-A-1');
    expect(retry.outcome).toMatchObject({ kind: 'hold' });
    // The late append reaches the store after the retry committed: its expected version is stale, so it writes nothing.
    release();
    await settle();
    expect(await holdsInLog(memory.eventStore, 'a1')).toEqual([
      (retry.outcome as { holdId: string } | undefined)?.holdId,
    ]);
  });

  it('retries the reload with exponential backoff and full jitter on the clock, a bounded number of times', async () => {
    const { actor, clock, recoveryTimers, control, activations, recoveries } = await setup(() => 0.5);
    const failed = () => recoveries.filter((event) => event === 'reloadFailed').length;
    control.mode = 'down';
    expect(await outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'))).toBe('UNAVAILABLE');
    // The failed append has settled, so the first reload runs at once; each later one waits half (the jitter is 0.5)
    // of 100 ms doubled per attempt, capped at 5 s.
    await expect.poll(failed).toBe(1);
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 8; attempt++) {
      expect(recoveryTimers()).toHaveLength(1);
      const [wait] = recoveryTimers();
      waits.push(wait!);
      const loads = control.loads;
      clock.advance(wait! - 1);
      await settle();
      expect(control.loads, `attempt ${attempt} waits its whole backoff`).toBe(loads);
      clock.advance(1);
      await expect.poll(failed).toBe(attempt);
      expect(control.loads).toBe(loads + 1);
    }
    expect(waits).toEqual([50, 100, 200, 400, 800, 1600, 2500]);
    await expect.poll(() => recoveries.at(-1)).toBe('retired');
    // Retired: nothing is scheduled any more, the actor refuses everything, and its activation is forgotten.
    expect(recoveryTimers()).toEqual([]);
    expect(await outcomeOf(hold(actor, 'ann', 'a2', 'ORCH-A-2'))).toBe('UNAVAILABLE');
    await expect.poll(() => activations.activeCount).toBe(0);
    // The next request activates the event again: refused while the store is down, served once it is back.
    await expect(activations.get('evt_test')).rejects.toBeInstanceOf(StoreUnavailableError);
    control.mode = 'up';
    const fresh = await activations.get('evt_test');
    expect(fresh).not.toBe(actor);
    expect(await outcomeOf(hold(fresh, 'ann', 'a1', 'ORCH-A-1'))).toBe('ok');
  });

  it('retires while a later activation of its event is registered and fails: that requester hears it, nothing is left unhandled', async () => {
    const { actor, clock, recoveryTimers, control, activations, recoveries } = await setup();
    const failed = () => recoveries.filter((event) => event === 'reloadFailed').length;
    control.mode = 'down';
    expect(await outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'))).toBe('UNAVAILABLE');
    for (let attempt = 2; attempt <= 8; attempt++) {
      await expect.poll(failed).toBe(attempt - 1);
      clock.advance(recoveryTimers()[0]!);
      if (attempt === 8) {
        // The last attempt is under way. The event is evicted (cluster mode: the lease went) and requested again in the
        // same turn, so a second activation is registered before the first actor retires; the store is still down, so
        // it fails. Before 6cfd358 the retirement's look at it left that failure unhandled, which stops a Node process.
        void activations.evict('evt_test');
        const later = activations.get('evt_test');
        await expect(later).rejects.toBeInstanceOf(StoreUnavailableError);
      }
    }
    await expect.poll(() => recoveries.at(-1)).toBe('retired');
    await settle();
    expect(activations.activeCount).toBe(0);
    control.mode = 'up';
    const fresh = await activations.get('evt_test');
    expect(fresh).not.toBe(actor);
    expect(await outcomeOf(hold(fresh, 'ann', 'a2', 'ORCH-A-1'))).toBe('ok');
  });

  it('caps the backoff: with the largest jitter no wait exceeds the maximum', async () => {
    const { actor, clock, recoveryTimers, control, recoveries } = await setup(() => 0.999);
    const failed = () => recoveries.filter((event) => event === 'reloadFailed').length;
    control.mode = 'down';
    expect(await outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'))).toBe('UNAVAILABLE');
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 8; attempt++) {
      await expect.poll(failed).toBe(attempt - 1);
      const [wait] = recoveryTimers();
      waits.push(wait!);
      clock.advance(wait!);
    }
    expect(waits).toEqual([99, 199, 399, 799, 1598, 3196, 4995]);
  });

  it('comes back by itself once the store does, and serves the same state', async () => {
    const { actor, clock, recoveryTimers, control, recoveries } = await setup();
    const failed = () => recoveries.filter((event) => event === 'reloadFailed').length;
    await hold(actor, 'ann', 'a0', 'ORCH-A-1');
    control.mode = 'down';
    expect(await outcomeOf(hold(actor, 'bob', 'b1', 'ORCH-A-2'))).toBe('UNAVAILABLE');
    for (let attempt = 2; attempt <= 3; attempt++) {
      await expect.poll(failed).toBe(attempt - 1);
      clock.advance(recoveryTimers()[0]!);
    }
    await expect.poll(failed).toBe(3);
    control.mode = 'up';
    clock.advance(recoveryTimers()[0]!);
    await expect.poll(() => recoveries.at(-1)).toBe('reloaded');
    expect(recoveryTimers()).toEqual([]);
    const map = await actor.seatMap();
    expect([map.seats['ORCH-A-1']!.status, map.seats['ORCH-A-2']!.status]).toEqual(['held', 'available']);
    expect(await outcomeOf(hold(actor, 'bob', 'b1', 'ORCH-A-2'))).toBe('ok');
  });

  it('gives a reload that hangs its own deadline, and counts it as a failed attempt', async () => {
    const { actor, clock, recoveryTimers, control, recoveries } = await setup();
    control.mode = 'down';
    expect(await outcomeOf(hold(actor, 'ann', 'a1', 'ORCH-A-1'))).toBe('UNAVAILABLE');
    await expect.poll(() => recoveries.filter((event) => event === 'reloadFailed').length).toBe(1);
    control.mode = 'stalled';
    clock.advance(recoveryTimers()[0]!);
    // The second attempt is stuck in the store: only its 10 s deadline ends it.
    await expect.poll(() => control.stalled.length).toBeGreaterThan(0);
    clock.advance(9_999);
    await settle();
    expect(recoveries.filter((event) => event === 'reloadFailed')).toHaveLength(1);
    clock.advance(1);
    await expect.poll(() => recoveries.filter((event) => event === 'reloadFailed').length).toBe(2);
  });

  it('never snapshots a state that holds a failed batch, even when stopped while recovering', async () => {
    const { actor, control, memory } = await setup();
    await hold(actor, 'ann', 'a0', 'ORCH-A-1');
    control.mode = 'down';
    expect(await outcomeOf(hold(actor, 'bob', 'b1', 'ORCH-A-2'))).toBe('UNAVAILABLE');
    control.mode = 'up';
    await actor.stop();
    const snapshot = await memory.eventStore.loadSnapshot('event-evt_test');
    expect(snapshot?.version ?? 1).toBe(1);
  });
});
