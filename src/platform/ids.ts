import { randomFillSync } from 'node:crypto';

const idBytes = 12;
// Random bytes are drawn a few kilobytes at a time: one system call per hold showed up in the flash-sale profile.
const pool = Buffer.alloc(idBytes * 512);
let poolOffset = pool.length;

const randomChunk = (): Buffer => {
  if (poolOffset + idBytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += idBytes;
  return pool.subarray(poolOffset - idBytes, poolOffset);
};

/** Random, URL-safe ids with a readable prefix. They never contain '.', which separates an event id inside a hold id. */
export const newId = (prefix: string): string =>
  `${prefix}_${randomChunk().toString('base64url').replaceAll('-', 'x').replaceAll('_', 'y')}`;

/** A hold id names its event, so `DELETE /v1/holds/:holdId` reaches the right actor without a lookup. */
export const newHoldId = (eventId: string): string => `${eventId}.${newId('hold')}`;

export const eventIdOfHold = (holdId: string): string | undefined => {
  const dot = holdId.lastIndexOf('.');
  return dot > 0 ? holdId.slice(0, dot) : undefined;
};

/** Order ids name their event too, so `/v1/orders/:id` reaches the actor; ticket ids extend the order id. */
export const newOrderId = (eventId: string): string => `${eventId}.${newId('ord')}`;
