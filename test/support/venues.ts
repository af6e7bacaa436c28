import type { EventConfig, Venue } from '../../src/domain/venue.ts';

/** A seated venue of `rows` × `seatsPerRow` seats (tier A in the first half of rows, B after) and a GA floor. */
export const gridVenue = (id = 'ven_test', rows = 4, seatsPerRow = 10, gaCapacity = 20): Venue => ({
  id,
  name: 'Test Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated',
      rows: Array.from({ length: rows }, (_, r) => ({
        id: String.fromCharCode(65 + r),
        seats: Array.from({ length: seatsPerRow }, (_, s) => ({
          id: `ORCH-${String.fromCharCode(65 + r)}-${s + 1}`,
          priceTier: r < rows / 2 ? 'A' : 'B',
        })),
      })),
    },
    { id: 'FLOOR', name: 'Floor', kind: 'general', capacity: gaCapacity, priceTier: 'GA' },
  ],
});

export const eventFor = (venue: Venue, overrides: Partial<EventConfig> = {}): EventConfig => ({
  id: 'evt_test',
  venueId: venue.id,
  name: 'Test Night',
  startsAt: '2027-01-01T20:00:00.000Z',
  priceTiers: {
    A: { amount: 9000, currency: 'EUR' },
    B: { amount: 5000, currency: 'EUR' },
    GA: { amount: 3000, currency: 'EUR' },
  },
  holdTtlSeconds: 60,
  paymentTimeoutSeconds: 600,
  maxSeatsPerUser: 5,
  saleStartsAtMs: null,
  ...overrides,
});

/** A REST venue body: one seated row `A` of `seats` seats (`A1`, `A2`, ...) at tier `S`. */
export const oneRowVenueBody = (name: string, seats = 4) => ({
  name,
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated' as const,
      rows: [{ id: 'A', seats: Array.from({ length: seats }, (_, i) => ({ id: `A${i + 1}`, priceTier: 'S' })) }],
    },
  ],
});
