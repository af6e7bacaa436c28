import { fromSnapshot, type InventorySnapshot, toSnapshot } from '../seatMap/snapshot.ts';
import type { SeatLayout } from '../seatMap/state.ts';
import { requestKey } from '../seatMap/state.ts';
import type { EventConfig, Venue } from '../venue.ts';
import type { EventState } from './eventState.ts';
import {
  type GatherRecord,
  initialWaitlistState,
  scopeOf,
  type WaitlistEntry,
  type WaitlistPolicy,
  type WaitlistState,
} from './state.ts';

/** 1: the first waitlist snapshot. Another format is refused and the stream replayed. */
export const waitlistSnapshotFormat = 1;

/** An entry as stored: what its events said; the scope is derived again from the layout. */
type StoredEntry = Omit<WaitlistEntry, 'scope' | 'gathers'> & Readonly<{ gathers: readonly GatherRecord[] }>;

/** The waitlist, JSON-ready and compact: the entries in join order; every index is derived on load. */
export type WaitlistSnapshot = Readonly<{
  format: number;
  /** The stream version it was taken at: the same as the inventory snapshot beside it. */
  version: number;
  nextSeq: number;
  entries: readonly StoredEntry[];
}>;

/** An event's state as one snapshot: both deciders at one stream version. */
export type EventSnapshot = Readonly<{ inventory: InventorySnapshot; waitlist: WaitlistSnapshot }>;

export const toWaitlistSnapshot = (state: EventState): WaitlistSnapshot => ({
  format: waitlistSnapshotFormat,
  version: state.inventory.version,
  nextSeq: state.waitlist.nextSeq,
  entries: [...state.waitlist.entries.values()].map(({ scope: _, gathers, ...entry }) => ({
    ...entry,
    gathers: [...gathers.values()].map((gather) => ({ ...gather, seats: [...gather.seats] })),
  })),
});

/** Rebuilds the waitlist from a snapshot; the caller checks the invariants against the inventory. */
export const fromWaitlistSnapshot = (
  layout: SeatLayout,
  snapshot: WaitlistSnapshot,
  policy?: WaitlistPolicy,
): WaitlistState => {
  if (snapshot.format !== waitlistSnapshotFormat)
    throw new Error(`waitlist snapshot format ${snapshot.format} is not ${waitlistSnapshotFormat}`);
  const state = initialWaitlistState(layout, policy);
  state.nextSeq = snapshot.nextSeq;
  // JSON turns undefined into absent fields, so optional ones are read back as undefined explicitly.
  for (const stored of [...snapshot.entries].sort((a, b) => a.seq - b.seq)) {
    const entry: WaitlistEntry = {
      ...stored,
      scope: scopeOf(layout, stored.request),
      offer:
        stored.offer === undefined || stored.offer === null
          ? undefined
          : { ...stored.offer, sectionId: stored.offer.sectionId ?? undefined },
      orderId: stored.orderId ?? undefined,
      endedAt: stored.endedAt ?? undefined,
      gathers: new Map(stored.gathers.map((gather) => [gather.holdId, { ...gather, seats: [...gather.seats] }])),
    };
    state.entries.set(entry.entryId, entry);
    state.entryOfRequest.set(requestKey(entry.userId, entry.requestId), entry.entryId);
    state.lastEntryOfUser.set(entry.userId, entry.entryId);
    for (const gather of entry.gathers.values()) {
      state.entryOfHold.set(gather.holdId, entry.entryId);
      for (const seat of gather.seats) state.gathererOfSeat.set(seat, entry.entryId);
      state.gatherHolds += 1;
      state.gatherers.set(entry.entryId, entry);
    }
    if (entry.status === 'waiting' || entry.status === 'offered') {
      state.line.set(entry.entryId, entry);
      state.activeEntryOfUser.set(entry.userId, entry.entryId);
      if (entry.status === 'waiting') state.waiting += 1;
      else state.entryOfHold.set(entry.offer!.holdId, entry.entryId);
    }
  }
  return state;
};

export const toEventSnapshot = (state: EventState): EventSnapshot => ({
  inventory: toSnapshot(state.inventory),
  waitlist: toWaitlistSnapshot(state),
});

export const fromEventSnapshot = (
  venue: Venue,
  config: EventConfig,
  snapshot: EventSnapshot,
  policy?: WaitlistPolicy,
): EventState => {
  if (snapshot.waitlist.version !== snapshot.inventory.version)
    throw new Error(`waitlist snapshot at ${snapshot.waitlist.version}, inventory at ${snapshot.inventory.version}`);
  const inventory = fromSnapshot(venue, config, snapshot.inventory);
  return { inventory, waitlist: fromWaitlistSnapshot(inventory.layout, snapshot.waitlist, policy) };
};
