import type { EventLayoutView, SeatActorClient } from '../../client-sdk/src/index.ts';
import type { DisplaySource, SeatStatusChange } from './displaySource.ts';
import { playedTo, type ReplayFrame, ReplayTimeline, sliderSpan } from './replayTimeline.ts';

/**
 * The display's replay (`/display/<eventId>?replay`): the sale played back on the same map, with a time slider, play
 * and pause, a speed, and steps from change to change. It reads the replay's frames once, a page at a time
 * (`GET /v1/events/:id/replay`: every batch's diff and the moments holds lapsed), and moves along them in memory, so
 * dragging the slider or playing costs no request. The page and this module are the shell; the time line is
 * replayTimeline.ts.
 */

const pageBatches = 5_000;
const speeds = [1, 10, 60, 600] as const;
const speedDefault = 60;

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;

/** Every frame of the sale, and the instant they reach (now, when the last page was read). */
export const loadReplay = async (
  client: SeatActorClient,
  eventId: string,
  onPage: (framesRead: number) => void,
): Promise<{ frames: ReplayFrame[]; untilMs: number }> => {
  const frames: ReplayFrame[] = [];
  for (let after: number | null = 0; ; ) {
    const page = await client.replay(eventId, { after, limit: pageBatches });
    frames.push(...page.frames);
    onPage(frames.length);
    if (page.next === null) return { frames, untilMs: Date.parse(page.until) };
    after = page.next;
  }
};

const instantText = (ms: number): string =>
  new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export class ReplayPlayer implements DisplaySource {
  readonly mode = 'replay';
  private readonly timeline: ReplayTimeline;
  private readonly span: Readonly<{ minMs: number; maxMs: number }>;
  private readonly changeListeners: ((changes: readonly SeatStatusChange[]) => void)[] = [];
  private atMs: number;
  private speed: number = speedDefault;
  private playing: number | undefined;
  private readonly slider = $<HTMLInputElement>('#replay-time');
  private readonly playButton = $<HTMLButtonElement>('#replay-play');

  constructor(layout: EventLayoutView, frames: readonly ReplayFrame[], untilMs: number) {
    const capacities: Record<string, number> = {};
    for (const section of layout.sections) if (section.kind === 'general') capacities[section.id] = section.capacity;
    this.timeline = new ReplayTimeline(frames, capacities);
    this.span = sliderSpan(this.timeline.firstAt, untilMs);
    this.atMs = this.span.minMs;
    this.timeline.seek(this.atMs);
  }

  version(): number {
    return this.timeline.version;
  }

  available(sectionId: string): number | undefined {
    return this.timeline.availableIn(sectionId);
  }

  seats(): Record<string, { status: ReturnType<ReplayTimeline['statusOf']> }> {
    return this.timeline.statuses();
  }

  now(): number {
    return this.atMs;
  }

  onChange(listener: (changes: readonly SeatStatusChange[]) => void): void {
    this.changeListeners.push(listener);
  }

  onResync(): void {}

  /** Shows the controls and wires them; the map starts at the slider's start, paused. */
  start(): void {
    $('#replay').hidden = false;
    const { minMs, maxMs } = this.span;
    Object.assign(this.slider, { min: String(minMs), max: String(maxMs), step: '1000' });
    this.slider.disabled = minMs === maxMs;
    this.slider.addEventListener('input', () => this.seek(Number(this.slider.value)));
    this.playButton.addEventListener('click', () => (this.playing === undefined ? this.play() : this.pause()));
    $('#replay-previous').addEventListener('click', () => {
      this.pause();
      this.seek(this.timeline.changeBefore(this.atMs) ?? minMs);
    });
    $('#replay-next').addEventListener('click', () => {
      this.pause();
      this.seek(this.timeline.changeAfter(this.atMs) ?? maxMs);
    });
    const speed = $<HTMLSelectElement>('#replay-speed');
    speed.replaceChildren(
      ...speeds.map((value) => {
        const option = document.createElement('option');
        option.value = String(value);
        option.textContent = `${value}×`;
        option.selected = value === speedDefault;
        return option;
      }),
    );
    speed.addEventListener('change', () => {
      this.speed = Number(speed.value);
    });
    this.seek(this.atMs);
  }

  private seek(atMs: number): void {
    this.atMs = Math.min(this.span.maxMs, Math.max(this.span.minMs, atMs));
    const position = this.timeline.position;
    const move = this.timeline.seek(this.atMs);
    this.slider.value = String(this.atMs);
    this.slider.dataset.atMs = String(this.atMs);
    const text = instantText(this.atMs);
    const changes = `${this.timeline.position} of ${this.timeline.instantCount} changes`;
    this.slider.setAttribute('aria-valuetext', `${text}, ${changes}`);
    $('#replay-at').textContent = text;
    $('#replay-changes').textContent = changes;
    // Playing calls this every animation frame: the page is told (and repaints) only when a frame was crossed.
    if (this.timeline.position !== position) for (const listener of this.changeListeners) listener(move.seats);
  }

  private play(): void {
    if (this.atMs >= this.span.maxMs) this.seek(this.span.minMs);
    this.playButton.textContent = 'Pause';
    this.playButton.setAttribute('aria-pressed', 'true');
    let last = performance.now();
    const step = (now: number) => {
      this.seek(playedTo(this.atMs, now - last, this.speed, this.span.maxMs));
      last = now;
      if (this.atMs >= this.span.maxMs) this.pause();
      else this.playing = requestAnimationFrame(step);
    };
    this.playing = requestAnimationFrame(step);
  }

  private pause(): void {
    if (this.playing !== undefined) cancelAnimationFrame(this.playing);
    this.playing = undefined;
    this.playButton.textContent = 'Play';
    this.playButton.setAttribute('aria-pressed', 'false');
  }
}
