import {
  type EventLayoutView,
  type EventView,
  type SeatActorClient,
  SeatActorError,
  start,
  workerSolver,
} from '../../client-sdk/src/index.ts';
import { DisplayModel, type StatusCounts, statusNames } from './displayModel.ts';
import { loadReplay, ReplayPlayer } from './displayReplay.ts';
import { type DisplaySource, liveSource } from './displaySource.ts';
import { saleNotOpen } from './eventChoice.ts';
import { formatMoney, humanMessage } from './messages.ts';
import { TierColours } from './tierColours.ts';
import { fitInto, type VenueGeometry, venueGeometry } from './venueGeometry.ts';

/**
 * The live display at /display/:eventId: a read-only, full-screen seat map for venues and box offices, with large
 * counters. It loads the event's immutable layout once, then follows the same seat-map stream as the buyer page through
 * the SDK, loading (and reloading after a gap) from the compact status form. Drawn on a canvas, so a 50,000-seat
 * venue is one element; a diff repaints only the seats it changed. With `?replay` it plays the sale back instead, with
 * a time slider (displayReplay.ts).
 */

const tierPalette = ['#4f9cf9', '#2dd4a7', '#b794f6', '#7dd3fc', '#a3e635', '#f9a8d4'];
const statusColour = { held: '#f0b429', reserved: '#e8467c', sold: '#3a4350' } as const;
const background = '#0f1419';
const sessionKey = 'seatactor.display.session';

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;
const numberFormat = new Intl.NumberFormat();

const eventIdOfPath = (pathname: string): string => decodeURIComponent(pathname.split('/')[2] ?? '');

const main = async () => {
  const eventId = eventIdOfPath(location.pathname);
  const client = await start(location.origin, {
    store: sessionStorage,
    key: sessionKey,
    ackTimeoutMs: 4_000,
    solveChallenge: workerSolver('/pow-worker.js'),
  });
  const [event, layout] = await Promise.all([client.event(eventId), client.layout(eventId)]);
  if (new URLSearchParams(location.search).has('replay')) {
    const pill = $('#connection');
    const { frames, untilMs } = await loadReplay(client, eventId, (read) => {
      pill.textContent = `loading the replay: ${numberFormat.format(read)} changes`;
    });
    const player = new ReplayPlayer(layout, frames, untilMs);
    new DisplayPage(client, player, event, layout).start();
    player.start();
    return;
  }
  const map = await client.subscribe(eventId, { layout });
  new DisplayPage(client, liveSource(map), event, layout).start();
};

class DisplayPage {
  private readonly model: DisplayModel;
  private readonly geometry: VenueGeometry;
  private readonly tierColour = new TierColours(tierPalette);
  private readonly canvas = $<HTMLCanvasElement>('#display-map');
  private readonly dirty = new Set<number>();
  private repaintAll = true;
  private frame: number | undefined;
  private fit = { scale: 1, offsetX: 0, offsetY: 0 };
  private ratio = 1;

  constructor(
    private readonly client: SeatActorClient,
    private readonly source: DisplaySource,
    private readonly event: EventView,
    private readonly layout: EventLayoutView,
  ) {
    this.model = new DisplayModel(layout);
    this.geometry = venueGeometry(layout);
    for (const tier of Object.keys(layout.priceTiers)) this.tierColour.of(tier);
  }

  start(): void {
    $('#title').textContent = this.event.name;
    document.title = `${this.event.name} · ${this.source.mode}`;
    $('#event-info').textContent = `${new Date(this.event.startsAt).toLocaleString(undefined, {
      dateStyle: 'full',
      timeStyle: 'short',
    })} · ${this.layout.name}`;
    if (this.source.mode === 'live') {
      this.showConnection(true);
      this.client.on('connect', () => this.showConnection(true));
      this.client.on('disconnect', () => this.showConnection(false));
    } else {
      $('#connection').textContent = 'replay';
      $('#connection').className = 'pill replay';
    }
    this.drawLegend();
    this.model.load(this.source.seats());
    this.source.onChange((changes) => {
      for (const index of this.model.apply(changes)) this.dirty.add(index);
      this.schedule();
    });
    this.source.onResync(() => {
      this.model.load(this.source.seats());
      this.repaintAll = true;
      this.schedule();
    });
    new ResizeObserver(() => {
      this.repaintAll = true;
      this.schedule();
    }).observe($('#map-box'));
    this.showSaleState();
    setInterval(() => this.showSaleState(), 1_000);
    this.schedule();
  }

  private showConnection(up: boolean): void {
    const pill = $('#connection');
    pill.textContent = up ? 'live' : 'reconnecting…';
    pill.className = up ? 'pill live' : 'pill down';
  }

  private showSaleState(): void {
    const pill = $('#sale-state');
    const generalLeft = this.layout.sections.reduce(
      (sum, section) => sum + (section.kind === 'general' ? (this.source.available(section.id) ?? 0) : 0),
      0,
    );
    if (this.model.total.available + generalLeft === 0) {
      pill.textContent = 'Sold out';
      pill.className = 'pill soldout';
      return;
    }
    const notOpen = saleNotOpen(this.event.saleStartsAt, this.source.now(), (ms) =>
      new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    );
    pill.textContent = notOpen ?? 'On sale';
    pill.className = notOpen === undefined ? 'pill live' : 'pill pending';
  }

  private drawLegend(): void {
    $('#legend').replaceChildren(
      ...this.tierColour.entries().map(([tier, colour]) => {
        const item = document.createElement('li');
        const dot = document.createElement('span');
        dot.className = 'dot';
        dot.style.background = colour;
        const price = this.layout.priceTiers[tier];
        item.append(dot, price === undefined ? tier : formatMoney(price.amount, price.currency));
        return item;
      }),
    );
  }

  /** One paint per animation frame however many diffs arrived: a flash sale pushes far more than 60 a second. */
  private schedule(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.paint();
    });
  }

  /** Each paint is a performance measure (`display:paint-all`, `display:paint-seats`), for the browser's tools and tests. */
  private paint(): void {
    const started = performance.now();
    const whole = this.repaintAll;
    if (whole) this.paintAll();
    else for (const index of this.dirty) this.paintSeat(this.context(), index, true);
    this.dirty.clear();
    this.repaintAll = false;
    this.canvas.dataset.version = String(this.source.version());
    this.renderCounts();
    performance.measure(whole ? 'display:paint-all' : 'display:paint-seats', { start: started });
  }

  private context(): CanvasRenderingContext2D {
    const context = this.canvas.getContext('2d');
    if (context === null) throw new Error('no 2d canvas context');
    return context;
  }

  private paintAll(): void {
    const box = $('#map-box');
    this.ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(box.clientWidth * this.ratio));
    const height = Math.max(1, Math.round(box.clientHeight * this.ratio));
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    this.fit = fitInto(this.geometry, width, height);
    const context = this.context();
    context.fillStyle = background;
    context.fillRect(0, 0, width, height);
    const { scale, offsetX, offsetY } = this.fit;
    // Labels only where they can be read: at least 9 CSS pixels a seat.
    if (scale >= 9 * this.ratio) {
      context.textBaseline = 'middle';
      for (const label of this.geometry.labels) {
        context.fillStyle = label.kind === 'section' ? '#f5f7fa' : '#8a94a3';
        const size =
          label.kind === 'section' ? Math.min(scale * 0.9, 40 * this.ratio) : Math.min(scale * 0.6, 28 * this.ratio);
        context.font = `${label.kind === 'section' ? 'bold ' : ''}${Math.round(size)}px system-ui, sans-serif`;
        context.fillText(label.text, offsetX + label.x * scale, offsetY + label.y * scale);
      }
    }
    for (let index = 0; index < this.model.seats.length; index++) this.paintSeat(context, index, false);
  }

  /** A seat is a disc when it is 4 device pixels or more across, else a square (cheaper, and as readable). */
  private paintSeat(context: CanvasRenderingContext2D, index: number, clear: boolean): void {
    const { scale, offsetX, offsetY } = this.fit;
    const x = offsetX + this.geometry.x[index]! * scale;
    const y = offsetY + this.geometry.y[index]! * scale;
    const half = scale / 2;
    if (clear) {
      context.fillStyle = background;
      context.fillRect(x - half, y - half, scale, scale);
    }
    const status = this.model.statusAt(index);
    context.fillStyle =
      status === 'available' ? this.tierColour.of(this.model.seats[index]!.tier) : statusColour[status];
    if (scale >= 4) {
      context.beginPath();
      context.arc(x, y, half * 0.78, 0, Math.PI * 2);
      context.fill();
    } else {
      context.fillRect(x - half * 0.9, y - half * 0.9, scale * 0.9, scale * 0.9);
    }
  }

  private renderCounts(): void {
    const total = this.model.total;
    for (const status of statusNames) $(`#count-${status}`).textContent = numberFormat.format(total[status]);
    this.canvas.setAttribute('aria-label', `Seat map of ${this.layout.name}: ${this.describe(total)}`);
    const sections = this.model.sections.map((section, index) => {
      const counts = this.model.bySection[index]!;
      const seats = statusNames.reduce((sum, status) => sum + counts[status], 0);
      return this.sectionLine(section.id, section.name, counts.available, seats, 'seats');
    });
    for (const section of this.layout.sections) {
      if (section.kind !== 'general') continue;
      const left = this.source.available(section.id) ?? 0;
      sections.push(this.sectionLine(section.id, section.name, left, section.capacity, 'places'));
    }
    $('#sections').replaceChildren(...sections);
    this.showSaleState();
  }

  private describe(counts: StatusCounts): string {
    return `${counts.available} available, ${counts.held} held, ${counts.reserved} being paid, ${counts.sold} sold`;
  }

  private sectionLine(id: string, name: string, left: number, of: number, unit: string): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset.sectionId = id;
    const label = document.createElement('span');
    label.textContent = `${name}: ${numberFormat.format(left)} of ${numberFormat.format(of)} ${unit} left`;
    const meter = document.createElement('meter');
    meter.min = 0;
    meter.max = Math.max(1, of);
    meter.value = left;
    meter.setAttribute('aria-label', `${name} ${unit} left`);
    item.append(label, meter);
    return item;
  }
}

main().catch((error: unknown) => {
  $('#message').textContent =
    error instanceof SeatActorError
      ? error.code === 'NOT_FOUND'
        ? 'There is no event at this address: check the event id in the link.'
        : humanMessage(error)
      : String(error);
});
