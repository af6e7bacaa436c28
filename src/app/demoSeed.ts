import type { SectionDefinition } from '../domain/venue.ts';
import type { BookingService } from '../services/bookingService.ts';

/** Seated sections of the demo venue: name, rows, seats per row, and the tier of each row band. */
const demoSeated: readonly { id: string; name: string; rows: number; seats: number; tier: (row: number) => string }[] =
  [
    { id: 'ORCH', name: 'Orchestra', rows: 8, seats: 24, tier: (row) => (row < 3 ? 'PREMIUM' : 'STANDARD') },
    { id: 'BALC', name: 'Balcony', rows: 5, seats: 28, tier: () => 'ECONOMY' },
  ];

/** The demo's ids are fixed, so the page at `/` and the start banner find it again after a restart. */
export const demoEventId = 'demo';
export const demoVenueId = 'demo-hall';

/**
 * On an empty catalog (a fresh embedded store), creates a demo venue and event so `npm start` shows a live seat
 * map at `/` with nothing else set up. Returns the event id it created, or undefined when events already exist.
 */
export const seedDemoWhenEmpty = async (booking: BookingService, nowMs: number): Promise<string | undefined> =>
  (await booking.listEvents(1)).length > 0 ? undefined : seedDemo(booking, nowMs);

/** Creates the demo venue and event (ids `demo-hall`, `demo`), on sale now, starting in 30 days. */
export const seedDemo = async (booking: BookingService, nowMs: number): Promise<string> => {
  const sections: SectionDefinition[] = demoSeated.map((section) => ({
    id: section.id,
    name: section.name,
    kind: 'seated',
    rows: Array.from({ length: section.rows }, (_, r) => ({
      id: String.fromCharCode(65 + r),
      seats: Array.from({ length: section.seats }, (_, s) => ({
        id: `${section.id}-${String.fromCharCode(65 + r)}-${s + 1}`,
        priceTier: section.tier(r),
      })),
    })),
  }));
  sections.push({ id: 'FLOOR', name: 'Standing floor', kind: 'general', capacity: 200, priceTier: 'GA' });
  const { id: venueId } = await booking.createVenue({ id: demoVenueId, name: 'Demo Hall', sections });
  const { id } = await booking.createEvent({
    id: demoEventId,
    venueId,
    name: 'Demo Night',
    startsAt: new Date(nowMs + 30 * 24 * 3600 * 1000).toISOString(),
    priceTiers: {
      PREMIUM: { amount: 12_000, currency: 'EUR' },
      STANDARD: { amount: 8_000, currency: 'EUR' },
      ECONOMY: { amount: 4_500, currency: 'EUR' },
      GA: { amount: 3_000, currency: 'EUR' },
    },
    holdTtlSeconds: 120,
    paymentTimeoutSeconds: 600,
    maxSeatsPerUser: 6,
    saleStartsAtMs: null,
  });
  return id;
};
