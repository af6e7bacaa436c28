import type { BuyerContact } from '../contract/schemas.ts';

/** Where each buyer may be notified (PUT /v1/me/contact): one record per buyer, replaced whole. */
export interface Contacts {
  set(userId: string, contact: BuyerContact): Promise<void>;
  /** The buyer's contact, or undefined when they gave none. */
  get(userId: string): Promise<BuyerContact | undefined>;
  /** The contacts of several buyers in one read (the outbox's claimed rows); buyers who gave none are absent. */
  getMany(userIds: readonly string[]): Promise<Map<string, BuyerContact>>;
  /**
   * Drops one address that its channel said is gone for good (a Web Push endpoint answering 410), only while it is
   * still the one the buyer gave: a subscription they renewed meanwhile is kept. Resolves true when it was dropped.
   */
  forget(userId: string, field: keyof BuyerContact, address: string): Promise<boolean>;
}
