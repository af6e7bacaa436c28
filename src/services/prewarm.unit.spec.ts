import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { createBookingCore } from './bookingCore.ts';
import { startPrewarm } from './prewarm.ts';

describe('pre-warm', () => {
  it('activates the events whose sale opens within the lead, before the opening, and no others', async () => {
    const memory = openInMemoryStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const core = createBookingCore({
      store: memory.eventStore,
      catalog: memory.catalog,
      clock,
      closeStore: async () => {},
    });
    const venue = gridVenue();
    await core.createVenue(venue);
    const at = (minutes: number) => clock.now() + minutes * 60_000;
    await core.createEvent(eventFor(venue, { id: 'evt_soon', saleStartsAtMs: at(4) }));
    await core.createEvent(eventFor(venue, { id: 'evt_later', saleStartsAtMs: at(30) }));
    await core.createEvent(eventFor(venue, { id: 'evt_open', saleStartsAtMs: at(-1) }));
    await core.createEvent(eventFor(venue, { id: 'evt_none', saleStartsAtMs: null }));
    expect(core.activations.activeCount).toBe(0);

    const prewarm = startPrewarm({ booking: core, clock, leadMs: 5 * 60_000, intervalMs: 60_000 });
    expect(await prewarm.first).toEqual(['evt_soon']);
    expect(core.activations.peek('evt_soon')).toBeDefined();
    expect(core.activations.peek('evt_later')).toBeUndefined();

    // 26 minutes on, the later sale is within the lead: a later pass warms it.
    clock.advance(26 * 60_000);
    await expect.poll(() => core.activations.peek('evt_later')).toBeDefined();
    prewarm.stop();
    await core.activations.stopAll();
  });

  it('in a cluster, warms only the events this node is to run', async () => {
    const memory = openInMemoryStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const core = createBookingCore({
      store: memory.eventStore,
      catalog: memory.catalog,
      clock,
      closeStore: async () => {},
    });
    const venue = gridVenue();
    await core.createVenue(venue);
    const soon = clock.now() + 4 * 60_000;
    await core.createEvent(eventFor(venue, { id: 'evt_mine', saleStartsAtMs: soon }));
    await core.createEvent(eventFor(venue, { id: 'evt_theirs', saleStartsAtMs: soon }));
    const prewarm = startPrewarm({
      booking: core,
      clock,
      servesHere: async (eventId) => eventId === 'evt_mine',
    });
    expect(await prewarm.first).toEqual(['evt_mine']);
    expect(core.activations.peek('evt_theirs')).toBeUndefined();
    prewarm.stop();
    await core.activations.stopAll();
  });
});
