import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { Activations } from './activations.ts';
import type { EventActor } from './eventActor.ts';

const setup = async () => {
  const memory = openInMemoryStore();
  const venue = gridVenue();
  await memory.catalog.createVenue(venue);
  await memory.catalog.createEvent(eventFor(venue));
  const clock = new ManualClock();
  // The passivation pass runs every 10 ms of the manual clock (a quarter of idleMs), so moving the clock runs it.
  const activations = new Activations({ store: memory.eventStore, catalog: memory.catalog, clock, idleMs: 40 });
  return { memory, clock, activations };
};

const hold = (actor: EventActor, seatId: string, holdId: string) =>
  actor.send((now) => ({
    type: 'PlaceHold',
    data: { holdId, userId: 'u1', requestId: holdId, request: { kind: 'seats', seatIds: [seatId] }, now },
  }));

describe('activations: passivation', () => {
  it('stops an idle actor with a last snapshot and activates it again, unchanged, on the next request', async () => {
    const { clock, activations, memory } = await setup();
    const first = await activations.get('evt_test');
    await hold(first, 'ORCH-A-1', 'evt_test.h1');
    await first.send((now) => ({
      type: 'ReleaseHold',
      data: { holdId: 'evt_test.h1', userId: 'u1', requestId: 'rel', now },
    }));
    const before = await first.seatMap();
    clock.advance(50);
    await expect.poll(() => activations.activeCount).toBe(0);
    expect((await memory.eventStore.loadSnapshot('event-evt_test'))?.version).toBe(before.version);
    const second = await activations.get('evt_test');
    expect(second).not.toBe(first);
    expect(await second.seatMap()).toEqual(before);
    await activations.stopAll();
  });

  it('names the running actor synchronously only between its activation and its passivation or eviction', async () => {
    const { clock, activations } = await setup();
    const activating = activations.get('evt_test');
    // Still activating: nothing to answer from yet.
    expect(activations.runningNow('evt_test')).toBeUndefined();
    const first = await activating;
    expect(activations.runningNow('evt_test')).toBe(first);
    clock.advance(50);
    await expect.poll(() => activations.activeCount).toBe(0);
    // A passivated actor's state (and its seat-map frames) never answers for the event again.
    expect(activations.runningNow('evt_test')).toBeUndefined();
    const second = await activations.get('evt_test');
    expect(activations.runningNow('evt_test')).toBe(second);
    await activations.evict('evt_test');
    expect(activations.runningNow('evt_test')).toBeUndefined();
    await activations.stopAll();
  });

  it('keeps an actor that has a live hold to expire, however long nobody asks', async () => {
    const { clock, activations } = await setup();
    const actor = await activations.get('evt_test');
    await hold(actor, 'ORCH-A-2', 'evt_test.h2');
    clock.advance(1_000);
    // A hundred passes ran on the way; one more, awaited, has decided when it resolves.
    await activations.passivateIdle();
    expect(activations.activeCount).toBe(1);
    expect(await activations.get('evt_test')).toBe(actor);
    await activations.stopAll();
  });

  it('activates one fresh actor for concurrent requests after passivation, and it takes commands', async () => {
    const { clock, activations } = await setup();
    const first = await activations.get('evt_test');
    clock.advance(50);
    await expect.poll(() => activations.activeCount).toBe(0);
    const [a, b] = await Promise.all([activations.get('evt_test'), activations.get('evt_test')]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
    expect((await hold(a, 'ORCH-A-3', 'evt_test.h3')).events.map((event) => event.type)).toEqual(['HoldPlaced']);
    await activations.stopAll();
  });
});
