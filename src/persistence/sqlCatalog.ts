import type { EventConfig, Venue } from '../domain/venue.ts';
import { type Catalog, CatalogConflictError, CatalogUnknownVenueError } from './catalog.ts';
import { foreignKeyViolation, type SqlClient, sqlState, uniqueViolation } from './sqlClient.ts';

/**
 * A Catalog over any SqlClient. The whole Venue / EventConfig is kept as jsonb so it reads back as the
 * same object; id, name and venue_id are copied into columns only for keys, joins and listing.
 */
export function sqlCatalog(client: SqlClient): Catalog {
  return {
    async createVenue(venue: Venue): Promise<void> {
      try {
        await client.query('INSERT INTO catalog_venues (id, name, definition) VALUES ($1, $2, $3::text::jsonb)', [
          venue.id,
          venue.name,
          JSON.stringify(venue),
        ]);
      } catch (error) {
        if (sqlState(error) === uniqueViolation) throw new CatalogConflictError('venue', venue.id);
        throw error;
      }
    },

    async getVenue(id: string): Promise<Venue | undefined> {
      const [row] = await client.query<{ definition: Venue }>('SELECT definition FROM catalog_venues WHERE id = $1', [
        id,
      ]);
      return row?.definition;
    },

    async createEvent(event: EventConfig): Promise<void> {
      try {
        await client.query(
          'INSERT INTO catalog_events (id, venue_id, name, config) VALUES ($1, $2, $3, $4::text::jsonb)',
          [event.id, event.venueId, event.name, JSON.stringify(event)],
        );
      } catch (error) {
        if (sqlState(error) === uniqueViolation) throw new CatalogConflictError('event', event.id);
        if (sqlState(error) === foreignKeyViolation) throw new CatalogUnknownVenueError(event.id, event.venueId);
        throw error;
      }
    },

    async getEvent(id: string): Promise<EventConfig | undefined> {
      const [row] = await client.query<{ config: EventConfig }>('SELECT config FROM catalog_events WHERE id = $1', [
        id,
      ]);
      return row?.config;
    },

    async listEvents(limit: number): Promise<EventConfig[]> {
      const rows = await client.query<{ config: EventConfig }>(
        'SELECT config FROM catalog_events ORDER BY created_at, id LIMIT $1',
        [limit],
      );
      return rows.map((row) => row.config);
    },

    async secret(name: string, create: () => string): Promise<string> {
      await client.query('INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
        name,
        create(),
      ]);
      const [row] = await client.query<{ value: string }>('SELECT value FROM server_secrets WHERE name = $1', [name]);
      if (row === undefined) throw new Error(`secret ${name} vanished`);
      return row.value;
    },
  };
}
