import { type EventView, type QueueSoldOut, type SeatActorClient, SeatActorError } from '../../client-sdk/src/index.ts';
import { humanMessage } from './messages.ts';
import {
  etaText,
  progressOf,
  type RoomView,
  roomCountdownText,
  roomStatusText,
  roomViewOf,
} from './waitingRoomModel.ts';

/** What the room tells the page: let the buyer choose seats, or say that nothing is left. */
export type WaitingRoomHooks = Readonly<{
  /** Admitted (or no room any more): show the seat map. `until`: when the admission runs out. */
  admitted(until: number | undefined): void;
  /** Sold out while waiting; `waitlist` as `queue:soldout` announced it (absent: unknown, the page may still offer it). */
  soldOut(waitlist: QueueSoldOut['waitlist']): void;
  say(text: string): void;
}>;

/** Attempts to join before giving up and saying so (each one after the SDK's own retries). */
const joinAttemptsMax = 5;
const joinRetryMs = 5_000;
const rejoinSpacingMs = 10_000;

/**
 * The waiting-room view (`#waiting-room`): before the seat map while the event's room is engaged. It joins the room
 * (the SDK solves a proof of work if asked), counts down to the pre-queue's and the sale's opening, shows the place in
 * line, the server's ETA and the progress from the pushes (`queue:position`), and hands over to the seat map on
 * `queue:admitted` (or `queue:released`: the room let everyone go ahead), or to the sold-out view on `queue:soldout`. The status sentence is a polite live region, said
 * only when it changes; the countdown beside it is not read aloud every second.
 */
export class WaitingRoom {
  private view: RoomView | undefined;
  private firstPosition: number | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private active = false;
  /** When the page last asked to join (epoch ms): the rejoin after the opening is spaced by this. */
  private joinedAt = 0;
  private readonly saleStartsAt: number;
  private readonly preQueueOpensAt: number;

  constructor(
    private readonly client: SeatActorClient,
    private readonly event: EventView,
    private readonly hooks: WaitingRoomHooks,
  ) {
    this.saleStartsAt = event.saleStartsAt === null ? 0 : Date.parse(event.saleStartsAt);
    const opens = event.waitingRoom?.preQueueOpensAt;
    this.preQueueOpensAt = opens === undefined ? this.saleStartsAt - 30 * 60_000 : Date.parse(opens);
    client.on('queue:position', (push) => {
      if (push.eventId !== event.id || !this.active) return;
      this.show(roomViewOf(push, this.saleStartsAt, this.firstPosition));
    });
    client.on('queue:admitted', (push) => {
      if (push.eventId !== event.id || !this.active) return;
      this.show({ phase: 'admitted', until: Date.parse(push.expiresAt) });
    });
    client.on('queue:released', (push) => {
      if (push.eventId !== event.id || !this.active) return;
      this.show({ phase: 'open' });
    });
    client.on('queue:soldout', (push) => {
      if (push.eventId !== event.id || !this.active) return;
      this.show({ phase: 'soldout' }, push.waitlist);
    });
  }

  /** Whether the buyer is waiting in the room now (the seat map is hidden meanwhile). */
  get waiting(): boolean {
    return this.active;
  }

  /** Shows the room instead of the seat map and joins it (joining again answers the same place). */
  enter(): void {
    const section = $('#waiting-room');
    section.hidden = false;
    $('#map-panel').hidden = true;
    $('#room-title').textContent = `Waiting room · ${this.event.name}`;
    if (!this.active) {
      this.active = true;
      this.attempts = 0;
      this.ticker = setInterval(() => this.tick(), 1_000);
    }
    void this.join();
  }

  private async join(): Promise<void> {
    clearTimeout(this.retry);
    if (!this.active) return;
    if (Date.now() < this.preQueueOpensAt) {
      this.show({ phase: 'before', opensAt: this.preQueueOpensAt, saleStartsAt: this.saleStartsAt });
      // The page joins by itself when the pre-queue opens (and asks again if this device's clock runs ahead).
      this.retry = setTimeout(() => void this.join(), Math.min(2 ** 31 - 1, this.preQueueOpensAt - Date.now() + 500));
      return;
    }
    this.joinedAt = Date.now();
    try {
      const entry = await this.client.joinQueue(this.event.id);
      this.attempts = 0;
      this.show(roomViewOf(entry, this.saleStartsAt, this.firstPosition));
    } catch (error) {
      this.refused(error);
    }
  }

  private refused(error: unknown): void {
    const code = error instanceof SeatActorError ? error.code : undefined;
    if (code === 'QUEUE_CLOSED' || code === 'SOLD_OUT') {
      this.show({ phase: code === 'SOLD_OUT' ? 'soldout' : 'open' });
      return;
    }
    if (code === 'SALE_NOT_OPEN') {
      // This device's clock is ahead of the server's: the pre-queue opens in a moment.
      this.show({ phase: 'before', opensAt: this.preQueueOpensAt, saleStartsAt: this.saleStartsAt });
      this.retry = setTimeout(() => void this.join(), joinRetryMs);
      return;
    }
    this.attempts += 1;
    this.hooks.say(humanMessage(error));
    if (this.attempts < joinAttemptsMax) this.retry = setTimeout(() => void this.join(), joinRetryMs);
  }

  /** Renders a view; the room hands over to the seat map or the sold-out view when it ends. */
  private show(view: RoomView, waitlist?: QueueSoldOut['waitlist']): void {
    this.view = view;
    const section = $('#waiting-room');
    section.dataset.phase = view.phase;
    if (view.phase === 'queued') this.firstPosition = view.firstPosition;
    if (view.phase === 'admitted' || view.phase === 'open' || view.phase === 'soldout') {
      this.leave();
      if (view.phase === 'soldout') this.hooks.soldOut(waitlist);
      else this.hooks.admitted(view.phase === 'admitted' ? view.until : undefined);
      return;
    }
    const status = roomStatusText(view, formatTime);
    // The live region is said when its text changes: a place that did not move is not read again.
    if ($('#room-status').textContent !== status) $('#room-status').textContent = status;
    $('#room-position').textContent = view.phase === 'queued' ? String(view.position) : '–';
    $('#room-eta').textContent = view.phase === 'queued' ? etaText(view.etaSeconds) : '';
    const progress = $<HTMLProgressElement>('#room-progress');
    const progressText = $('#room-progress-text');
    if (view.phase === 'queued') {
      const { value, max, text } = progressOf(view.firstPosition, view.position);
      progress.max = max;
      progress.value = value;
      progress.setAttribute('aria-valuetext', text);
      progress.hidden = false;
      progressText.textContent = text;
    } else {
      progress.hidden = true;
      progressText.textContent = '';
    }
    this.tick();
  }

  private tick(): void {
    const view = this.view;
    if (view === undefined || !this.active) return;
    const now = Date.now();
    $('#room-countdown').textContent = roomCountdownText(view, now);
    // The sale opened on this device's clock: the server shuffles the pre-queue and pushes places; should none come,
    // ask for it (a join again answers the same entry), at most once per rejoinSpacingMs.
    if (view.phase === 'prequeue' && now >= view.saleStartsAt + 1_000 && now - this.joinedAt >= rejoinSpacingMs) {
      void this.join();
    }
  }

  private leave(): void {
    this.active = false;
    clearInterval(this.ticker);
    clearTimeout(this.retry);
    this.retry = undefined;
    $('#waiting-room').hidden = true;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;

const formatTime = (ms: number): string =>
  new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
