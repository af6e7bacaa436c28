import { describe, expect, it } from 'vitest';
import { BookingError } from '../domain/bookingError.ts';
import { parseEvent, parseHold, parseId, parseRequestId, parseVenue, venueSeatsMax } from './schemas.ts';

const invalid = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BookingError);
    expect((error as BookingError).code).toBe('INVALID_INPUT');
    return (error as BookingError).message;
  }
  throw new Error('expected INVALID_INPUT');
};

const seated = (id: string, seatIds: string[]) => ({
  id,
  name: id,
  kind: 'seated',
  rows: [{ id: 'A', seats: seatIds.map((seatId) => ({ id: seatId, priceTier: 'STD' })) }],
});
const venue = {
  name: 'Hall',
  sections: [
    seated('ORCH', ['A-1', 'A-2']),
    { id: 'FLOOR', name: 'Floor', kind: 'general', capacity: 500, priceTier: 'GA' },
  ],
};
const event = {
  venueId: 'v1',
  name: 'Show',
  startsAt: '2030-01-01T20:00:00Z',
  priceTiers: { STD: { amount: 5000, currency: 'EUR' } },
};

describe('venue body', () => {
  it('accepts seated and general sections', () => {
    expect(parseVenue(venue)).toEqual(venue);
    expect(parseVenue({ ...venue, id: 'my-venue_1' }).id).toBe('my-venue_1');
  });

  it('names the path of a bad field', () => {
    const body = {
      ...venue,
      sections: [{ ...seated('ORCH', ['A-1']), rows: [{ id: 'A', seats: [{ id: 'A-1', priceTier: '' }] }] }],
    };
    expect(invalid(() => parseVenue(body))).toMatch(/^sections\.0\.rows\.0\.seats\.0\.priceTier: /);
  });

  it('rejects duplicate seat ids across sections and duplicate section ids', () => {
    expect(invalid(() => parseVenue({ ...venue, sections: [seated('L', ['X-1']), seated('R', ['X-1'])] }))).toContain(
      'duplicate seat id X-1',
    );
    expect(invalid(() => parseVenue({ ...venue, sections: [seated('L', ['X-1']), seated('L', ['X-2'])] }))).toContain(
      'duplicate section id L',
    );
  });

  it('enforces id charset and length, name length, kinds and capacity', () => {
    expect(invalid(() => parseVenue({ ...venue, sections: [seated('bad id', ['A-1'])] }))).toContain('sections.0.id');
    expect(invalid(() => parseVenue({ ...venue, sections: [seated('x'.repeat(65), ['A-1'])] }))).toContain(
      'sections.0.id',
    );
    expect(invalid(() => parseVenue({ ...venue, name: 'n'.repeat(201) }))).toContain('name');
    expect(invalid(() => parseVenue({ ...venue, sections: [{ id: 'S', name: 'S', kind: 'standing' }] }))).toContain(
      'sections.0.kind',
    );
    expect(
      invalid(() =>
        parseVenue({ ...venue, sections: [{ id: 'F', name: 'F', kind: 'general', capacity: 1.5, priceTier: 'GA' }] }),
      ),
    ).toContain('sections.0.capacity');
    expect(invalid(() => parseVenue({ name: 'Empty', sections: [] }))).toContain('sections');
    expect(invalid(() => parseVenue('not an object'))).toBeTruthy();
  });

  it('caps the venue at 200,000 seats', () => {
    const seatIds = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    const half = venueSeatsMax / 2;
    expect(() =>
      parseVenue({ name: 'Big', sections: [seated('L', seatIds('L', half)), seated('R', seatIds('R', half))] }),
    ).not.toThrow();
    expect(
      invalid(() =>
        parseVenue({ name: 'Big', sections: [seated('L', seatIds('L', half)), seated('R', seatIds('R', half + 1))] }),
      ),
    ).toContain('at most 200000 seats');
  });
});

describe('event body', () => {
  it('applies defaults and converts saleStartsAt to epoch ms', () => {
    expect(parseEvent(event)).toEqual({
      ...event,
      holdTtlSeconds: 480,
      paymentTimeoutSeconds: 600,
      maxSeatsPerUser: 5,
      saleStartsAtMs: null,
    });
    expect(parseEvent({ ...event, saleStartsAt: '2030-01-01T10:00:00+01:00' }).saleStartsAtMs).toBe(
      Date.UTC(2030, 0, 1, 9),
    );
  });

  it('rejects out-of-range and mistyped fields', () => {
    expect(invalid(() => parseEvent({ ...event, holdTtlSeconds: 9 }))).toContain('holdTtlSeconds');
    expect(invalid(() => parseEvent({ ...event, holdTtlSeconds: 3601 }))).toContain('holdTtlSeconds');
    expect(invalid(() => parseEvent({ ...event, paymentTimeoutSeconds: 29 }))).toContain('paymentTimeoutSeconds');
    expect(invalid(() => parseEvent({ ...event, maxSeatsPerUser: 51 }))).toContain('maxSeatsPerUser');
    expect(invalid(() => parseEvent({ ...event, startsAt: 'tomorrow' }))).toContain('startsAt');
    expect(invalid(() => parseEvent({ ...event, priceTiers: { STD: { amount: 1.5, currency: 'EUR' } } }))).toContain(
      'priceTiers.STD.amount',
    );
    expect(invalid(() => parseEvent({ ...event, priceTiers: { STD: { amount: -1, currency: 'EUR' } } }))).toContain(
      'priceTiers.STD.amount',
    );
    expect(invalid(() => parseEvent({ ...event, priceTiers: { STD: { amount: 1, currency: 'euro' } } }))).toContain(
      'priceTiers.STD.currency',
    );
    expect(invalid(() => parseEvent({ ...event, priceTiers: {} }))).toContain('priceTiers');
    expect(invalid(() => parseEvent({ ...event, venueId: undefined }))).toContain('venueId');
  });
});

describe('hold body', () => {
  it('converts each shape to the HoldRequest union', () => {
    expect(parseHold({ requestId: 'r', seatIds: ['A-1'] })).toEqual({
      requestId: 'r',
      request: { kind: 'seats', seatIds: ['A-1'] },
    });
    expect(parseHold({ requestId: 'r', seatIds: ['A-1'], expectedVersions: { 'A-1': 3 } }).request).toEqual({
      kind: 'seats',
      seatIds: ['A-1'],
      expectedVersions: { 'A-1': 3 },
    });
    expect(parseHold({ requestId: 'r', sectionId: 'FLOOR', quantity: 2 }).request).toEqual({
      kind: 'general',
      sectionId: 'FLOOR',
      quantity: 2,
    });
    expect(parseHold({ requestId: 'r', bestAvailable: { quantity: 4, priceTier: 'STD' } }).request).toEqual({
      kind: 'bestAvailable',
      quantity: 4,
      priceTier: 'STD',
    });
  });

  it('rejects missing or oversized requestId, mixed shapes and bad quantities', () => {
    expect(invalid(() => parseHold({ seatIds: ['A-1'] }))).toContain('requestId');
    expect(invalid(() => parseHold({ requestId: 'r'.repeat(129), seatIds: ['A-1'] }))).toContain('requestId');
    expect(invalid(() => parseHold({ requestId: 'r' }))).toContain('a hold needs');
    expect(invalid(() => parseHold({ requestId: 'r', seatIds: ['A-1'], sectionId: 'F' }))).toContain('sectionId');
    expect(invalid(() => parseHold({ requestId: 'r', seatIds: [] }))).toContain('seatIds');
    expect(invalid(() => parseHold({ requestId: 'r', seatIds: ['A-1', 'A-1'] }))).toContain('seat ids repeat');
    expect(invalid(() => parseHold({ requestId: 'r', seatIds: ['A-1'], expectedVersions: { 'B-1': 1 } }))).toContain(
      'expectedVersions.B-1',
    );
    expect(invalid(() => parseHold({ requestId: 'r', sectionId: 'F', quantity: 0 }))).toContain('quantity');
    expect(invalid(() => parseHold({ requestId: 'r', sectionId: 'F', quantity: '2' }))).toContain('quantity');
    expect(invalid(() => parseHold({ requestId: 'r', bestAvailable: { quantity: 51 } }))).toContain(
      'bestAvailable.quantity',
    );
    expect(invalid(() => parseHold(null))).toContain('a hold needs');
  });
});

describe('ids', () => {
  it('validates path ids and request ids', () => {
    expect(parseId('id', 'e_1-x')).toBe('e_1-x');
    expect(invalid(() => parseId('id', 'a/b'))).toMatch(/^id: /);
    expect(parseRequestId('r1')).toBe('r1');
    expect(invalid(() => parseRequestId(''))).toContain('requestId');
    expect(invalid(() => parseRequestId('a\u0000b'))).toContain('well-formed Unicode text without NUL');
    expect(invalid(() => parseHold({ requestId: 'r\u0001', seatIds: ['A-1'] }))).toContain('control characters');
  });
});

describe('text the store must keep', () => {
  const unstorable = ['\ud800', 'a\udfffb', '\u0000', 'x\u0000'];

  it('refuses lone surrogates and NUL in request ids, names and ids, naming the field', () => {
    for (const text of unstorable) {
      expect(invalid(() => parseHold({ requestId: text, seatIds: ['A-1'] }))).toMatch(
        /^requestId: must be well-formed/,
      );
      expect(invalid(() => parseHold({ requestId: 'r', sectionId: text, quantity: 1 }))).toMatch(/^sectionId: /);
      expect(invalid(() => parseHold({ requestId: 'r', bestAvailable: { quantity: 1, priceTier: text } }))).toMatch(
        /^bestAvailable\.priceTier: /,
      );
      expect(invalid(() => parseRequestId(text))).toMatch(/^requestId: must be well-formed/);
      expect(invalid(() => parseVenue({ ...venue, name: text }))).toMatch(/^name: /);
      expect(invalid(() => parseVenue({ ...venue, sections: [{ ...seated('ORCH', ['A-1']), name: text }] }))).toMatch(
        /^sections\.0\.name: /,
      );
      expect(invalid(() => parseEvent({ ...event, name: `Show ${text}` }))).toMatch(/^name: /);
      expect(invalid(() => parseId('id', text))).toMatch(/^id: /);
    }
  });

  it('keeps well-formed text of every plane, and refuses control characters in one-line text', () => {
    expect(parseHold({ requestId: 'réservation-🎫-東京', seatIds: ['A-1'] }).requestId).toBe('réservation-🎫-東京');
    expect(parseVenue({ ...venue, name: 'Arena — Zürich 🎫' }).name).toBe('Arena — Zürich 🎫');
    for (const control of ['\u0001', '\t', '\n', '\u001f', '\u007f', '\u0085']) {
      expect(invalid(() => parseRequestId(`r${control}`))).toContain('control characters');
      expect(invalid(() => parseVenue({ ...venue, name: `Hall${control}x` }))).toContain('control characters');
    }
  });

  it('refuses __proto__ as an id (it cannot be a key of a plain object) but takes other prototype names', () => {
    const fromWire = <T>(json: string): T => JSON.parse(json) as T;
    expect(invalid(() => parseId('id', '__proto__'))).toContain('reserved');
    expect(
      invalid(() => parseHold(fromWire('{"requestId":"r","seatIds":["A-1"],"expectedVersions":{"__proto__":1}}'))),
    ).toContain('expectedVersions');
    expect(
      invalid(() => parseEvent({ ...event, priceTiers: fromWire('{"__proto__":{"amount":1,"currency":"EUR"}}') })),
    ).toContain('priceTiers');
    expect(invalid(() => parseVenue({ ...venue, sections: [seated('ORCH', ['__proto__'])] }))).toContain('reserved');
    const tiers = parseEvent({
      ...event,
      priceTiers: { constructor: { amount: 1, currency: 'EUR' }, toString: { amount: 2, currency: 'EUR' } },
    }).priceTiers;
    expect(Object.keys(tiers)).toEqual(['constructor', 'toString']);
    expect(parseHold({ requestId: 'r', seatIds: ['constructor', 'toString'] }).request).toMatchObject({
      seatIds: ['constructor', 'toString'],
    });
  });
});
