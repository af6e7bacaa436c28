import type {
  EventLayoutView,
  GeneralView,
  SeatMapDiff,
  SeatMapView,
  SeatStatusMapView,
  SeatView,
  SubscribeReply,
} from '../../src/contract/protocol.ts';
import { Emitter } from './emitter.ts';
import type { SeatActorError } from './errors.ts';
import { decodeStatuses, layoutSeatIds } from './statusForm.ts';

export type ResyncInfo = Readonly<{
  /** True when the server sent a whole map (the client was too far behind); false when it sent the missed diffs. */
  full: boolean;
  fromVersion: number | undefined;
  version: number;
}>;

export type LiveSeatMapEvents = {
  /** One committed batch applied; `map` already reflects it. */
  change: (diff: SeatMapDiff, map: LiveSeatMap) => void;
  /** The map caught up after a gap or a reconnect. */
  resync: (info: ResyncInfo, map: LiveSeatMap) => void;
  /** A resync attempt failed; the map keeps retrying until it succeeds or is closed. */
  error: (error: SeatActorError) => void;
};

/** `resyncs` counts catch-ups after a gap or a reconnect (the first load is not one); `fullResyncs` those that reloaded the whole map. */
export type LiveSeatMapStats = { diffsApplied: number; gaps: number; resyncs: number; fullResyncs: number };

/** What a live map needs from its client: one `subscribe` request (retried, with timeouts). */
export type Resubscribe = (eventId: string, sinceVersion: number | undefined) => Promise<SubscribeReply>;

const resyncDelayMsMax = 5_000;

/**
 * One event's seat map, kept current by `seatmap:diff` pushes. Diffs apply only in order: a diff at or below the
 * current version is a duplicate and is dropped; one whose `fromVersion` is ahead is a gap and triggers a resync
 * (the diffs since our version, or a fresh map). Diffs that arrive during a resync wait and apply after it.
 */
export class LiveSeatMap extends Emitter<LiveSeatMapEvents> {
  readonly eventId: string;
  version = -1;
  seats: Record<string, SeatView> = {};
  general: Record<string, GeneralView> = {};
  readonly stats: LiveSeatMapStats = { diffsApplied: 0, gaps: 0, resyncs: 0, fullResyncs: 0 };
  private pending: SeatMapDiff[] | undefined;
  private loaded = false;
  private resyncing: Promise<void> | undefined;
  private resyncAgain = false;
  private closed = false;

  private readonly layoutSeatIds: readonly string[] | undefined;

  /**
   * `layout` (the event's `GET /v1/events/:id/layout`): the map is loaded from the compact status form, which carries
   * no per-seat versions, so a seat's `version` is -1 (unknown) until a diff changes it; such a map is for showing,
   * not for sending `expectedVersions`.
   */
  constructor(
    eventId: string,
    private readonly resubscribe: Resubscribe,
    private readonly onClose: (map: LiveSeatMap) => void,
    private readonly layout?: EventLayoutView,
  ) {
    super();
    this.eventId = eventId;
    this.layoutSeatIds = layout === undefined ? undefined : layoutSeatIds(layout);
  }

  /** True when the map loads from the compact status form (it was given the layout). */
  get statusForm(): boolean {
    return this.layout !== undefined;
  }

  /** A plain snapshot in the REST shape. */
  toView(): SeatMapView {
    return { eventId: this.eventId, version: this.version, seats: { ...this.seats }, general: { ...this.general } };
  }

  /** Called by the client for every pushed diff of this event. */
  receive(diff: SeatMapDiff): void {
    if (this.closed) return;
    if (this.pending !== undefined) {
      this.pending.push(diff);
      return;
    }
    this.apply(diff);
  }

  /** Catches up from the current version (or loads the map the first time). Retries until it succeeds or is closed. */
  resync(): Promise<void> {
    if (this.resyncing !== undefined) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.pending ??= [];
    this.resyncing = this.runResync().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  /** Stops applying diffs and tells the server this client no longer watches the event. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.onClose(this);
  }

  private async runResync(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      this.resyncAgain = false;
      const fromVersion = this.loaded ? this.version : undefined;
      let reply: SubscribeReply;
      try {
        reply = await this.resubscribe(this.eventId, fromVersion);
      } catch (error) {
        const failure = error as SeatActorError;
        // NOT_FOUND and friends will not heal by retrying; a first load reports them to the caller.
        if (
          !this.loaded &&
          failure.code !== 'TIMEOUT' &&
          failure.code !== 'UNAVAILABLE' &&
          failure.code !== 'RATE_LIMITED'
        ) {
          this.pending = undefined;
          throw failure;
        }
        this.emit('error', failure);
        await new Promise((resolve) => setTimeout(resolve, Math.min(resyncDelayMsMax, 100 * 2 ** attempt)));
        continue;
      }
      if (this.closed) return;
      const whole = reply.seatMap !== undefined || reply.statusMap !== undefined;
      if (reply.seatMap !== undefined) {
        this.seats = { ...reply.seatMap.seats };
        this.general = { ...reply.seatMap.general };
        this.version = reply.seatMap.version;
      } else if (reply.statusMap !== undefined) {
        this.loadStatusForm(reply.statusMap);
      } else {
        for (const diff of reply.diffs ?? []) this.applyInOrder(diff);
      }
      // The first map is a load, not a resync: only a reload after a gap or a reconnect counts.
      if (whole && this.loaded) this.stats.fullResyncs += 1;
      const wasLoaded = this.loaded;
      this.loaded = true;
      if (wasLoaded) {
        this.stats.resyncs += 1;
        this.emit('resync', { full: whole, fromVersion, version: this.version }, this);
      }
      if (this.resyncAgain) continue;
      const waiting = (this.pending ?? []).sort((a, b) => a.fromVersion - b.fromVersion);
      this.pending = undefined;
      for (const diff of waiting) this.apply(diff);
      return;
    }
  }

  /** Every seat from the status form, its tier from the layout; per-seat versions are not in the form (-1). */
  private loadStatusForm(statusMap: SeatStatusMapView): void {
    const layout = this.layout;
    if (layout === undefined) throw new Error('a status form arrived for a map subscribed without its layout');
    const statuses = decodeStatuses(statusMap, layout, this.layoutSeatIds);
    const tiers = new Map<string, string>();
    for (const section of layout.sections) {
      if (section.kind !== 'seated') continue;
      for (const row of section.rows) for (const seat of row.seats) tiers.set(seat.id, seat.priceTier);
    }
    const seats: Record<string, SeatView> = {};
    for (const [seatId, status] of Object.entries(statuses)) {
      seats[seatId] = { status, priceTier: tiers.get(seatId) ?? '', version: -1 };
    }
    this.seats = seats;
    this.general = { ...statusMap.general };
    this.version = statusMap.version;
  }

  private apply(diff: SeatMapDiff): void {
    if (diff.version <= this.version) return;
    if (diff.fromVersion !== this.version) {
      this.stats.gaps += 1;
      void this.resync().catch(() => undefined);
      this.pending?.push(diff);
      return;
    }
    this.applyInOrder(diff);
  }

  private applyInOrder(diff: SeatMapDiff): void {
    if (diff.version <= this.version || diff.fromVersion !== this.version) return;
    for (const change of diff.changes) {
      const seat = this.seats[change.seatId];
      this.seats[change.seatId] = { priceTier: seat?.priceTier ?? '', status: change.status, version: change.version };
    }
    for (const change of diff.general) {
      const section = this.general[change.sectionId];
      if (section !== undefined) this.general[change.sectionId] = { ...section, available: change.available };
    }
    this.version = diff.version;
    this.stats.diffsApplied += 1;
    this.emit('change', diff, this);
  }
}
