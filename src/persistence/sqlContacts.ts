import type { BuyerContact } from '../contract/schemas.ts';
import type { Contacts } from './contacts.ts';
import type { SqlClient } from './sqlClient.ts';

export const sqlContacts = (client: SqlClient): Contacts => ({
  async set(userId, contact) {
    await client.query(
      `INSERT INTO buyer_contacts (user_id, contact) VALUES ($1, $2::text::jsonb)
       ON CONFLICT (user_id) DO UPDATE SET contact = excluded.contact, updated_at = now()`,
      [userId, JSON.stringify(contact)],
    );
  },
  async get(userId) {
    const [row] = await client.query<{ contact: BuyerContact }>(
      'SELECT contact FROM buyer_contacts WHERE user_id = $1',
      [userId],
    );
    return row?.contact;
  },
});
