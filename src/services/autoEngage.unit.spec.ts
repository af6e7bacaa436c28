import { describe, expect, it } from 'vitest';
import { eventFor, gridVenue } from '../../test/support/venues.ts';
import { openInMemoryStore } from '../persistence/inMemory/inMemoryStore.ts';
import { ManualClock } from '../platform/clock.ts';
import { startAutoEngage } from './autoEngage.ts';
import { createBookingCore } from './bookingCore.ts';

/**
 * The hybrid switch on a manual clock: requests over the threshold engage the room (holds then need an admission,
 * nobody loses a hold), half the threshold for the calm period releases it; a scheduled room is left alone.
 */
const saleStartsAt = Date.UTC(2026, 0, 1, 12);

const setup = async (waitingRoom: { enabled: boolean; autoEngageRequestsPerSecond?: number }) => {
  const memory = openInMemoryStore();
  const clock = new ManualClock(saleStartsAt + 60_000);
  const core = createBookingCore({
    store: memory.eventStore,
    catalog: memory.catalog,
    clock,
    closeStore: async () => {},
  });
  const venue = gridVenue();
  await core.createVenue(venue);
  await core.createEvent(eventFor(venue, { id: 'evt_hybrid', saleStartsAtMs: saleStartsAt, waitingRoom }));
  const actor = await core.activations.get('evt_hybrid');
  const engaged = () => actor.read((state) => state.queue.engaged);
  const switcher = startAutoEngage({ activations: core.activations, clock, calmSeconds: 5 });
  const burst = (requests: number) => {
    for (let i = 0; i < requests; i++) switcher.observe('evt_hybrid');
  };
  /** One second on the clock: the switch's round runs; once it has sent what it decided, the room is read. */
  const second = async () => {
    clock.advance(1_000);
    await switcher.idle();
    return engaged();
  };
  const hold = (seatId: string) =>
    core.hold('evt_hybrid', 'u_early', `r-${seatId}`, { kind: 'seats', seatIds: [seatId] });
  return { core, switcher, burst, second, engaged, hold };
};

describe('the hybrid switch', () => {
  it('engages at the threshold, keeps existing holds, and releases after the calm period', async () => {
    const { core, switcher, burst, second, engaged, hold } = await setup({
      enabled: false,
      autoEngageRequestsPerSecond: 10,
    });
    expect(await engaged()).toBe(false);
    const early = await hold('ORCH-A-1');
    burst(9);
    expect(await second()).toBe(false);
    burst(10);
    expect(await second()).toBe(true);
    await expect(hold('ORCH-A-2')).rejects.toMatchObject({ code: 'NOT_ADMITTED' });
    // The hold placed before the switch is still the buyer's.
    const actor = await core.activations.get('evt_hybrid');
    expect(await actor.read((state) => state.handleOfHold.has(early.holdId))).toBe(true);
    // Busy again within the calm period: the count starts over.
    for (let s = 0; s < 4; s++) expect(await second()).toBe(true);
    burst(6);
    expect(await second()).toBe(true);
    for (let s = 0; s < 4; s++) expect(await second()).toBe(true);
    burst(1);
    expect(await second()).toBe(false);
    switcher.stop();
    await core.activations.stopAll();
  });

  it('never releases a room engaged by its schedule, and ignores events without the setting', async () => {
    const scheduled = await setup({ enabled: true, autoEngageRequestsPerSecond: 10 });
    scheduled.burst(20);
    for (let s = 0; s < 8; s++) expect(await scheduled.second()).toBe(true);
    scheduled.switcher.stop();
    await scheduled.core.activations.stopAll();
    const without = await setup({ enabled: false });
    without.burst(1_000);
    expect(await without.second()).toBe(false);
    without.switcher.stop();
    await without.core.activations.stopAll();
  });
});
