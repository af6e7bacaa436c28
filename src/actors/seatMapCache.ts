import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlibConstants } from 'node:zlib';
import { type SeatMapFrame, seatMapFrame, seatMapJson, seatStatusJson } from '../domain/seatMap/seatMapFrame.ts';
import type { Clock } from '../platform/clock.ts';
import type { EventActor } from './eventActor.ts';

export type SeatMapCacheOptions = Readonly<{
  /**
   * The share of time rendering one event's map may take: after a frame whose forms took r ms to render, the next
   * frame is captured no sooner than r × (1 / share − 1) ms later (default 0.1: a 25 ms render waits 225 ms, a 0.2 ms
   * render 1.8 ms). Readers who need a newer map than the cached one wait for it; none gets an older one.
   */
  renderShareMax?: number;
  /** The longest a reader waits for the next frame on account of that share. */
  frameSpacingMaxMs?: number;
  /** Told every time a form is rendered (metrics; tests count renders with it). */
  onRendered?: (form: string, frame: SeatMapFrame) => void;
  /** How the spacing is waited out (tests take it in hand). */
  wait?: (ms: number) => Promise<void>;
  /** Milliseconds of CPU-bound work, for the spacing (tests take it in hand): not the clock port, which is business time. */
  stopwatch?: () => number;
}>;

export const renderShareMaxDefault = 0.1;
export const frameSpacingMaxMsDefault = 1_000;

type RenditionHooks = Readonly<{
  stopwatch: () => number;
  onRendered: ((form: string, frame: SeatMapFrame) => void) | undefined;
}>;

/** The two wire forms of a seat map: the full JSON map, and the compact status form (one byte per seat, base64). */
export type SeatMapForm = 'map' | 'status';
export const seatMapForms: readonly SeatMapForm[] = ['map', 'status'];

/** The content codings a seat map is offered in besides identity, in the order the gateway prefers them. */
export type ContentCoding = 'br' | 'gzip';
export const contentCodings: readonly ContentCoding[] = ['br', 'gzip'];

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * zlib runs these on libuv's thread pool, off the event loop. Brotli at quality 5 (of 11) is within 2× of gzip's
 * time and 10 % smaller on a 50,000-seat map (3.2 MB → 222 KB in ~140 ms; gzip level 6: 245 KB in ~75 ms; quality 11
 * takes seconds, which a map that changes many times a second cannot pay).
 */
export const compress: Readonly<Record<ContentCoding, (bytes: Buffer) => Promise<Buffer>>> = {
  gzip: (bytes) => gzipAsync(bytes, { level: 6 }),
  br: (bytes) =>
    brotliAsync(bytes, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
};

/** A seat map as readers get it: its version, its entity tag, and its wire forms. */
export type SeatMapRendition = Readonly<{
  version: number;
  /**
   * A strong validator: the version, with the count of lapsed holds not swept yet when there are some (the only way two
   * frames of one version differ), e.g. `"42"` or `"42.3"`.
   */
  etag: string;
  /** The JSON text of `GET /v1/events/:id/seatmap` (socket acks splice it into their packet as is). */
  json(): string;
  /** The JSON's UTF-8 bytes, as REST sends them. */
  body(): Buffer;
  /** The JSON text of the compact status form (`?form=status`; socket acks splice it as is). */
  statusJson(): string;
  /** The UTF-8 bytes of a form. */
  bytes(form: SeatMapForm): Buffer;
  /** A form's bytes compressed, once per frame, form and coding, off the event loop; readers share the one promise. */
  encoded(form: SeatMapForm, coding: ContentCoding): Promise<Buffer>;
}>;

/**
 * One frame of an event's seat map and its wire forms, each rendered at most once, when first asked for, and then
 * served as is to every reader of the frame. A new form is one more memoised method here.
 */
export class RenderedFrame implements SeatMapRendition {
  readonly version: number;
  readonly etag: string;
  /**
   * Milliseconds spent rendering this frame's forms so far, compression included (timed from start to end on zlib's
   * threads: CPU the machine spent on this frame, if not the event loop's).
   */
  renderMs = 0;
  readonly #forms = new Map<string, unknown>();

  constructor(
    readonly frame: SeatMapFrame,
    private readonly hooks: RenditionHooks,
  ) {
    this.version = frame.version;
    this.etag = frame.lapsedHolds === 0 ? `"${frame.version}"` : `"${frame.version}.${frame.lapsedHolds}"`;
  }

  json(): string {
    return this.form('json', () => seatMapJson(this.frame));
  }

  body(): Buffer {
    return this.form('body', () => Buffer.from(this.json()));
  }

  statusJson(): string {
    return this.form('status', () => seatStatusJson(this.frame));
  }

  bytes(form: SeatMapForm): Buffer {
    return form === 'map' ? this.body() : this.form('statusBody', () => Buffer.from(this.statusJson()));
  }

  encoded(form: SeatMapForm, coding: ContentCoding): Promise<Buffer> {
    const name = `${form === 'map' ? 'body' : 'statusBody'}:${coding}`;
    return this.form(name, () => {
      const bytes = this.bytes(form);
      const started = this.hooks.stopwatch();
      return compress[coding](bytes).then((compressed) => {
        this.renderMs += this.hooks.stopwatch() - started;
        return compressed;
      });
    });
  }

  protected form<T>(name: string, render: () => T): T {
    if (this.#forms.has(name)) return this.#forms.get(name) as T;
    const started = this.hooks.stopwatch();
    const value = render();
    this.renderMs += this.hooks.stopwatch() - started;
    this.#forms.set(name, value);
    this.hooks.onRendered?.(name, this.frame);
    return value;
  }
}

/**
 * An event's seat map, captured once per committed version (and per lapse of a hold not swept yet) and rendered
 * lazily, on the first read of a frame. The rule that keeps it honest: a read returns a frame at least as new as every
 * version committed before the read began, so a client that saw version v (in a diff, in an answer) never gets an
 * older map. Frames come from the actor's committed state only (a mailbox read, answered after its batch is durable),
 * so no frame shows what a failed append takes back; the capture is two array copies in the actor, the rendering
 * happens outside it.
 */
export class SeatMapCache {
  #current: RenderedFrame | undefined;
  #capturedAt = Number.NEGATIVE_INFINITY;
  #next: Promise<RenderedFrame> | undefined;
  readonly #hooks: RenditionHooks;
  readonly #wait: (ms: number) => Promise<void>;
  readonly #spacingFactor: number;
  readonly #spacingMaxMs: number;

  constructor(
    private readonly actor: EventActor,
    private readonly clock: Clock,
    options: SeatMapCacheOptions = {},
  ) {
    this.#hooks = { stopwatch: options.stopwatch ?? (() => performance.now()), onRendered: options.onRendered };
    this.#wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const share = options.renderShareMax ?? renderShareMaxDefault;
    this.#spacingFactor = 1 / share - 1;
    this.#spacingMaxMs = options.frameSpacingMaxMs ?? frameSpacingMaxMsDefault;
  }

  /**
   * The current frame when it is as new as the committed version and no hold has lapsed since; otherwise the next
   * frame, which every reader arriving before it is taken shares. Any frame still to come is taken at a commit after
   * this call, so it is at least as new as what was committed now.
   */
  get(): Promise<RenderedFrame> {
    const current = this.current();
    if (current !== undefined) return Promise.resolve(current);
    this.#next ??= this.capture();
    return this.#next;
  }

  /** The current frame when `get` would answer it without waiting; undefined when a new frame must be taken. */
  current(): RenderedFrame | undefined {
    const current = this.#current;
    return current !== undefined && current.version >= this.actor.version && this.clock.now() < current.frame.validUntil
      ? current
      : undefined;
  }

  private async capture(): Promise<RenderedFrame> {
    try {
      const spacingMs = Math.min(this.#spacingMaxMs, (this.#current?.renderMs ?? 0) * this.#spacingFactor);
      const dueInMs = this.#capturedAt + spacingMs - this.#hooks.stopwatch();
      if (dueInMs > 0) await this.#wait(dueInMs);
      const frame = await this.actor.read(seatMapFrame);
      const rendition = new RenderedFrame(frame, this.#hooks);
      this.#current = rendition;
      this.#capturedAt = this.#hooks.stopwatch();
      return rendition;
    } finally {
      this.#next = undefined;
    }
  }
}
