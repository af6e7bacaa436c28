/**
 * What the waiting-room and waitlist views say, from what the server told the page. Pure (no DOM, no clock: `now` is
 * an argument), so it is tested without a browser (waitingRoomModel.unit.spec.ts). Every state is said in words; the
 * progress bar only repeats what the words say.
 */
import type { QueueEntryView, WaitlistEntryView } from '../../client-sdk/src/index.ts';
import { countdown } from './eventChoice.ts';

/** The room as the page shows it. */
export type RoomView =
  /** The pre-queue has not opened: come back at `opensAt` (the page joins by itself then). */
  | Readonly<{ phase: 'before'; opensAt: number; saleStartsAt: number }>
  /** In the pre-queue: everyone in it gets a random place at `saleStartsAt`. */
  | Readonly<{ phase: 'prequeue'; saleStartsAt: number }>
  | Readonly<{ phase: 'queued'; position: number; etaSeconds?: number; firstPosition: number }>
  | Readonly<{ phase: 'admitted'; until?: number }>
  | Readonly<{ phase: 'soldout' }>
  /** The room let everyone through (or never had this buyer): straight to the seats. */
  | Readonly<{ phase: 'open' }>;

/** The room's view from an entry the server answered; `firstPosition` is the first place this page saw. */
export const roomViewOf = (
  entry: QueueEntryView,
  saleStartsAt: number,
  firstPosition: number | undefined,
): RoomView => {
  switch (entry.state) {
    case 'prequeue':
      return { phase: 'prequeue', saleStartsAt };
    case 'queued':
      // Right after the opening the server may not have a place yet for a buyer it just shuffled.
      if (entry.position === undefined) return { phase: 'prequeue', saleStartsAt };
      return {
        phase: 'queued',
        position: entry.position,
        firstPosition: Math.max(firstPosition ?? entry.position, entry.position),
        ...(entry.etaSeconds === undefined ? {} : { etaSeconds: entry.etaSeconds }),
      };
    case 'admitted':
      return entry.admission === undefined
        ? { phase: 'admitted' }
        : { phase: 'admitted', until: Date.parse(entry.admission.expiresAt) };
    case 'soldout':
      return { phase: 'soldout' };
    case 'released':
    case 'finished':
    case 'expired':
    case 'left':
      return { phase: 'open' };
    default: {
      const _exhaustive: never = entry.state;
      throw new Error(`unknown queue state ${String(_exhaustive)}`);
    }
  }
};

/** "about 3 minutes": the wait the server estimates from its measured admission rate, in words. */
export const etaText = (etaSeconds: number | undefined): string => {
  if (etaSeconds === undefined || !Number.isFinite(etaSeconds)) return 'We are still estimating your wait.';
  if (etaSeconds < 60) return 'Estimated wait: less than a minute.';
  const minutes = Math.round(etaSeconds / 60);
  if (minutes < 60) return `Estimated wait: about ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  const hours = Math.floor(minutes / 60);
  return `Estimated wait: about ${hours} h ${String(minutes % 60).padStart(2, '0')} min.`;
};

/**
 * How far along the line the buyer is: of the buyers ahead of them when the page first saw their place, how many have
 * gone in. `value` of `max` for a `<progress>`, and the same in words.
 */
export const progressOf = (firstPosition: number, position: number): { value: number; max: number; text: string } => {
  const aheadAtFirst = Math.max(0, firstPosition - 1);
  const ahead = Math.max(0, Math.min(aheadAtFirst, position - 1));
  if (ahead === 0) return { value: 1, max: 1, text: 'Nobody is ahead of you: you are next.' };
  const gone = aheadAtFirst - ahead;
  return {
    value: gone,
    max: aheadAtFirst,
    text: `${gone} of the ${aheadAtFirst} ${aheadAtFirst === 1 ? 'buyer' : 'buyers'} ahead of you have gone in.`,
  };
};

/** The sentence the live region reads for a room view (a countdown is shown beside it, not read every second). */
export const roomStatusText = (view: RoomView, formatInstant: (ms: number) => string): string => {
  switch (view.phase) {
    case 'before':
      return `The waiting room opens at ${formatInstant(view.opensAt)}; the sale at ${formatInstant(view.saleStartsAt)}. Keep this page open: it lets you in by itself.`;
    case 'prequeue':
      return `You are in the waiting room. When the sale opens at ${formatInstant(view.saleStartsAt)}, everyone here gets a place in line in a random order, so arriving early gives no head start.`;
    case 'queued':
      return `You are number ${view.position} in line.`;
    case 'admitted':
      return view.until === undefined
        ? 'It is your turn: pick your seats now.'
        : `It is your turn: pick your seats before ${formatInstant(view.until)}.`;
    case 'soldout':
      return 'Sold out: every seat is taken.';
    case 'open':
      return 'No waiting room now: pick your seats.';
    default: {
      const _exhaustive: never = view;
      throw new Error(`unknown room phase ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** The countdown beside the status: to the pre-queue's opening, then to the sale's; none once in line. */
export const roomCountdownText = (view: RoomView, now: number): string => {
  if (view.phase === 'before') return `The waiting room opens in ${countdown(view.opensAt - now)}.`;
  if (view.phase === 'prequeue') {
    return view.saleStartsAt > now ? `The sale opens in ${countdown(view.saleStartsAt - now)}.` : 'Opening the sale…';
  }
  return '';
};

/** The waitlist entry in words, for its live region. */
export const waitlistStatusText = (entry: WaitlistEntryView): string => {
  const seats = `${entry.quantity} ${entry.quantity === 1 ? 'seat' : 'seats'}`;
  switch (entry.state) {
    case 'waiting':
      return entry.position === null
        ? `You are on the waitlist for ${seats}.`
        : `You are number ${entry.position} on the waitlist for ${seats}. If seats come back, they are held for you here.`;
    case 'offered':
      return `Seats came back for you: ${offerPlaces(entry.offer)}. They are in your basket: pay before the time runs out.`;
    case 'fulfilled':
      return 'You bought the seats the waitlist held for you: your tickets are below.';
    case 'lapsed':
      return 'The seats held for you ran out before they were paid, and went to the next in line.';
    case 'declined':
      return 'You let the seats held for you go: they went to the next in line.';
    case 'left':
      return 'You left the waitlist.';
    default: {
      const _exhaustive: never = entry.state;
      throw new Error(`unknown waitlist state ${String(_exhaustive)}`);
    }
  }
};

const offerPlaces = (offer: WaitlistEntryView['offer']): string => {
  if (offer === undefined) return 'seats';
  if (offer.seatIds.length > 0) return offer.seatIds.join(', ');
  return `${offer.quantity} × ${offer.sectionId ?? 'general admission'}`;
};

/** "Held for you for 9:58": the offer's countdown. */
export const offerCountdownText = (expiresAt: number, now: number): string => {
  const left = Math.max(0, Math.round((expiresAt - now) / 1000));
  return `Held for you for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
};
