import { describe, expect, it } from 'vitest';
import {
  etaText,
  offerCountdownText,
  progressOf,
  roomCountdownText,
  roomStatusText,
  roomViewOf,
  waitlistStatusText,
} from './waitingRoomModel.ts';

const sale = Date.UTC(2027, 0, 1, 18);
const at = (ms: number) => new Date(ms).toISOString().slice(11, 16);

describe('the waiting room in words', () => {
  it('follows the entry: pre-queue, a place in line (remembering the first), admitted, sold out, let through', () => {
    expect(roomViewOf({ queueId: 'q1', state: 'prequeue' }, sale, undefined)).toEqual({
      phase: 'prequeue',
      saleStartsAt: sale,
    });
    expect(roomViewOf({ queueId: 'q1', state: 'queued', position: 40, etaSeconds: 90 }, sale, undefined)).toEqual({
      phase: 'queued',
      position: 40,
      etaSeconds: 90,
      firstPosition: 40,
    });
    expect(roomViewOf({ queueId: 'q1', state: 'queued', position: 12 }, sale, 40)).toMatchObject({
      position: 12,
      firstPosition: 40,
    });
    // Just shuffled, no place yet: still the pre-queue.
    expect(roomViewOf({ queueId: 'q1', state: 'queued' }, sale, undefined).phase).toBe('prequeue');
    const admission = { token: 't', expiresAt: new Date(sale + 600_000).toISOString() };
    expect(roomViewOf({ queueId: 'q1', state: 'admitted', admission }, sale, 3)).toEqual({
      phase: 'admitted',
      until: sale + 600_000,
    });
    expect(roomViewOf({ queueId: 'q1', state: 'soldout' }, sale, 3).phase).toBe('soldout');
    for (const state of ['released', 'finished', 'expired', 'left'] as const)
      expect(roomViewOf({ queueId: 'q1', state }, sale, 3).phase).toBe('open');
  });

  it('says the place, the wait and the countdown in words', () => {
    expect(roomStatusText({ phase: 'queued', position: 7, firstPosition: 9 }, at)).toBe('You are number 7 in line.');
    expect(roomStatusText({ phase: 'prequeue', saleStartsAt: sale }, at)).toMatch(/sale opens at 18:00.*random order/);
    expect(roomStatusText({ phase: 'admitted', until: sale + 600_000 }, at)).toBe(
      'It is your turn: pick your seats before 18:10.',
    );
    expect(roomCountdownText({ phase: 'prequeue', saleStartsAt: sale }, sale - 125_000)).toBe(
      'The sale opens in 2 min 05 s.',
    );
    expect(roomCountdownText({ phase: 'prequeue', saleStartsAt: sale }, sale + 1)).toBe('Opening the sale…');
    expect(
      roomCountdownText({ phase: 'before', opensAt: sale - 1_800_000, saleStartsAt: sale }, sale - 3_600_000),
    ).toBe('The waiting room opens in 30 min 00 s.');
    expect(roomCountdownText({ phase: 'queued', position: 2, firstPosition: 2 }, sale)).toBe('');
    expect(etaText(undefined)).toBe('We are still estimating your wait.');
    expect(etaText(20)).toBe('Estimated wait: less than a minute.');
    expect(etaText(60)).toBe('Estimated wait: about 1 minute.');
    expect(etaText(600)).toBe('Estimated wait: about 10 minutes.');
    expect(etaText(2 * 3_600 + 5 * 60)).toBe('Estimated wait: about 2 h 05 min.');
  });

  it('measures progress against the first place seen, and says it too', () => {
    expect(progressOf(41, 41)).toEqual({ value: 0, max: 40, text: '0 of the 40 buyers ahead of you have gone in.' });
    expect(progressOf(41, 11)).toEqual({ value: 30, max: 40, text: '30 of the 40 buyers ahead of you have gone in.' });
    expect(progressOf(2, 2).text).toBe('0 of the 1 buyer ahead of you have gone in.');
    expect(progressOf(41, 1)).toEqual({ value: 1, max: 1, text: 'Nobody is ahead of you: you are next.' });
    // A place further back than the first one seen (a page that reloaded) never shows negative progress.
    expect(progressOf(5, 9).value).toBe(0);
  });
});

describe('the waitlist in words', () => {
  const entry = { entryId: 'e1', quantity: 2, together: false } as const;
  it('says the place in line, the offer with its seats, and how it ended', () => {
    expect(waitlistStatusText({ ...entry, state: 'waiting', position: 3 })).toMatch(
      /^You are number 3 on the waitlist for 2 seats\./,
    );
    const offer = { holdId: 'h', seatIds: ['A1', 'A2'], quantity: 2, expiresAt: new Date(sale).toISOString() };
    expect(waitlistStatusText({ ...entry, state: 'offered', position: null, offer })).toMatch(
      /^Seats came back for you: A1, A2\./,
    );
    expect(waitlistStatusText({ ...entry, state: 'lapsed', position: null })).toMatch(/ran out/);
    expect(offerCountdownText(sale, sale - 599_400)).toBe('Held for you for 9:59');
    expect(offerCountdownText(sale, sale + 5)).toBe('Held for you for 0:00');
  });
});
