/**
 * Venues and event configuration as plain data. A venue is a tree section → row → seat; seat ids are unique
 * within a venue. General-admission sections are counters with a capacity.
 */
export type SeatDefinition = Readonly<{ id: string; priceTier: string }>;
export type RowDefinition = Readonly<{ id: string; seats: readonly SeatDefinition[] }>;
export type SeatedSection = Readonly<{ id: string; name: string; kind: 'seated'; rows: readonly RowDefinition[] }>;
export type GeneralSection = Readonly<{
  id: string;
  name: string;
  kind: 'general';
  capacity: number;
  priceTier: string;
}>;
export type SectionDefinition = SeatedSection | GeneralSection;

export type Venue = Readonly<{ id: string; name: string; sections: readonly SectionDefinition[] }>;

export type Money = Readonly<{ amount: number; currency: string }>;

export const defaultHoldTtlSeconds = 8 * 60;
export const defaultPaymentTimeoutSeconds = 10 * 60;
export const defaultMaxSeatsPerUser = 5;
export const defaultWaitlistOfferSeconds = 10 * 60;

/** An event on sale: what the catalog stores and what the actor needs to decide. */
export type EventConfig = Readonly<{
  id: string;
  venueId: string;
  name: string;
  startsAt: string;
  priceTiers: Readonly<Record<string, Money>>;
  holdTtlSeconds: number;
  paymentTimeoutSeconds: number;
  maxSeatsPerUser: number;
  /** Epoch milliseconds; holds before it are rejected with SALE_NOT_OPEN. */
  saleStartsAtMs: number | null;
  /** How long a waitlist offer's hold lasts; `defaultWaitlistOfferSeconds` when absent. */
  waitlistOfferSeconds?: number;
  /** The event's virtual waiting room (src/domain/queue/); absent: none. Needs `saleStartsAtMs`. */
  waitingRoom?: WaitingRoomSettings;
  /** This event's anti-bot settings, over the deployment's (ANTIBOT, POW_*); absent: the deployment's. */
  antibot?: EventAntibotSettings;
}>;

/** Per event: whether joining its waiting room takes a proof of work, and the least work asked for. */
export type EventAntibotSettings = Readonly<{
  /** Proof of work on joins to this event's waiting room; absent: the deployment's POW_QUEUE_JOINS. */
  proofOfWork?: boolean;
  /** The counter range of this event's challenges at rest; absent: the deployment's POW_DIFFICULTY_MIN. */
  difficultyMin?: number;
  /** The risk band from which a session is sent to the back of this event's waiting room; absent: high. */
  backOfRoomFrom?: 'medium' | 'high' | 'never';
}>;

/**
 * The wire's `waitingRoom` as the catalog keeps it (instants as epoch ms). It sets the room up when the event is
 * created; from then on the room's settings live in the event's log (RoomSetUp).
 */
export type WaitingRoomSettings = Readonly<{
  enabled: boolean;
  /** Epoch ms; default `saleStartsAtMs` − 30 min. */
  preQueueOpensAtMs?: number;
  admittedMax?: number;
  admissionSeconds?: number;
  /** The hybrid switch: engage the room when the event's requests per second cross this. */
  autoEngageRequestsPerSecond?: number;
  /** Sessions sent to the back (risky) are not admitted before this long after the opening; absent: 120. */
  riskyHeldBackSeconds?: number;
}>;
