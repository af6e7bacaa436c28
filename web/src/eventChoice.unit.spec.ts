import { describe, expect, it } from 'vitest';
import { chooseEvent, countdown, saleNotOpen } from './eventChoice.ts';

const now = Date.parse('2030-06-01T12:00:00Z');
const event = (id: string, startsAt: string, saleStartsAt: string | null = null) => ({ id, startsAt, saleStartsAt });
const demo = event('demo', '2030-07-01T20:00:00Z');
const soon = event('soon', '2030-06-02T20:00:00Z');
const later = event('later', '2030-09-01T20:00:00Z');
const past = event('past', '2030-01-01T20:00:00Z');

describe('the event the page opens', () => {
  it('is the one asked for in ?event=', () => {
    expect(chooseEvent([demo, soon, later], 'later', now)?.id).toBe('later');
  });

  it('is the demo when none is asked for (or the one asked for is unknown), even when newer events exist', () => {
    expect(chooseEvent([demo, later, soon], null, now)?.id).toBe('demo');
    expect(chooseEvent([demo, later, soon], 'nope', now)?.id).toBe('demo');
  });

  it('without a demo, is the next to start; when all have started, the last listed', () => {
    expect(chooseEvent([past, later, soon], null, now)?.id).toBe('soon');
    expect(chooseEvent([past, event('older', '2029-01-01T00:00:00Z')], null, now)?.id).toBe('older');
    expect(chooseEvent([], null, now)).toBeUndefined();
  });
});

describe('the sale state', () => {
  const format = (ms: number) => new Date(ms).toISOString();

  it('says when a sale that has not opened opens, and how long until then', () => {
    expect(saleNotOpen('2030-06-01T15:05:00Z', now, format)).toBe(
      'Sale opens 2030-06-01T15:05:00.000Z (in 3 h 05 min)',
    );
  });

  it('says nothing once it is open, or when the event has no sale start', () => {
    expect(saleNotOpen('2030-06-01T12:00:00Z', now, format)).toBeUndefined();
    expect(saleNotOpen(null, now, format)).toBeUndefined();
  });

  it('counts down in days, hours, minutes or seconds', () => {
    expect(countdown(2 * 86_400_000 + 3 * 3_600_000)).toBe('2 d 3 h');
    expect(countdown(4 * 60_000 + 20_000)).toBe('4 min 20 s');
    expect(countdown(11_500)).toBe('12 s');
    expect(countdown(-5)).toBe('0 s');
  });
});
