import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableText, unstorableTextPath } from './storableText.ts';

/** The engine's own answer (ES2024; Node 20 has it, the project's TypeScript lib does not name it yet). */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

describe('storable text', () => {
  it('refuses NUL and lone surrogates, and keeps every other string', () => {
    expect(['\u0000', 'a\u0000', '\ud800', '\udfff', 'x\ud83d', '\ude00y', '\udc00\ud800'].map(isStorableText)).toEqual(
      Array(7).fill(false),
    );
    expect(
      ['', 'ORCH-A-1', 'Zürich 東京', '🎫', '\ud83d\ude00', '\u0001\u001f\u007f', '\ufffe\uffff'].map(isStorableText),
    ).toEqual(Array(7).fill(true));
  });

  it('agrees with the engine on well-formedness for arbitrary UTF-16', () => {
    // Code units, not code points (fast-check's units never make half a pair), leaning on surrogates and NUL.
    const codeUnit = fc
      .oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.constant(0))
      .map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.string({ unit: codeUnit, maxLength: 40 }), (text) => {
        expect(isStorableText(text)).toBe(isWellFormed(text) && !text.includes('\u0000'));
      }),
      { numRuns: 2_000 },
    );
  });

  it('names the path of the first unstorable string, keys included', () => {
    expect(unstorableTextPath({ requestId: 'r1', request: { seatIds: ['A', 'B'] } })).toBeUndefined();
    expect(unstorableTextPath({ requestId: 'r1', request: { seatIds: ['A', '\ud800'] } })).toBe('request.seatIds.1');
    expect(unstorableTextPath({ versions: { 'A\u0000': 1 } })).toBe('versions.(a key)');
    expect(unstorableTextPath('\u0000')).toBe('');
    expect(unstorableTextPath([1, null, true, undefined, 'ok'])).toBeUndefined();
  });

  it('counts nesting deeper than its limit as unstorable instead of walking it', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(unstorableTextPath(deep)).toBeDefined();
    expect(unstorableTextPath(deep, 100)).toBeUndefined();
  });
});
