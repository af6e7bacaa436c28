import {
  connect,
  createSession,
  type HoldView,
  type LiveSeatMap,
  type SeatActorClient,
  SeatActorError,
  type SessionView,
} from '../../client-sdk/src/index.ts';
import type { VenueView } from '../../src/contract/protocol.ts';
import { chooseEvent, saleNotOpen } from './eventChoice.ts';

/** The live seat-map page: draws the venue as SVG from the catalog and keeps it current with the SDK's live map. */

type Venue = VenueView;
type EventInfo = { id: string; name: string; venueId: string; startsAt: string; saleStartsAt: string | null };

const svgNs = 'http://www.w3.org/2000/svg';
const seatPitch = 22;
const rowLabelWidth = 36;
const tierPalette = ['#2f7de1', '#16a085', '#8e44ad', '#d35400', '#c0392b', '#27ae60'];
const statusColour = { held: '#f0b429', reserved: '#9aa5b1', sold: '#52606d' } as const;
const mineColour = '#e8467c';

const $ = <T extends Element>(selector: string) => document.querySelector(selector) as T;
const say = (text: string) => {
  $('#message').textContent = text;
};

const getJson = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `${path}: ${response.status}`);
  return body as T;
};

const sessionKey = 'seatactor.session';
const saveSession = (session: SessionView) => sessionStorage.setItem(sessionKey, JSON.stringify(session));

/**
 * One guest session per tab, kept across reloads so a hold survives a refresh. A saved session about to expire (or
 * expired) is renewed with its token, which keeps the same buyer; the SDK renews it again whenever the server refuses
 * it later (expiry, a server restarted under another key) and tells us through its `session` event.
 */
const session = async (): Promise<SessionView> => {
  const text = sessionStorage.getItem(sessionKey);
  const saved = text === null ? undefined : (JSON.parse(text) as SessionView);
  if (saved !== undefined && Date.parse(saved.expiresAt) > Date.now() + 60_000) return saved;
  const created = await createSession(location.origin, saved === undefined ? {} : { previousToken: saved.token });
  saveSession(created);
  return created;
};

/**
 * "On sale", or when the sale opens and a countdown to it, kept current every second. The server decides: a hold
 * before the opening is answered SALE_NOT_OPEN whatever this browser's clock says.
 */
const showSaleState = (event: EventInfo): void => {
  const pill = $<HTMLElement>('#sale-state');
  const show = () => {
    const notOpen = saleNotOpen(event.saleStartsAt, Date.now(), (ms) =>
      new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    );
    pill.textContent = notOpen ?? 'On sale';
    pill.className = notOpen === undefined ? 'pill live' : 'pill pending';
    pill.dataset.open = String(notOpen === undefined);
    return notOpen !== undefined;
  };
  if (show()) {
    const timer = setInterval(() => {
      if (!show()) clearInterval(timer);
    }, 1_000);
  }
};

const main = async () => {
  const { events } = await getJson<{ events: EventInfo[] }>('/v1/events?limit=100');
  const picker = $('#event-picker') as HTMLSelectElement;
  const wanted = new URLSearchParams(location.search).get('event');
  const event = chooseEvent(events, wanted, Date.now());
  for (const candidate of events) {
    const option = document.createElement('option');
    option.value = candidate.id;
    option.textContent = candidate.name;
    option.selected = candidate.id === event?.id;
    picker.append(option);
  }
  picker.onchange = () => {
    location.search = `?event=${encodeURIComponent(picker.value)}`;
  };
  if (event === undefined) {
    say('No events yet: create a venue and an event with the admin API.');
    return;
  }
  $('#title').textContent = event.name;
  showSaleState(event);
  const venue = await getJson<Venue>(`/v1/venues/${encodeURIComponent(event.venueId)}`);
  const { token } = await session();
  const client = connect(location.origin, { token, ackTimeoutMs: 4_000 });
  const connection = $('#connection');
  client.on('connect', () => {
    connection.textContent = 'live';
    connection.className = 'pill live';
  });
  client.on('disconnect', () => {
    connection.textContent = 'reconnecting…';
    connection.className = 'pill down';
  });
  client.on('connectError', (error) => say(`Connection: ${error.message}`));
  client.on('session', (renewed) => {
    saveSession(renewed);
    say(renewed.renewed ? '' : 'Your session could not be renewed: you are browsing as a new guest.');
  });
  const map = await client.subscribe(event.id);
  connection.textContent = 'live';
  connection.className = 'pill live';
  const page = new SeatMapPage(client, map, venue);
  page.start();
  // What this buyer holds here may have changed while the page was away (another tab, the timer): ask again.
  client.on('connect', () => void page.loadMyHolds());
  client.on('session', (renewed) => void page.loadMyHolds(!renewed.renewed));
};

class SeatMapPage {
  private readonly seatElements = new Map<string, SVGCircleElement>();
  private readonly gaElements = new Map<string, HTMLElement>();
  private readonly tierColour = new Map<string, string>();
  /** seatId or sectionId → this tab's hold on it. */
  private readonly myHolds = new Map<string, HoldView>();

  constructor(
    private readonly client: SeatActorClient,
    private readonly map: LiveSeatMap,
    private readonly venue: Venue,
  ) {}

  start(): void {
    this.draw();
    this.paint();
    void this.loadMyHolds();
    this.map.on('change', () => this.paint());
    this.map.on('resync', () => this.paint());
    setInterval(() => this.tick(), 1_000);
  }

  /**
   * The buyer's live holds at this event, from the server (`GET /v1/me/holds`), so a reload shows them as yours, not
   * "held by someone". `fresh`: the session is a new buyer's, whose holds start empty.
   */
  async loadMyHolds(fresh = false): Promise<void> {
    if (fresh) this.myHolds.clear();
    try {
      const { holds } = await this.client.myHolds({ eventId: this.map.eventId });
      // Added, not replaced: a hold this tab took while the answer was on its way stays; ended ones fall out in paint.
      for (const hold of holds) {
        for (const seatId of hold.seatIds) this.myHolds.set(seatId, hold);
        if (hold.seatIds.length === 0) this.myHolds.set(`${hold.sectionId}:${hold.holdId}`, hold);
      }
    } catch (error) {
      say(error instanceof SeatActorError ? `Your holds: ${error.message}` : String(error));
    }
    this.paint();
  }

  private colourOfTier(tier: string): string {
    let colour = this.tierColour.get(tier);
    if (colour === undefined) {
      colour = tierPalette[this.tierColour.size % tierPalette.length]!;
      this.tierColour.set(tier, colour);
    }
    return colour;
  }

  private draw(): void {
    const svg = $('#seatmap') as SVGSVGElement;
    let y = 28;
    let width = 200;
    for (const section of this.venue.sections) {
      if (section.kind !== 'seated') continue;
      const label = document.createElementNS(svgNs, 'text');
      label.setAttribute('x', '8');
      label.setAttribute('y', String(y));
      label.textContent = section.name;
      label.setAttribute('font-weight', 'bold');
      svg.append(label);
      y += 16;
      for (const row of section.rows) {
        const rowLabel = document.createElementNS(svgNs, 'text');
        rowLabel.setAttribute('x', '8');
        rowLabel.setAttribute('y', String(y + 4));
        rowLabel.textContent = row.id;
        svg.append(rowLabel);
        row.seats.forEach((seat, index) => {
          const circle = document.createElementNS(svgNs, 'circle');
          circle.setAttribute('cx', String(rowLabelWidth + index * seatPitch));
          circle.setAttribute('cy', String(y));
          circle.setAttribute('r', '8');
          circle.setAttribute('class', 'seat');
          circle.dataset.seatId = seat.id;
          circle.setAttribute('stroke', this.colourOfTier(seat.priceTier));
          const title = document.createElementNS(svgNs, 'title');
          title.textContent = `${seat.id} · ${seat.priceTier}`;
          circle.append(title);
          circle.addEventListener('click', () => void this.toggleSeat(seat.id));
          svg.append(circle);
          this.seatElements.set(seat.id, circle);
          width = Math.max(width, rowLabelWidth + index * seatPitch + 20);
        });
        y += seatPitch;
      }
      y += 18;
    }
    svg.setAttribute('viewBox', `0 0 ${width} ${y}`);
    const general = $('#general');
    for (const section of this.venue.sections) {
      if (section.kind !== 'general') continue;
      const box = document.createElement('div');
      box.className = 'ga';
      box.dataset.sectionId = section.id;
      const text = document.createElement('span');
      const button = document.createElement('button');
      button.textContent = 'Hold 1';
      button.onclick = () => void this.holdGeneral(section.id);
      box.append(text, button);
      general.append(box);
      this.gaElements.set(section.id, text);
      this.colourOfTier(section.priceTier);
    }
    const legend = $('#legend');
    const entries: [string, string][] = [
      ...[...this.tierColour].map(([tier, colour]): [string, string] => [colour, `Tier ${tier} (available)`]),
      [statusColour.held, 'Held by someone'],
      [mineColour, 'Held by you'],
      [statusColour.sold, 'Sold / reserved'],
    ];
    legend.replaceChildren(
      ...entries.map(([colour, text]) => {
        const item = document.createElement('li');
        item.innerHTML = `<span class="swatch" style="background:${colour}"></span>`;
        item.append(text);
        return item;
      }),
    );
  }

  private paint(): void {
    $('#version').textContent = `v${this.map.version}`;
    for (const [seatId, element] of this.seatElements) {
      const seat = this.map.seats[seatId];
      if (seat === undefined) continue;
      const mine = this.myHolds.has(seatId) && seat.status === 'held';
      if (!mine && this.myHolds.has(seatId) && seat.status === 'available') this.myHolds.delete(seatId);
      element.dataset.status = seat.status;
      element.dataset.mine = String(mine);
      element.setAttribute(
        'fill',
        mine ? mineColour : seat.status === 'available' ? this.colourOfTier(seat.priceTier) : statusColour[seat.status],
      );
    }
    for (const [sectionId, element] of this.gaElements) {
      const section = this.map.general[sectionId];
      const name = this.venue.sections.find((candidate) => candidate.id === sectionId)?.name ?? sectionId;
      if (section !== undefined) element.textContent = `${name}: ${section.available} / ${section.capacity} left`;
    }
    this.renderHolds();
  }

  private renderHolds(): void {
    const list = $('#holds');
    const holds = [...new Map([...this.myHolds.values()].map((hold) => [hold.holdId, hold])).values()];
    if (holds.length === 0) {
      list.innerHTML = '<li class="muted">Click an available seat to hold it; click it again to release.</li>';
      return;
    }
    list.replaceChildren(
      ...holds.map((hold) => {
        const item = document.createElement('li');
        const left = Math.max(0, Math.round((Date.parse(hold.expiresAt) - Date.now()) / 1000));
        const what = hold.seatIds.length > 0 ? hold.seatIds.join(', ') : `${hold.quantity} × ${hold.sectionId}`;
        item.innerHTML = `<strong></strong> <span class="countdown"></span> <button>Release</button>`;
        item.querySelector('strong')!.textContent = what;
        item.querySelector('.countdown')!.textContent =
          `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
        item.querySelector('button')!.onclick = () => void this.release(hold);
        return item;
      }),
    );
  }

  private tick(): void {
    for (const [key, hold] of this.myHolds) if (Date.parse(hold.expiresAt) <= Date.now()) this.myHolds.delete(key);
    this.renderHolds();
  }

  private async toggleSeat(seatId: string): Promise<void> {
    const mine = this.myHolds.get(seatId);
    if (mine !== undefined) return this.release(mine);
    if (this.map.seats[seatId]?.status !== 'available') {
      say(`${seatId} is not available.`);
      return;
    }
    await this.hold({ seatIds: [seatId] });
  }

  private holdGeneral(sectionId: string): Promise<void> {
    return this.hold({ sectionId, quantity: 1 });
  }

  private async hold(selection: { seatIds: string[] } | { sectionId: string; quantity: number }): Promise<void> {
    try {
      const hold = await this.client.hold(this.map.eventId, selection);
      say('');
      for (const seatId of hold.seatIds) this.myHolds.set(seatId, hold);
      if (hold.seatIds.length === 0) this.myHolds.set(`${hold.sectionId}:${hold.holdId}`, hold);
      this.paint();
    } catch (error) {
      say(error instanceof SeatActorError ? `${error.code}: ${error.message}` : String(error));
    }
  }

  private async release(hold: HoldView): Promise<void> {
    try {
      await this.client.release(hold.holdId);
      for (const [key, candidate] of this.myHolds) if (candidate.holdId === hold.holdId) this.myHolds.delete(key);
      say('');
      this.paint();
    } catch (error) {
      say(error instanceof SeatActorError ? `${error.code}: ${error.message}` : String(error));
    }
  }
}

main().catch((error: unknown) => say(error instanceof Error ? error.message : String(error)));
