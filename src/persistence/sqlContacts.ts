import type { BuyerContact } from '../contract/schemas.ts';
import type { Contacts } from './contacts.ts';
import type { SqlClient } from './sqlClient.ts';

/**
 * The contacts of several buyers, by the primary key. The ids travel as one JSON text, as the other list parameters
 * here do (drivers disagree on JS arrays); as an array (`= ANY (ARRAY(…))`) the key finds them, where `IN (SELECT …)`
 * was planned as a scan of every buyer's contact. Exported for the plan test.
 */
export const contactsOfUsersSql = `SELECT user_id, contact FROM buyer_contacts
  WHERE user_id = ANY (ARRAY(SELECT jsonb_array_elements_text($1::text::jsonb)))`;

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
  async getMany(userIds) {
    if (userIds.length === 0) return new Map();
    const rows = await client.query<{ user_id: string; contact: BuyerContact }>(contactsOfUsersSql, [
      JSON.stringify(userIds),
    ]);
    return new Map(rows.map((row) => [row.user_id, row.contact]));
  },
  async forget(userId, field, address) {
    // A string field is compared as stored; the Web Push subscription by its endpoint.
    const rows = await client.query(
      `UPDATE buyer_contacts SET contact = contact - $2::text, updated_at = now()
       WHERE user_id = $1 AND (contact->>$2::text = $3 OR contact->$2::text->>'endpoint' = $3)
       RETURNING user_id`,
      [userId, field, address],
    );
    return rows.length > 0;
  },
});
