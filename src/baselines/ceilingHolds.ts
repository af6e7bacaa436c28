import { systemClock } from '../platform/clock.ts';
import type { SocketHolds } from '../services/bookingService.ts';
import { newBaselineHold, seatIdsOf } from './baselineSeats.ts';

/** How long a ceiling "hold" claims to last; nothing keeps it. */
const ceilingHoldTtlMs = 8 * 60_000;

/**
 * Baseline 3, the transport ceiling: the request is authenticated, rate limited and validated like every other,
 * then answered at once with no inventory behind it. It bounds what any booking logic can reach on this gateway.
 */
export const ceilingHolds = (now: () => number = systemClock.now): SocketHolds => ({
  hold: async (eventId, _userId, _requestId, request, options) =>
    newBaselineHold(eventId, seatIdsOf(request, options), now() + ceilingHoldTtlMs),
  release: async () => {},
});
