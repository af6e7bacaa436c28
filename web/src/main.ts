import type { Stripe } from '@stripe/stripe-js';
import {
  type Basket,
  type BuyerOrderView,
  type EventView,
  type HoldView,
  type LiveSeatMap,
  type OrderPlacement,
  type SeatActorClient,
  SeatActorError,
  start,
  type VenueView,
  type WaitlistOffer,
  workerSolver,
} from '../../client-sdk/src/index.ts';
import { chooseEvent, saleNotOpen } from './eventChoice.ts';
import { formatMoney, humanMessage } from './messages.ts';
import { type GridPosition, moveInGrid } from './seatGrid.ts';
import { deviceSignals, pointerSignals } from './signals.ts';
import { loadStripeJs, StripePayment } from './stripeCheckout.ts';
import { TierColours } from './tierColours.ts';
import { WaitingRoom } from './waitingRoom.ts';
import { WaitlistPanel } from './waitlistPanel.ts';
import { saveToWallet } from './walletStore.ts';

/**
 * The buyer app: the event, its waiting room while one is engaged, its live seat map with prices (zoom and pan), one
 * basket with one countdown, checkout with the simulated card form, the confirmation with tickets and QR codes, "my
 * tickets", and the sold-out view with the waitlist. Built on the SDK.
 */

type Seated = Extract<VenueView['sections'][number], { kind: 'seated' }>;

const svgNs = 'http://www.w3.org/2000/svg';
const seatPitch = 22;
const rowLabelWidth = 36;
const tierPalette = ['#2f6fd1', '#127a62', '#7d3c98', '#b04a00', '#a93226', '#1e7d3c'];
const statusColour = { held: '#f0b429', reserved: '#9aa5b1', sold: '#52606d' } as const;
const mineColour = '#e8467c';
/** A seat is 16 units across: at 1.6 it is 25.6 CSS px, over the 24 px a touch target needs. */
const touchZoomMin = 1.6;
const sessionKey = 'seatactor.session';

const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector(selector) as T;
const say = (text: string, ok = false) => {
  const message = $('#message');
  message.textContent = text;
  message.className = ok ? 'ok' : '';
};

/** The header's pill says "Sold out" while nothing is left (and goes back to the sale's state when seats return). */
const markSoldOut = (soldOut: boolean): void => {
  const pill = $('#sale-state');
  if ((pill.dataset.soldOut === 'true') === soldOut) return;
  pill.dataset.soldOut = String(soldOut);
  pill.textContent = soldOut ? 'Sold out' : 'On sale';
  pill.className = soldOut ? 'pill soldout' : 'pill live';
};

/** What the seat map tells the rest of the page. */
type BuyerPageHooks = Readonly<{
  /** A hold was refused NOT_ADMITTED: the room is engaged (by schedule or by load), so the buyer queues. */
  notAdmitted(): void;
  /** Seats or places on sale now, and whether the basket holds some: nothing on sale and nothing held is sold out. */
  stock(available: number, holding: boolean): void;
  /** An order was paid. */
  paid(): void;
}>;

const showSaleState = (event: EventView): void => {
  const pill = $('#sale-state');
  const show = () => {
    const notOpen = saleNotOpen(event.saleStartsAt, Date.now(), (ms) =>
      new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    );
    if (pill.dataset.soldOut === 'true') return false;
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
  // The server may ask for a proof of work before it mints a session or lets a buyer queue: the SDK solves it in a
  // Web Worker (/pow-worker.js) and repeats the request, without a click.
  // The device's fingerprint goes with a new session, pointer events and the time since the map showed with every
  // hold and queue join: hints for the server's risk checks (docs/operations.md "Anti-bot").
  const device = await deviceSignals();
  const signals = pointerSignals(device);
  const client = await start(location.origin, {
    store: sessionStorage,
    key: sessionKey,
    ackTimeoutMs: 4_000,
    solveChallenge: workerSolver('/pow-worker.js'),
    sessionSignals: device,
    signals: signals.now,
  });
  const events = await client.events({ limit: 100 });
  const picker = $<HTMLSelectElement>('#event-picker');
  const event = chooseEvent(events, new URLSearchParams(location.search).get('event'), Date.now());
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
  document.title = `${event.name} · tickets`;
  showSaleState(event);
  const venue = await client.venue(event.venueId);
  $('#event-info').textContent = `${new Date(event.startsAt).toLocaleString(undefined, {
    dateStyle: 'full',
    timeStyle: 'short',
  })} · ${venue.name}`;
  const connection = $('#connection');
  const live = (up: boolean) => {
    connection.textContent = up ? 'live' : 'reconnecting…';
    connection.className = up ? 'pill live' : 'pill down';
  };
  if (client.connected) live(true);
  client.on('connect', () => live(true));
  client.on('disconnect', () => live(false));
  client.on('connectError', (error) => say(humanMessage(error)));
  client.on('session', (renewed) => {
    if (!renewed.renewed) say('Your session could not be renewed: you are browsing as a new guest.');
  });
  // The seat map is subscribed only once the buyer may choose: a million buyers waiting in a room receive no diffs.
  let shop: Promise<BuyerPage> | undefined;
  const openShop = (): Promise<BuyerPage> => {
    $('#map-panel').hidden = false;
    shop ??= (async () => {
      const map = await client.subscribe(event.id);
      signals.mapShown();
      live(true);
      const page = new BuyerPage(client, map, event, venue, {
        notAdmitted: () => room.enter(),
        stock: (available, holding) => {
          if (available === 0 && !holding) {
            markSoldOut(true);
            waitlist.show(undefined);
          } else if (available > 0) {
            markSoldOut(false);
            waitlist.hideUnlessInLine();
          }
        },
        paid: () => void waitlist.refresh(),
      });
      page.start();
      return page;
    })();
    shop.catch((error: unknown) => {
      shop = undefined;
      say(humanMessage(error));
    });
    return shop;
  };
  const waitlist = new WaitlistPanel(client, event, {
    // An offer is a hold the server made for this buyer: the seat map opens with it in the basket.
    offered: async (offer) => (await openShop()).takeOffer(offer),
    say,
  });
  const room = new WaitingRoom(client, event, {
    admitted: (until) => {
      const turn = $('#queue');
      turn.hidden = until === undefined;
      turn.textContent =
        until === undefined
          ? ''
          : `It is your turn: pick your seats before ${new Date(until).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}.`;
      void openShop();
    },
    soldOut: (announced) => {
      markSoldOut(true);
      waitlist.show(announced);
    },
    say,
  });
  // While the room is engaged the buyer queues up front; a room engaged by load shows itself on a NOT_ADMITTED hold.
  if (event.waitingRoom?.enabled === true) {
    $('#map-panel').hidden = true;
    room.enter();
  } else await openShop();
  void waitlist.restore();
};

class BuyerPage {
  private readonly seatElements = new Map<string, SVGCircleElement>();
  private readonly gaElements = new Map<
    string,
    { text: HTMLElement; button: HTMLButtonElement; input: HTMLInputElement }
  >();
  private readonly tierColour = new TierColours(tierPalette);
  private readonly seatNames = new Map<string, string>();
  /** The map as an ARIA grid: seat ids by row (every section's rows, front to back), and each seat's place in it. */
  private readonly gridRows: string[][] = [];
  private readonly gridPlace = new Map<string, GridPosition>();
  /** The seat that holds the map's one tab stop (roving tabindex): the last one focused, the first at the start. */
  private tabStop: string | undefined;
  private readonly basket: Basket;
  private zoom = 1;
  private viewWidth = 200;
  private busy = false;
  /** The waitlist offer taken into the basket, if any. */
  private offerHoldId: string | undefined;
  /** Set when the server takes payments through Stripe: the basket is paid with the Payment Element. */
  private stripe: Stripe | undefined;
  /** An order being paid with Stripe: its seats are reserved while the buyer completes the Payment Element. */
  private checkout: Readonly<{ placement: OrderPlacement; held: HoldView; payment: StripePayment }> | undefined;

  constructor(
    private readonly client: SeatActorClient,
    private readonly map: LiveSeatMap,
    private readonly event: EventView,
    private readonly venue: VenueView,
    private readonly hooks: BuyerPageHooks,
  ) {
    this.basket = client.basket(event.id);
  }

  start(): void {
    this.draw();
    this.fitZoom();
    this.paint();
    void this.restore();
    this.map.on('change', () => this.paint());
    this.map.on('resync', () => this.paint());
    this.basket.on('change', () => this.paint());
    this.basket.on('expired', () => say(humanMessage({ code: 'HOLD_EXPIRED' })));
    // What this buyer holds may have changed while the page was away (another tab, the timer): ask again.
    this.client.on('connect', () => void this.restore());
    this.client.on('session', () => void this.restore());
    $('#zoom-in').onclick = () => this.setZoom(this.zoom * 1.25);
    $('#zoom-out').onclick = () => this.setZoom(this.zoom / 1.25);
    $('#best').onclick = () => {
      const quantity = Number($<HTMLInputElement>('#best-quantity').value) || 1;
      void this.change(() => this.basket.set({ bestAvailable: { quantity } }));
    };
    $('#clear').onclick = () => void this.change(() => this.basket.clear(), false);
    $<HTMLFormElement>('#pay-form').onsubmit = (submitted) => {
      submitted.preventDefault();
      void this.pay($<HTMLSelectElement>('#card').value);
    };
    setInterval(() => this.renderCountdown(), 1_000);
    void this.loadMyTickets();
    void this.setUpPayments();
  }

  /** With Stripe on the server the card form is Stripe's Payment Element, from Stripe.js (never bundled). */
  private async setUpPayments(): Promise<void> {
    try {
      const { stripe } = await this.client.paymentsConfig();
      if (stripe === undefined) return;
      this.stripe = await loadStripeJs(stripe.jsUrl, stripe.publishableKey);
      $('#card-label').hidden = true;
      this.renderPayButton();
    } catch (error) {
      say(`Card payments cannot start right now: ${humanMessage(error)}`);
    }
  }

  private async restore(): Promise<void> {
    try {
      await this.basket.restore();
    } catch (error) {
      say(humanMessage(error));
    }
  }

  private priceOf(tier: string): string {
    const price = this.event.priceTiers[tier];
    return price === undefined ? tier : formatMoney(price.amount, price.currency);
  }

  private draw(): void {
    const svg = $<SVGSVGElement>('#seatmap');
    let y = 28;
    let width = 200;
    for (const section of this.venue.sections) {
      if (section.kind !== 'seated') continue;
      y = this.drawSection(svg, section, y, (right) => {
        width = Math.max(width, right);
      });
    }
    this.viewWidth = width;
    if (this.gridRows.length === 0) {
      // Only general admission: no seats to choose, so no grid (an empty one is not a grid to a screen reader).
      svg.removeAttribute('role');
      svg.setAttribute('aria-hidden', 'true');
    }
    svg.setAttribute('viewBox', `0 0 ${width} ${y}`);
    svg.dataset.height = String(y);
    const general = $('#general');
    for (const section of this.venue.sections) {
      if (section.kind !== 'general') continue;
      const box = document.createElement('div');
      box.className = 'ga';
      box.dataset.sectionId = section.id;
      const text = document.createElement('span');
      const label = document.createElement('label');
      label.textContent = 'Places ';
      const input = document.createElement('input');
      input.type = 'number';
      input.min = '1';
      input.max = '10';
      input.value = '2';
      label.append(input);
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Add to basket';
      button.onclick = () =>
        void this.change(() =>
          this.basket.set({ sectionId: section.id, quantity: Math.max(1, Number(input.value) || 1) }),
        );
      box.append(text, label, button);
      general.append(box);
      this.gaElements.set(section.id, { text, button, input });
      this.tierColour.of(section.priceTier);
    }
    const legend = $('#legend');
    const entries: [string, string][] = [
      ...this.tierColour
        .entries()
        .map(([tier, colour]): [string, string] => [colour, `${this.priceOf(tier)} (available)`]),
      [mineColour, 'In your basket'],
      [statusColour.held, 'Held by someone'],
      [statusColour.reserved, 'Reserved (being paid)'],
      [statusColour.sold, 'Sold'],
    ];
    legend.replaceChildren(
      ...entries.map(([colour, text]) => {
        const item = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = colour;
        item.append(swatch, text);
        return item;
      }),
    );
  }

  private drawSection(svg: SVGSVGElement, section: Seated, top: number, widen: (right: number) => void): number {
    let y = top;
    const label = document.createElementNS(svgNs, 'text');
    label.setAttribute('x', '8');
    label.setAttribute('y', String(y));
    label.setAttribute('font-weight', 'bold');
    // Each row's name says its section: the grid holds rows only.
    label.setAttribute('aria-hidden', 'true');
    label.textContent = section.name;
    svg.append(label);
    y += 16;
    for (const row of section.rows) {
      const rowLabel = document.createElementNS(svgNs, 'text');
      rowLabel.setAttribute('x', '8');
      rowLabel.setAttribute('y', String(y + 4));
      rowLabel.setAttribute('aria-hidden', 'true');
      rowLabel.textContent = row.id;
      svg.append(rowLabel);
      const line = document.createElementNS(svgNs, 'g');
      line.setAttribute('role', 'row');
      line.setAttribute('aria-label', `${section.name}, row ${row.id}`);
      const gridRow: string[] = [];
      row.seats.forEach((seat, index) => {
        const circle = document.createElementNS(svgNs, 'circle');
        circle.setAttribute('cx', String(rowLabelWidth + index * seatPitch));
        circle.setAttribute('cy', String(y));
        circle.setAttribute('r', '8');
        circle.setAttribute('class', 'seat');
        circle.setAttribute('role', 'gridcell');
        // One tab stop for the whole map (the first seat until another is focused); arrows move between seats.
        circle.setAttribute('tabindex', this.tabStop === undefined ? '0' : '-1');
        this.tabStop ??= seat.id;
        circle.dataset.seatId = seat.id;
        circle.setAttribute('stroke', this.tierColour.of(seat.priceTier));
        this.seatNames.set(
          seat.id,
          `${section.name}, row ${row.id}, seat ${index + 1}, ${this.priceOf(seat.priceTier)}`,
        );
        circle.addEventListener('click', () => void this.toggleSeat(seat.id));
        circle.addEventListener('focus', () => this.moveTabStop(seat.id));
        circle.addEventListener('keydown', (key) => this.onSeatKey(seat.id, key));
        line.append(circle);
        this.seatElements.set(seat.id, circle);
        this.gridPlace.set(seat.id, { row: this.gridRows.length, column: index });
        gridRow.push(seat.id);
        widen(rowLabelWidth + index * seatPitch + 20);
      });
      svg.append(line);
      this.gridRows.push(gridRow);
      y += seatPitch;
    }
    return y + 18;
  }

  /** Enter or Space adds or removes the seat; arrows, Home/End (with Ctrl: the whole map) and PageUp/Down move. */
  private onSeatKey(seatId: string, key: KeyboardEvent): void {
    if (key.key === 'Enter' || key.key === ' ') {
      key.preventDefault();
      void this.toggleSeat(seatId);
      return;
    }
    const from = this.gridPlace.get(seatId);
    if (from === undefined) return;
    const rowLengths = this.gridRows.map((row) => row.length);
    const to = moveInGrid(rowLengths, from, key.key, key.ctrlKey || key.metaKey);
    // Keys of the grid never scroll the page, even at an edge where the focus stays.
    if (to === undefined) {
      if (key.key.startsWith('Arrow') || key.key.startsWith('Page') || key.key === 'Home' || key.key === 'End')
        key.preventDefault();
      return;
    }
    key.preventDefault();
    const target = this.seatElements.get(this.gridRows[to.row]![to.column]!);
    target?.focus();
  }

  private moveTabStop(seatId: string): void {
    if (this.tabStop === seatId) return;
    if (this.tabStop !== undefined) this.seatElements.get(this.tabStop)?.setAttribute('tabindex', '-1');
    this.seatElements.get(seatId)?.setAttribute('tabindex', '0');
    this.tabStop = seatId;
  }

  /** Fits the map to its panel, but never below touch size on a phone, nor blown up beyond 2.5× on a wide screen. */
  private fitZoom(): void {
    const width = $('#map-scroll').clientWidth || 600;
    const coarse = matchMedia('(pointer: coarse)').matches || window.innerWidth < 720;
    this.setZoom(Math.min(2.5, Math.max(coarse ? touchZoomMin : 0.4, width / this.viewWidth)));
  }

  private setZoom(zoom: number): void {
    this.zoom = Math.min(6, Math.max(0.3, zoom));
    const svg = $<SVGSVGElement>('#seatmap');
    svg.setAttribute('width', String(Math.round(this.viewWidth * this.zoom)));
    svg.setAttribute('height', String(Math.round(Number(svg.dataset.height) * this.zoom)));
  }

  private paint(): void {
    $('#version').textContent = `v${this.map.version}`;
    const mine = new Set(this.basket.seatIds);
    let available = 0;
    for (const [seatId, element] of this.seatElements) {
      const seat = this.map.seats[seatId];
      if (seat === undefined) continue;
      const inBasket = mine.has(seatId) && seat.status === 'held';
      if (seat.status === 'available') available += 1;
      element.dataset.status = seat.status;
      element.dataset.mine = String(inBasket);
      element.setAttribute('aria-selected', String(inBasket));
      const state = inBasket ? 'in your basket' : seat.status === 'available' ? 'available' : `${seat.status}`;
      element.setAttribute('aria-label', `${this.seatNames.get(seatId)}: ${state}`);
      element.setAttribute('aria-disabled', String(!inBasket && seat.status !== 'available'));
      element.setAttribute(
        'fill',
        inBasket
          ? mineColour
          : seat.status === 'available'
            ? this.tierColour.of(seat.priceTier)
            : statusColour[seat.status],
      );
    }
    for (const [sectionId, { text, button, input }] of this.gaElements) {
      const section = this.map.general[sectionId];
      const name = this.venue.sections.find((candidate) => candidate.id === sectionId)?.name ?? sectionId;
      if (section === undefined) continue;
      available += section.available;
      text.textContent = `${name} · ${this.priceOf(section.priceTier)} · ${section.available} of ${section.capacity} left`;
      button.disabled = section.available === 0 || this.busy;
      input.max = String(Math.max(1, section.available));
    }
    this.hooks.stock(available, this.basket.hold !== undefined);
    this.renderBasket();
  }

  /** A waitlist offer: its seats are already held for this buyer, so they go straight into the basket. */
  async takeOffer(offer: WaitlistOffer): Promise<void> {
    await this.basket.takeOffer(offer);
    this.offerHoldId = offer.hold.holdId;
    say('Seats came back for you from the waitlist: they are in your basket. Pay before the countdown ends.', true);
    this.paint();
    $('#pay').focus();
  }

  private renderBasket(): void {
    const hold = this.basket.hold ?? this.checkout?.held;
    const list = $('#holds');
    $('#clear').hidden = this.basket.hold === undefined;
    this.renderPayButton();
    $('#pay-form').hidden = hold === undefined;
    if (hold === undefined) {
      list.innerHTML = '<li class="muted">Pick seats on the map (click; or Tab to the map, arrows, Enter).</li>';
      $('#total').textContent = '';
      $('#countdown').textContent = '';
      return;
    }
    const lines = this.linesOf(hold);
    list.replaceChildren(
      ...lines.map(([what, price]) => {
        const item = document.createElement('li');
        item.textContent = `${what} · ${price}`;
        return item;
      }),
    );
    const total = this.totalOf(hold);
    $('#total').textContent = total === undefined ? '' : `Total ${total}`;
    this.renderCountdown();
  }

  private linesOf(hold: HoldView): [string, string][] {
    if (hold.seatIds.length > 0)
      return hold.seatIds.map((seatId) => [seatId, this.priceOf(this.map.seats[seatId]?.priceTier ?? '')]);
    const tier = this.map.general[hold.sectionId ?? '']?.priceTier ?? '';
    return [[`${hold.quantity} × ${hold.sectionId}`, this.priceOf(tier)]];
  }

  private totalOf(hold: HoldView): string | undefined {
    const tiers =
      hold.seatIds.length > 0
        ? hold.seatIds.map((seatId) => this.map.seats[seatId]?.priceTier ?? '')
        : Array.from({ length: hold.quantity }, () => this.map.general[hold.sectionId ?? '']?.priceTier ?? '');
    const prices = tiers.map((tier) => this.event.priceTiers[tier]);
    if (prices.some((price) => price === undefined) || prices.length === 0) return undefined;
    const currency = prices[0]!.currency;
    return formatMoney(
      prices.reduce((sum, price) => sum + price!.amount, 0),
      currency,
    );
  }

  private renderCountdown(): void {
    const paying = this.checkout?.placement;
    const left = Math.round(
      (paying === undefined ? this.basket.remainingMs() : Math.max(0, Date.parse(paying.expiresAt) - Date.now())) /
        1000,
    );
    const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    $('#countdown').textContent =
      paying !== undefined
        ? `Reserved while you pay, for ${clock}`
        : this.basket.hold === undefined
          ? ''
          : `Held for you for ${clock}`;
  }

  /** Stripe pays in two steps: the order (its seats reserved, the Payment Element shown), then the confirmation. */
  private renderPayButton(): void {
    if (this.stripe === undefined) return;
    const hold = this.checkout?.held ?? this.basket.hold;
    const total = hold === undefined ? undefined : this.totalOf(hold);
    $('#pay').textContent =
      this.checkout === undefined ? 'Continue to payment' : total === undefined ? 'Pay' : `Pay ${total}`;
  }

  private async toggleSeat(seatId: string): Promise<void> {
    if (this.basket.seatIds.includes(seatId)) return this.change(() => this.basket.remove([seatId]));
    if (this.map.seats[seatId]?.status !== 'available') {
      say(`${this.seatNames.get(seatId) ?? seatId} is not available.`);
      return;
    }
    await this.change(() => this.basket.add([seatId]));
  }

  /**
   * One basket change at a time; refusals in words, and a waiting room joined when the sale asks for one. A waitlist
   * offer in the basket is not changed into another selection (the server keeps offers as they were made): it is paid
   * or emptied (`replaces` false), which passes it to the next in line.
   */
  private async change(run: () => Promise<unknown>, replaces = true): Promise<void> {
    if (this.busy) return;
    if (this.checkout !== undefined) {
      say('Your basket is being paid: finish the payment first.');
      return;
    }
    if (replaces && this.offerHoldId !== undefined && this.basket.hold?.holdId === this.offerHoldId) {
      say(
        'The seats held for you from the waitlist are in your basket: pay for them, or empty the basket to choose others.',
      );
      return;
    }
    this.busy = true;
    try {
      await run();
      say('');
    } catch (error) {
      say(humanMessage(error));
      if (error instanceof SeatActorError && error.code === 'NOT_ADMITTED') this.hooks.notAdmitted();
    } finally {
      this.busy = false;
      this.paint();
    }
  }

  private async pay(paymentMethod: string): Promise<void> {
    if (this.stripe !== undefined) return this.payWithStripe(this.stripe);
    if (this.busy) return;
    this.busy = true;
    $<HTMLButtonElement>('#pay').disabled = true;
    say('Paying…', true);
    try {
      const { order, error } = await this.basket.checkout(paymentMethod);
      if (order.status === 'succeeded') {
        await this.showPaid(order);
        return;
      }
      say(humanMessage(error ?? { code: order.status === 'failed' ? 'PAYMENT_FAILED' : 'HOLD_EXPIRED' }));
      await this.basket.holdAgain().catch((again: unknown) => say(`${humanMessage(error)} ${humanMessage(again)}`));
    } catch (error) {
      say(humanMessage(error));
    } finally {
      this.busy = false;
      $<HTMLButtonElement>('#pay').disabled = false;
      this.paint();
    }
  }

  private async showPaid(order: BuyerOrderView): Promise<void> {
    say('Paid. Your tickets are below.', true);
    await this.showTickets(order, $('#tickets'));
    $('#confirmation').hidden = false;
    void this.loadMyTickets();
    this.hooks.paid();
  }

  /**
   * The first press orders the basket (seats reserved until the order's payment deadline) and mounts the Payment
   * Element with the order's client secret; the next confirms with Stripe.js. Stripe tells the server the outcome by
   * webhook, so the page then waits for the order: paid shows the tickets, a decline holds the seats again.
   */
  private async payWithStripe(stripe: Stripe): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const button = $<HTMLButtonElement>('#pay');
    button.disabled = true;
    try {
      if (this.checkout === undefined) {
        const { placement, held } = await this.basket.order();
        const secret = placement.payment.clientSecret;
        if (secret === undefined) throw new Error('the order came without a Stripe client secret');
        const container = $('#stripe-element');
        container.hidden = false;
        this.checkout = { placement, held, payment: new StripePayment(stripe, secret, container) };
        say('Your seats are reserved: enter your card, then pay.', true);
        return;
      }
      say('Paying…', true);
      const outcome = await this.checkout.payment.confirm();
      if (outcome.kind === 'retry') {
        say(outcome.message);
        return;
      }
      const order = await this.client.waitForOrder(this.checkout.placement.orderId);
      this.checkout.payment.destroy();
      $('#stripe-element').hidden = true;
      this.checkout = undefined;
      if (order.status === 'succeeded') {
        await this.showPaid(order);
        return;
      }
      const why = humanMessage({ code: order.status === 'failed' ? 'PAYMENT_FAILED' : 'HOLD_EXPIRED' });
      say(why);
      await this.basket.holdAgain().catch((again: unknown) => say(`${why} ${humanMessage(again)}`));
    } catch (error) {
      say(humanMessage(error));
    } finally {
      this.busy = false;
      button.disabled = false;
      this.paint();
    }
  }

  private async showTickets(order: BuyerOrderView, list: HTMLElement): Promise<void> {
    const items = await Promise.all(
      (order.tickets ?? []).map(async (ticket) => {
        const item = document.createElement('li');
        item.className = 'ticket';
        item.dataset.ticketId = ticket.ticketId;
        const title = document.createElement('strong');
        title.textContent = `${this.event.name} · ${ticket.seatId ?? ticket.sectionId}`;
        const qr = document.createElement('div');
        qr.setAttribute('role', 'img');
        qr.setAttribute('aria-label', `QR code of the ticket for ${ticket.seatId ?? ticket.sectionId}`);
        // The server renders the QR code of the ticket's signed code: SVG markup of our own origin.
        qr.innerHTML = await this.client.ticketQr(ticket.ticketId).catch(() => '');
        const code = document.createElement('code');
        code.textContent = ticket.code;
        item.append(title, qr, code);
        return item;
      }),
    );
    list.replaceChildren(...items);
    // Kept in this browser too, for the wallet page (/wallet), which shows them offline.
    saveToWallet(
      localStorage,
      (order.tickets ?? []).map((ticket, index) => ({
        ticketId: ticket.ticketId,
        eventName: this.event.name,
        startsAt: this.event.startsAt,
        place: ticket.seatId ?? ticket.sectionId ?? ticket.ticketId,
        code: ticket.code,
        qrSvg: items[index]?.querySelector('[role="img"]')?.innerHTML ?? '',
      })),
    );
  }

  private async loadMyTickets(): Promise<void> {
    try {
      const { orders } = await this.client.myOrders({ eventId: this.event.id });
      const paid = orders.filter((order) => order.status === 'succeeded');
      const list = $('#my-tickets');
      if (paid.length === 0) return;
      list.replaceChildren();
      for (const order of paid) {
        const group = document.createElement('li');
        const inner = document.createElement('ul');
        inner.className = 'tickets';
        group.append(inner);
        list.append(group);
        await this.showTickets(order, inner);
      }
    } catch (error) {
      say(humanMessage(error));
    }
  }
}

main().catch((error: unknown) => say(error instanceof SeatActorError ? humanMessage(error) : String(error)));
