import uPlot from 'uplot';
import {
  type EventView,
  type SeatActorClient,
  SeatActorError,
  start,
  workerSolver,
} from '../../client-sdk/src/index.ts';
import type { EventStats } from '../../src/contract/readSchemas.ts';
import { mainCurrency, StockHistory, salesColumns, velocity } from './adminSeries.ts';
import { chooseEvent } from './eventChoice.ts';
import { formatMoney, humanMessage } from './messages.ts';
import { throttle } from './throttle.ts';

/**
 * The admin dashboard at /admin: the admin token (asked once, kept in this tab's sessionStorage), the event list, and
 * for one event its stock, holds, revenue by tier and section, sales per minute and the waiting room, from
 * `GET /v1/events/:id/stats`. Live without polling: the page follows the event's seat-map stream over the socket (as a
 * guest, through the SDK) and asks for the stats again when a diff arrives, at most once a second. Every committed
 * batch of the event pushes a diff, also one that moves no seat (a waiting-room join, an admission), so the queue's
 * counts follow too.
 */

const tokenKey = 'seatactor.admin.token';
const sessionKey = 'seatactor.admin.session';
/** Stats at most once a second, however many diffs a flash sale pushes. */
const refreshIntervalMs = 1_000;
const chartHeight = 220;
const colours = { available: '#2f6fd1', held: '#b7791f', reserved: '#c2185b', sold: '#3a4556', revenue: '#127a62' };

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;
const numberFormat = new Intl.NumberFormat();
const say = (text: string) => {
  $('#message').textContent = text;
};

class AdminApi {
  constructor(private readonly token: string) {}

  async get(path: string): Promise<Response> {
    const response = await fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
    if (response.ok) return response;
    const body = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } };
    throw new SeatActorError(
      (body?.error?.code ?? 'UNAVAILABLE') as SeatActorError['code'],
      body?.error?.message ?? `HTTP ${response.status}`,
    );
  }

  /** An admin route every server has and that costs nothing: answers whether the token is the admin's. */
  async verify(): Promise<void> {
    await this.get('/v1/admin/outbox/dead?limit=1');
  }

  async stats(eventId: string): Promise<EventStats> {
    return (await this.get(`/v1/events/${encodeURIComponent(eventId)}/stats`)).json() as Promise<EventStats>;
  }

  async ordersCsv(eventId: string): Promise<Blob> {
    return (await this.get(`/v1/events/${encodeURIComponent(eventId)}/orders.csv`)).blob();
  }
}

const main = async () => {
  $('#sign-out').onclick = () => {
    sessionStorage.removeItem(tokenKey);
    location.reload();
  };
  const saved = sessionStorage.getItem(tokenKey);
  if (saved !== null && (await signIn(saved))) return;
  showLogin();
};

const showLogin = (): void => {
  const form = $<HTMLFormElement>('#login');
  form.hidden = false;
  $('#token').focus();
  form.onsubmit = (submitted) => {
    submitted.preventDefault();
    void signIn($<HTMLInputElement>('#token').value.trim());
  };
};

/** Checks the token with the server; on success keeps it for this tab and opens the dashboard. */
const signIn = async (token: string): Promise<boolean> => {
  const api = new AdminApi(token);
  try {
    await api.verify();
  } catch (error) {
    sessionStorage.removeItem(tokenKey);
    const refused = error instanceof SeatActorError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN');
    say(refused ? 'That is not the admin token: the server refused it.' : humanMessage(error));
    return false;
  }
  sessionStorage.setItem(tokenKey, token);
  $('#login').hidden = true;
  say('');
  $('#sign-out').hidden = false;
  await openDashboard(api);
  return true;
};

const openDashboard = async (api: AdminApi): Promise<void> => {
  const response = await fetch('/v1/events?limit=100');
  const { events } = (await response.json()) as { events: EventView[] };
  const chosen = chooseEvent(events, new URLSearchParams(location.search).get('event'), Date.now());
  const nav = $('#events-nav');
  nav.hidden = false;
  $('#events').replaceChildren(
    ...events.map((event) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = `/admin?event=${encodeURIComponent(event.id)}`;
      link.textContent = event.name;
      const when = document.createElement('span');
      when.className = 'muted';
      when.textContent = new Date(event.startsAt).toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
      });
      link.append(when);
      if (event.id === chosen?.id) link.setAttribute('aria-current', 'page');
      item.append(link);
      return item;
    }),
  );
  if (chosen === undefined) {
    say('No events yet: create a venue and an event with the admin API (docs/api.md).');
    return;
  }
  const client = await start(location.origin, {
    store: sessionStorage,
    key: sessionKey,
    ackTimeoutMs: 4_000,
    solveChallenge: workerSolver('/pow-worker.js'),
  });
  const dashboard = new EventDashboard(api, client, chosen);
  await dashboard.start();
};

class EventDashboard {
  private readonly history = new StockHistory();
  private velocityChart: uPlot | undefined;
  private stockChart: uPlot | undefined;
  private readonly refresh: () => void;

  constructor(
    private readonly api: AdminApi,
    private readonly client: SeatActorClient,
    private readonly event: EventView,
  ) {
    this.refresh = throttle(() => this.load(), refreshIntervalMs, {
      setTimeout: (run, ms) => setTimeout(run, ms),
      now: () => performance.now(),
    });
  }

  async start(): Promise<void> {
    $('#event').hidden = false;
    $('#event-name').textContent = this.event.name;
    document.title = `${this.event.name} · admin`;
    $('#event-when').textContent = new Date(this.event.startsAt).toLocaleString(undefined, {
      dateStyle: 'full',
      timeStyle: 'short',
    });
    $<HTMLAnchorElement>('#display-link').href = `/display/${encodeURIComponent(this.event.id)}`;
    $('#export').onclick = () => void this.exportOrders();
    const connection = $('#connection');
    const live = (up: boolean) => {
      connection.textContent = up ? 'live' : 'reconnecting…';
      connection.className = up ? 'pill live' : 'pill down';
    };
    this.client.on('connect', () => {
      live(true);
      this.refresh();
    });
    this.client.on('disconnect', () => live(false));
    const layout = await this.client.layout(this.event.id);
    const map = await this.client.subscribe(this.event.id, { layout });
    live(true);
    map.on('change', () => this.refresh());
    map.on('resync', () => this.refresh());
    new ResizeObserver(() => this.resizeCharts()).observe($('#event'));
    this.refresh();
  }

  private async load(): Promise<void> {
    let stats: EventStats;
    try {
      stats = await this.api.stats(this.event.id);
    } catch (error) {
      if (error instanceof SeatActorError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) {
        sessionStorage.removeItem(tokenKey);
        say('The admin token is no longer accepted: reload the page and sign in again.');
        return;
      }
      say(humanMessage(error));
      return;
    }
    say('');
    this.render(stats);
    // Sales come from a projection that may be a few events behind the stock: ask once more when it has caught up.
    if (stats.projection.lagEvents > 0) setTimeout(() => this.refresh(), refreshIntervalMs);
  }

  private render(stats: EventStats): void {
    const at = Date.parse(stats.at);
    $('#updated').textContent = `Updated ${new Date(at).toLocaleTimeString()} · version ${stats.version}`;
    $('#event').dataset.version = String(stats.version);
    const figure = (id: string, value: number) => {
      $(id).textContent = numberFormat.format(value);
    };
    figure('#stat-sold', stats.sold);
    figure('#stat-held', stats.held);
    figure('#stat-reserved', stats.reserved);
    figure('#stat-available', stats.available);
    figure('#stat-holds', stats.holdsActive);
    const revenue = Object.entries(stats.revenue).map(([currency, amount]) => formatMoney(amount, currency));
    $('#stat-revenue').textContent =
      revenue.length === 0 ? formatMoney(0, mainCurrency(stats) ?? 'EUR') : revenue.join(' · ');
    $('#queue').hidden = stats.queue === undefined;
    if (stats.queue !== undefined) {
      figure('#queue-waiting', stats.queue.waiting);
      figure('#queue-admitted', stats.queue.admitted);
    }
    const lastMinute = velocity(stats.salesByMinute, at, 1);
    const lastFive = velocity(stats.salesByMinute, at, 5);
    $('#velocity').textContent =
      `${numberFormat.format(lastFive)} places a minute over the last 5 minutes, ${numberFormat.format(lastMinute)} this minute.`;
    this.renderTiers(stats);
    this.renderSections(stats);
    $('#projection').textContent =
      stats.projection.lagEvents === 0
        ? 'Sales and revenue are up to date with the event log.'
        : `Sales and revenue are ${stats.projection.lagEvents} events behind the stock; they catch up by themselves.`;
    // The page's own clock: the samples are what this page saw, when it saw them.
    this.history.add(Date.now(), stats);
    $('#stock-chart').dataset.samples = String(this.history.length);
    this.drawCharts(stats, at);
  }

  private renderTiers(stats: EventStats): void {
    $('#tiers tbody').replaceChildren(
      ...stats.byTier.map((tier) =>
        row([
          tier.priceTier,
          formatMoney(tier.price, tier.currency),
          numberFormat.format(tier.sold),
          numberFormat.format(tier.held),
          numberFormat.format(tier.reserved),
          `${numberFormat.format(tier.available)} of ${numberFormat.format(tier.total)}`,
          formatMoney(tier.revenue, tier.currency),
        ]),
      ),
    );
  }

  private renderSections(stats: EventStats): void {
    $('#sections tbody').replaceChildren(
      ...stats.bySection.map((section) => {
        const line = row([
          section.name,
          numberFormat.format(section.sold),
          numberFormat.format(section.held),
          numberFormat.format(section.reserved),
          numberFormat.format(section.available),
          numberFormat.format(section.total),
        ]);
        line.dataset.sectionId = section.sectionId;
        return line;
      }),
    );
  }

  private chartWidth(): number {
    return Math.max(280, $('#velocity-chart').clientWidth || 600);
  }

  private drawCharts(stats: EventStats, at: number): void {
    const currency = mainCurrency(stats);
    const sales = salesColumns(stats.salesByMinute, currency, at);
    if (this.velocityChart === undefined) {
      this.velocityChart = new uPlot(
        {
          width: this.chartWidth(),
          height: chartHeight,
          scales: { x: { time: true }, sold: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          series: [
            {},
            {
              label: 'Places sold',
              scale: 'sold',
              stroke: colours.sold,
              fill: `${colours.sold}55`,
              paths: uPlot.paths.bars?.({ size: [0.8, 40] }),
            },
            {
              label: `Revenue${currency === undefined ? '' : ` (${currency})`}`,
              scale: 'revenue',
              stroke: colours.revenue,
              width: 2,
            },
          ],
          axes: [{}, { scale: 'sold', label: 'places' }, { scale: 'revenue', side: 1, grid: { show: false } }],
        },
        sales,
        $('#velocity-chart'),
      );
    } else {
      this.velocityChart.setData(sales);
    }
    const stock = this.history.columns();
    if (this.stockChart === undefined) {
      this.stockChart = new uPlot(
        {
          width: this.chartWidth(),
          height: chartHeight,
          scales: { x: { time: true } },
          series: [
            {},
            { label: 'Available', stroke: colours.available, width: 2 },
            { label: 'Held', stroke: colours.held, width: 2 },
            { label: 'Being paid', stroke: colours.reserved, width: 2 },
            { label: 'Sold', stroke: colours.sold, width: 2 },
          ],
        },
        stock,
        $('#stock-chart'),
      );
    } else {
      this.stockChart.setData(stock);
    }
  }

  private resizeCharts(): void {
    const width = this.chartWidth();
    for (const chart of [this.velocityChart, this.stockChart]) chart?.setSize({ width, height: chartHeight });
  }

  private async exportOrders(): Promise<void> {
    try {
      const csv = await this.api.ordersCsv(this.event.id);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(csv);
      link.download = `orders-${this.event.id}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    } catch (error) {
      say(humanMessage(error));
    }
  }
}

const row = (cells: readonly string[]): HTMLTableRowElement => {
  const line = document.createElement('tr');
  cells.forEach((text, index) => {
    const cell = document.createElement(index === 0 ? 'th' : 'td');
    if (index === 0) cell.setAttribute('scope', 'row');
    cell.textContent = text;
    line.append(cell);
  });
  return line;
};

main().catch((error: unknown) => say(error instanceof SeatActorError ? humanMessage(error) : String(error)));
