import { describe, expect, it } from 'vitest';
import { countOf, switchOf, wholeNumberOf } from './envValues.ts';

describe('environment values', () => {
  it('takes whole numbers in their range, and unset or empty as undefined', () => {
    expect(wholeNumberOf('X', undefined)).toBeUndefined();
    expect(wholeNumberOf('X', '')).toBeUndefined();
    expect(wholeNumberOf('X', '0')).toBe(0);
    expect(wholeNumberOf('X', '65535', { max: 65_535 })).toBe(65_535);
    expect(wholeNumberOf('X', '1000000000000')).toBe(1_000_000_000_000);
    expect(countOf('X', '7')).toBe(7);
  });

  it('stops the start on anything else, naming the variable and its range', () => {
    for (const bad of ['abc', '-1', '1.5', ' 3', '3 ', '1e3', '0x10', '99999999999999999'])
      expect(() => wholeNumberOf('LIMIT_MAX', bad)).toThrow(/^LIMIT_MAX must be a whole number from 0 to /);
    expect(() => wholeNumberOf('PORT', '65536', { max: 65_535 })).toThrow(
      'PORT must be a whole number from 0 to 65535',
    );
    expect(() => countOf('SESSIONS_MAX', '0')).toThrow('SESSIONS_MAX must be a whole number from 1 to');
    expect(() => wholeNumberOf('I', '100', { max: 99, meaning: 'batches' })).toThrow('(batches), not "100"');
  });

  it('reads on/off switches, with a fallback when unset', () => {
    expect(switchOf('S', undefined, true)).toBe(true);
    expect(switchOf('S', 'off', true)).toBe(false);
    expect(switchOf('S', 'on', false)).toBe(true);
    expect(() => switchOf('S', 'yes', true)).toThrow('S must be on or off, not "yes"');
  });
});
