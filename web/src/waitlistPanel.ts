import {
  type EventView,
  type SeatActorClient,
  SeatActorError,
  type WaitlistEntryView,
  type WaitlistOffer,
} from '../../client-sdk/src/index.ts';
import { humanMessage } from './messages.ts';
import { offerCountdownText, waitlistStatusText } from './waitingRoomModel.ts';

export type WaitlistHooks = Readonly<{
  /** Seats were held for this buyer: put the offer in the basket and show the checkout. */
  offered(offer: WaitlistOffer): Promise<void>;
  say(text: string): void;
}>;

/**
 * The sold-out view (`#soldout-panel`): shown when the waiting room says the event sold out or the seat map has nothing
 * left. It offers the waitlist (a quantity, then "Join the waitlist"), shows the place in line live
 * (`waitlist:position`), and on `waitlist:offer` hands the offer's hold to the basket with its countdown. Everything
 * goes through the SDK; the status is a polite live region and the offer an alert.
 */
export class WaitlistPanel {
  private entry: WaitlistEntryView | undefined;
  private offerExpiresAt: number | undefined;
  private busy = false;
  private shown = false;

  constructor(
    private readonly client: SeatActorClient,
    private readonly event: EventView,
    private readonly hooks: WaitlistHooks,
  ) {
    const quantity = $<HTMLInputElement>('#waitlist-quantity');
    quantity.max = String(event.maxSeatsPerUser);
    $<HTMLFormElement>('#waitlist-form').onsubmit = (submitted) => {
      submitted.preventDefault();
      void this.join(Math.min(event.maxSeatsPerUser, Math.max(1, Number(quantity.value) || 1)));
    };
    $('#waitlist-leave').onclick = () => void this.leave();
    client.on('waitlist:position', (push) => {
      if (push.eventId !== event.id || this.entry?.entryId !== push.entryId) return;
      this.render({ ...this.entry, state: 'waiting', position: push.position });
    });
    client.on('waitlist:offer', (offer) => {
      if (offer.eventId !== event.id) return;
      void this.offered(offer);
    });
    setInterval(() => this.renderCountdown(), 1_000);
  }

  /** After a reload: the buyer's entry, if they are waiting or offered seats. */
  async restore(): Promise<void> {
    try {
      const entry = await this.client.myWaitlistEntry(this.event.id);
      if (entry.state !== 'waiting' && entry.state !== 'offered') return;
      this.show({ open: true });
      this.render(entry);
      if (entry.state === 'offered' && entry.offer !== undefined) {
        await this.hooks.offered({ eventId: this.event.id, entryId: entry.entryId, hold: entry.offer });
      }
    } catch (error) {
      if (!(error instanceof SeatActorError && error.code === 'NOT_FOUND')) this.hooks.say(humanMessage(error));
    }
  }

  /**
   * Sold out: offers the waitlist. `waitlist.open === false`: the waitlist is full, so no form; `waitlist` absent: the
   * server did not say, so the form is offered and a full waitlist answers in words.
   */
  show(waitlist: Readonly<{ open: boolean }> | undefined): void {
    const panel = $('#soldout-panel');
    panel.hidden = false;
    this.shown = true;
    const closed = waitlist?.open === false && !this.inLine();
    panel.dataset.waitlist = closed ? 'closed' : 'open';
    $('#soldout-text').textContent = closed
      ? 'Every seat is taken, and the waitlist is full.'
      : 'Every seat is taken. Join the waitlist: if seats come back (a lapsed basket, a failed payment, a refund), they are held for the first in line and you hear it here at once.';
    this.renderForm();
  }

  /** Seats are on sale again and the buyer is not in line: the sold-out view goes. */
  hideUnlessInLine(): void {
    if (!this.shown || this.inLine()) return;
    $('#soldout-panel').hidden = true;
    this.shown = false;
  }

  private inLine(): boolean {
    return this.entry?.state === 'waiting' || this.entry?.state === 'offered';
  }

  private async join(quantity: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    $<HTMLButtonElement>('#waitlist-join').disabled = true;
    try {
      this.render(await this.client.joinWaitlist(this.event.id, { quantity }));
      this.hooks.say('');
    } catch (error) {
      this.hooks.say(humanMessage(error));
    } finally {
      this.busy = false;
      $<HTMLButtonElement>('#waitlist-join').disabled = false;
    }
  }

  private async leave(): Promise<void> {
    const entry = this.entry;
    if (entry === undefined || this.busy) return;
    this.busy = true;
    try {
      await this.client.leaveWaitlist(entry.entryId);
      this.render({ ...entry, state: 'left', position: null });
    } catch (error) {
      this.hooks.say(humanMessage(error));
    } finally {
      this.busy = false;
    }
  }

  private async offered(offer: WaitlistOffer): Promise<void> {
    const entry = this.entry ?? {
      entryId: offer.entryId,
      quantity: offer.hold.quantity,
      together: false,
      position: null,
      state: 'offered' as const,
    };
    this.show({ open: true });
    this.render({ ...entry, entryId: offer.entryId, state: 'offered', position: null, offer: offer.hold });
    try {
      await this.hooks.offered(offer);
    } catch (error) {
      this.hooks.say(humanMessage(error));
    }
  }

  /** The order placed on the offer settled: the entry is fulfilled when it was paid, else as the server says. */
  async refresh(): Promise<void> {
    if (this.entry === undefined) return;
    try {
      this.render(await this.client.myWaitlistEntry(this.event.id));
    } catch (error) {
      this.hooks.say(humanMessage(error));
    }
  }

  private render(entry: WaitlistEntryView): void {
    this.entry = entry;
    const panel = $('#soldout-panel');
    panel.dataset.entry = entry.state;
    const status = waitlistStatusText(entry);
    if ($('#waitlist-status').textContent !== status) $('#waitlist-status').textContent = status;
    $('#waitlist-position').textContent = entry.position === null ? '–' : String(entry.position);
    this.offerExpiresAt =
      entry.state === 'offered' && entry.offer !== undefined ? Date.parse(entry.offer.expiresAt) : undefined;
    const offer = $('#waitlist-offer');
    offer.hidden = this.offerExpiresAt === undefined;
    // While seats are held for the buyer the panel is about them, not about the sell-out.
    $('#soldout-title').textContent = offer.hidden ? 'Sold out' : 'Seats held for you from the waitlist';
    $('#soldout-text').hidden = !offer.hidden;
    if (entry.state === 'offered' && entry.offer !== undefined) {
      $('#waitlist-offer-text').textContent =
        `Seats held for you from the waitlist: ${entry.offer.seatIds.join(', ') || `${entry.offer.quantity} places`}. Pay in your basket before the time runs out.`;
    }
    this.renderForm();
    this.renderCountdown();
  }

  private renderForm(): void {
    const closed = $('#soldout-panel').dataset.waitlist === 'closed';
    $('#waitlist-form').hidden = closed || this.inLine();
    $('#waitlist-leave').hidden = !this.inLine();
  }

  private renderCountdown(): void {
    const expiresAt = this.offerExpiresAt;
    $('#waitlist-offer-countdown').textContent =
      expiresAt === undefined ? '' : offerCountdownText(expiresAt, Date.now());
  }
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;
