import type { RoomConfig } from './room.ts';

/**
 * Commands to an event's waiting room. The shell stamps each with `now` (epoch ms, never decreasing within an actor)
 * and brings what the room cannot know itself: the seed it drew, and what the inventory says about stock.
 */

/**
 * Sets the room up, or changes its settings until the sale opens. `seed` (32 random bytes, hex, drawn by the shell)
 * is required the first time and fixed from then on: its SHA-256 is published at once, so it can never change.
 */
export type SetUpRoom = Readonly<{
  type: 'SetUpRoom';
  data: Readonly<{ config: RoomConfig; seed?: string; now: number }>;
}>;

/**
 * A buyer joins the line; joining again while their entry is live answers with the same entry and no events.
 * `atBack`: the front door found the session risky (docs/operations.md "Anti-bot"), so the entry waits at the back of
 * the room: behind everyone not sent there, and not admitted before `riskyHeldBackSeconds` after the opening.
 */
export type JoinQueue = Readonly<{
  type: 'JoinQueue';
  data: Readonly<{ userId: string; now: number; atBack?: boolean }>;
}>;

/** A buyer leaves the line, or gives up their admission. */
export type LeaveQueue = Readonly<{ type: 'LeaveQueue'; data: Readonly<{ userId: string; now: number }> }>;

/**
 * Sent by the actor's timer at `saleStartsAt`: shuffle the pre-queue. Any command at or after `saleStartsAt` shuffles
 * it first anyway; this one makes sure the seed is revealed even when nobody is there to ask.
 */
export type ShufflePreQueue = Readonly<{ type: 'ShufflePreQueue'; data: Readonly<{ now: number }> }>;

/**
 * What the inventory says about stock when the room admits: `available` places on sale now (lapsed holds included),
 * and `lapsing` places in holds that lapse within the shell's horizon (see `lapsingWithinMsDefault`).
 */
export type Stock = Readonly<{ available: number; lapsing: number }>;

/**
 * The tick: expire admissions whose time ran out, then admit the next buyers in line as stock, the cap and the
 * pacing allow. The shell sends it every tick while the room is engaged, and after anything that frees stock.
 */
export type AdmitNext = Readonly<{ type: 'AdmitNext'; data: Readonly<{ stock: Stock; now: number }> }>;

/** Sent by the actor's timer: every admission whose time ran out unused ends. */
export type ExpireAdmissions = Readonly<{ type: 'ExpireAdmissions'; data: Readonly<{ now: number }> }>;

/**
 * An admitted buyer is done choosing: they placed an order, or gave up. It frees their place among the admitted and
 * feeds the pacing's measured rate. A buyer who is not admitted (no room then, or already done) is a no-op.
 */
export type FinishAdmission = Readonly<{
  type: 'FinishAdmission';
  data: Readonly<{ userId: string; outcome: 'ordered' | 'gaveUp'; now: number }>;
}>;

/** Nothing is left to sell: everyone still waiting is told at once. Final for the room. */
export type DeclareSoldOut = Readonly<{ type: 'DeclareSoldOut'; data: Readonly<{ now: number }> }>;

/** The hybrid switch: the request rate crossed `autoEngageRequestsPerSecond`, so buyers queue from now on. */
export type EngageRoom = Readonly<{ type: 'EngageRoom'; data: Readonly<{ now: number }> }>;

/** The hybrid switch, back: calm again, so holds need no admission and everyone waiting may go ahead. */
export type ReleaseRoom = Readonly<{ type: 'ReleaseRoom'; data: Readonly<{ now: number }> }>;

export type QueueCommand =
  | SetUpRoom
  | JoinQueue
  | LeaveQueue
  | ShufflePreQueue
  | AdmitNext
  | ExpireAdmissions
  | FinishAdmission
  | DeclareSoldOut
  | EngageRoom
  | ReleaseRoom;
