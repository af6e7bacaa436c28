import type { EventConfig, Venue } from '../domain/venue.ts';

/** Venues and events on sale: written by admins, read when an event actor activates. */
export interface Catalog {
  /** Throws CatalogConflictError when the id is taken. */
  createVenue(venue: Venue): Promise<void>;
  getVenue(id: string): Promise<Venue | undefined>;
  createEvent(event: EventConfig): Promise<void>;
  getEvent(id: string): Promise<EventConfig | undefined>;
  listEvents(limit: number): Promise<EventConfig[]>;
  /**
   * A secret the server generates for itself, created on first use. When several nodes ask at once, one value
   * wins and every caller gets that one.
   */
  secret(name: string, create: () => string): Promise<string>;
}

export class CatalogConflictError extends Error {
  constructor(
    readonly kind: 'venue' | 'event',
    readonly id: string,
  ) {
    super(`${kind} ${id} already exists`);
    this.name = 'CatalogConflictError';
  }
}

/** An event names a venue the catalog does not hold; venues are created first. */
export class CatalogUnknownVenueError extends Error {
  constructor(
    readonly eventId: string,
    readonly venueId: string,
  ) {
    super(`event ${eventId} names unknown venue ${venueId}`);
    this.name = 'CatalogUnknownVenueError';
  }
}
