import type { Stock } from './commands.ts';
import type { RoomConfig } from './room.ts';

/**
 * Events of an event's waiting room, past tense, in the same stream as its inventory. Each names the buyers it
 * concerns (queue id and user id) so pushes and audits read the events alone; none lists every waiting buyer, so
 * sell-out and release are one small event however long the line.
 */

/**
 * The room's settings. The first one carries the seed (kept in the log, never shown until the shuffle) and its
 * commitment; later ones, before the sale opens, change settings and repeat the same seed and commitment.
 */
export type RoomSetUp = Readonly<{
  type: 'RoomSetUp';
  data: Readonly<{ config: RoomConfig; seed: string; commitment: string; at: number }>;
}>;

export type QueueJoined = Readonly<{
  type: 'QueueJoined';
  /** `atBack`: sent to the back of the room (a risky session); absent for everyone else. */
  data: Readonly<{ queueId: string; userId: string; state: 'prequeue' | 'queued'; at: number; atBack?: true }>;
}>;

export type QueueLeft = Readonly<{
  type: 'QueueLeft';
  data: Readonly<{ queueId: string; userId: string; at: number }>;
}>;

/**
 * The pre-queue, every entry still in it (`count`), was shuffled with the seed, which is now revealed. Evolve
 * recomputes the order from the seed, so the event stays small for a million buyers.
 */
export type PreQueueShuffled = Readonly<{
  type: 'PreQueueShuffled';
  data: Readonly<{ seed: string; count: number; at: number }>;
}>;

export type Admission = Readonly<{ queueId: string; userId: string; expiresAt: number }>;

/** The next buyers in line are admitted until `expiresAt`; `stock` is what the decision saw. */
export type AdmissionsGranted = Readonly<{
  type: 'AdmissionsGranted';
  data: Readonly<{ admissions: readonly Admission[]; stock: Stock; at: number }>;
}>;

/** Admissions that ran out unused. */
export type AdmissionsExpired = Readonly<{
  type: 'AdmissionsExpired';
  data: Readonly<{ admissions: readonly Readonly<{ queueId: string; userId: string }>[]; at: number }>;
}>;

export type AdmissionFinished = Readonly<{
  type: 'AdmissionFinished';
  data: Readonly<{ queueId: string; userId: string; outcome: 'ordered' | 'gaveUp' | 'left'; at: number }>;
}>;

/** Sold out: every one of the `waiting` buyers still in line or pre-queue is told so at once. */
export type QueueSoldOut = Readonly<{ type: 'QueueSoldOut'; data: Readonly<{ waiting: number; at: number }> }>;

export type RoomEngaged = Readonly<{ type: 'RoomEngaged'; data: Readonly<{ at: number }> }>;

/** The room let go: every one of the `waiting` buyers may go ahead without admission. */
export type RoomReleased = Readonly<{ type: 'RoomReleased'; data: Readonly<{ waiting: number; at: number }> }>;

export type QueueEvent =
  | RoomSetUp
  | QueueJoined
  | QueueLeft
  | PreQueueShuffled
  | AdmissionsGranted
  | AdmissionsExpired
  | AdmissionFinished
  | QueueSoldOut
  | RoomEngaged
  | RoomReleased;

const queueEventTypes: ReadonlySet<string> = new Set<QueueEvent['type']>([
  'RoomSetUp',
  'QueueJoined',
  'QueueLeft',
  'PreQueueShuffled',
  'AdmissionsGranted',
  'AdmissionsExpired',
  'AdmissionFinished',
  'QueueSoldOut',
  'RoomEngaged',
  'RoomReleased',
]);

/** For the actor, which keeps one stream per event: which events are the room's. */
export const isQueueEvent = (event: Readonly<{ type: string }>): event is QueueEvent => queueEventTypes.has(event.type);
