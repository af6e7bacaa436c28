import type { ReplayPageView, SeatStatusName } from '../../client-sdk/src/index.ts';

/**
 * The display's replay, without a page: the frames of `GET /v1/events/:id/replay` (every batch's diff, and the moments
 * holds lapsed) on a time line, and the map at any instant of it. Moving to an instant applies the frames between the
 * current one and it, forwards or (from what each frame replaced) backwards, so a slider dragged to and fro or a play
 * at any speed costs the frames it crosses, never a replay from the start. Pure, so it is tested without a browser.
 */

export type ReplayFrame = ReplayPageView['frames'][number];

/** What a move changed: the seats and general-admission sections to show anew. */
export type TimelineMove = Readonly<{
  seats: readonly Readonly<{ seatId: string; status: SeatStatusName }>[];
  general: readonly Readonly<{ sectionId: string; available: number }>[];
}>;

type Undo = Readonly<{ seats: readonly [string, SeatStatusName][]; general: readonly [string, number][] }>;

export class ReplayTimeline {
  /** Each frame's instant (epoch ms), in order. */
  private readonly instants: readonly number[];
  /** Frames applied so far: the map shown is the one after frames[0 .. applied). */
  private applied = 0;
  private readonly seats = new Map<string, SeatStatusName>();
  private readonly general: Map<string, number>;
  private readonly undo: Undo[] = [];

  /**
   * `frames` in order from the map before the first event (every seat available, every general-admission section at
   * its capacity: `capacities`).
   */
  constructor(
    private readonly frames: readonly ReplayFrame[],
    capacities: Readonly<Record<string, number>>,
  ) {
    this.instants = frames.map((frame) => Date.parse(frame.at));
    for (let index = 1; index < this.instants.length; index++)
      if (this.instants[index]! < this.instants[index - 1]!) throw new RangeError('replay frames out of order');
    this.general = new Map(Object.entries(capacities));
  }

  /** The first change's instant; undefined when nothing happened yet. */
  get firstAt(): number | undefined {
    return this.instants[0];
  }

  /** The stream version of the map shown (0 before the first event). */
  get version(): number {
    return this.applied === 0 ? 0 : this.frames[this.applied - 1]!.version;
  }

  /** Frames in all. */
  get instantCount(): number {
    return this.instants.length;
  }

  /** Changes shown so far (frames applied). */
  get position(): number {
    return this.applied;
  }

  /** The instant of frame `index` (0-based), undefined past either end. */
  instantOf(index: number): number | undefined {
    return this.instants[index];
  }

  /** The instant of the first change after `atMs`, or of the last change before it: where a step to a change lands. */
  changeAfter(atMs: number): number | undefined {
    return this.instants[this.countAt(atMs)];
  }

  changeBefore(atMs: number): number | undefined {
    let [low, high] = [0, this.instants.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.instants[middle]! < atMs) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? undefined : this.instants[low - 1];
  }

  statusOf(seatId: string): SeatStatusName {
    return this.seats.get(seatId) ?? 'available';
  }

  /** Every seat of the map shown that is not available (the ones left out are), for a whole load of the page's map. */
  statuses(): Record<string, { status: SeatStatusName }> {
    const statuses: Record<string, { status: SeatStatusName }> = {};
    for (const [seatId, status] of this.seats) if (status !== 'available') statuses[seatId] = { status };
    return statuses;
  }

  availableIn(sectionId: string): number | undefined {
    return this.general.get(sectionId);
  }

  /** How many frames happened at or before `atMs`. */
  countAt(atMs: number): number {
    let [low, high] = [0, this.instants.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.instants[middle]! <= atMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Shows the map at `atMs`: every frame at or before it applied, none after. Answers what changed. */
  seek(atMs: number): TimelineMove {
    const target = this.countAt(atMs);
    const seats = new Set<string>();
    const sections = new Set<string>();
    while (this.applied < target) {
      const frame = this.frames[this.applied]!;
      const undo: Undo = {
        seats: frame.changes.map((change) => [change.seatId, this.statusOf(change.seatId)]),
        general: frame.general.map((change) => [change.sectionId, this.general.get(change.sectionId) ?? 0]),
      };
      this.undo[this.applied] = undo;
      for (const change of frame.changes) {
        this.seats.set(change.seatId, change.status);
        seats.add(change.seatId);
      }
      for (const change of frame.general) {
        this.general.set(change.sectionId, change.available);
        sections.add(change.sectionId);
      }
      this.applied += 1;
    }
    while (this.applied > target) {
      this.applied -= 1;
      const undo = this.undo[this.applied]!;
      // Backwards: a frame that named a seat twice is undone last change first.
      for (const [seatId, status] of [...undo.seats].reverse()) {
        this.seats.set(seatId, status);
        seats.add(seatId);
      }
      for (const [sectionId, available] of [...undo.general].reverse()) {
        this.general.set(sectionId, available);
        sections.add(sectionId);
      }
    }
    return {
      seats: [...seats].map((seatId) => ({ seatId, status: this.statusOf(seatId) })),
      general: [...sections].map((sectionId) => ({ sectionId, available: this.general.get(sectionId) ?? 0 })),
    };
  }
}

/**
 * The slider's span in whole seconds: from the second before the first change (so its start shows the map before the
 * sale moved) to the second the replay reaches (`untilMs`, now when it was loaded). Without changes, it is empty.
 */
export const sliderSpan = (
  firstAtMs: number | undefined,
  untilMs: number,
): Readonly<{ minMs: number; maxMs: number }> => {
  const maxMs = Math.ceil(untilMs / 1_000) * 1_000;
  if (firstAtMs === undefined) return { minMs: maxMs, maxMs };
  return { minMs: Math.min(maxMs, Math.floor((firstAtMs - 1) / 1_000) * 1_000), maxMs };
};

/** Where a play stands after `elapsedMs` of real time at `speed`× from `atMs`: never past the end. */
export const playedTo = (atMs: number, elapsedMs: number, speed: number, endMs: number): number =>
  Math.min(endMs, atMs + Math.max(0, elapsedMs) * speed);
