import type { BuyerContact } from '../contract/schemas.ts';

/** Where each buyer may be notified (PUT /v1/me/contact): one record per buyer, replaced whole. */
export interface Contacts {
  set(userId: string, contact: BuyerContact): Promise<void>;
  /** The buyer's contact, or undefined when they gave none. */
  get(userId: string): Promise<BuyerContact | undefined>;
}
