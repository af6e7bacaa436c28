/**
 * Events of an event's waitlist, past tense. They share the event's stream with the inventory's events: an offer
 * is the inventory's HoldPlaced (a real hold, made by the inventory's own rules) followed by WaitlistOffered, and
 * its end is the inventory's HoldExpired, HoldReleased or HoldReserved followed by the waitlist's reading of it.
 */
export type WaitlistJoined = Readonly<{
  type: 'WaitlistJoined';
  data: Readonly<{
    entryId: string;
    userId: string;
    requestId: string;
    quantity: number;
    sectionId?: string;
    priceTier?: string;
    together: boolean;
    at: number;
  }>;
}>;

export type WaitlistLeft = Readonly<{
  type: 'WaitlistLeft';
  data: Readonly<{ entryId: string; userId: string; requestId: string; at: number }>;
}>;

/** The entry's hold was placed: the buyer may order it until `expiresAt` (epoch ms). */
export type WaitlistOffered = Readonly<{
  type: 'WaitlistOffered';
  data: Readonly<{
    entryId: string;
    userId: string;
    holdId: string;
    seatIds: readonly string[];
    /** General admission: the section of the places. */
    sectionId?: string;
    quantity: number;
    expiresAt: number;
    at: number;
  }>;
}>;

/** The offer's hold expired unordered: the entry ends, its seats go to the next entry that fits. */
export type WaitlistOfferLapsed = Readonly<{
  type: 'WaitlistOfferLapsed';
  data: Readonly<{ entryId: string; userId: string; holdId: string; at: number }>;
}>;

/** The offer's hold was released (by the buyer, or because they left): its seats go to the next entry that fits. */
export type WaitlistOfferDeclined = Readonly<{
  type: 'WaitlistOfferDeclined';
  data: Readonly<{ entryId: string; userId: string; holdId: string; at: number }>;
}>;

/** An order was placed on the offer's hold: the entry is served and ends. */
export type WaitlistFulfilled = Readonly<{
  type: 'WaitlistFulfilled';
  data: Readonly<{ entryId: string; userId: string; holdId: string; orderId: string; at: number }>;
}>;

/**
 * Seats (or places) held back for a protected entry (see the starvation rule in react.ts): a waitlist hold that
 * belongs to no buyer, so neither a later entry nor the public can take them while the entry waits.
 */
export type WaitlistSeatsGathered = Readonly<{
  type: 'WaitlistSeatsGathered';
  data: Readonly<{
    entryId: string;
    holdId: string;
    seatIds: readonly string[];
    sectionId?: string;
    quantity: number;
    at: number;
  }>;
}>;

/** A gathering hold ended (it became part of the offer, was retargeted, stolen by an earlier entry, or expired). */
export type WaitlistGatherReleased = Readonly<{
  type: 'WaitlistGatherReleased';
  data: Readonly<{ entryId: string; holdId: string; at: number }>;
}>;

export type WaitlistEvent =
  | WaitlistJoined
  | WaitlistLeft
  | WaitlistOffered
  | WaitlistOfferLapsed
  | WaitlistOfferDeclined
  | WaitlistFulfilled
  | WaitlistSeatsGathered
  | WaitlistGatherReleased;

const waitlistEventTypes: ReadonlySet<string> = new Set<WaitlistEvent['type']>([
  'WaitlistJoined',
  'WaitlistLeft',
  'WaitlistOffered',
  'WaitlistOfferLapsed',
  'WaitlistOfferDeclined',
  'WaitlistFulfilled',
  'WaitlistSeatsGathered',
  'WaitlistGatherReleased',
]);

export const isWaitlistEvent = (event: Readonly<{ type: string }>): event is WaitlistEvent =>
  waitlistEventTypes.has(event.type);
