import { describe, expect, it } from 'vitest';
import { RecentMap } from './recentMap.ts';

describe('RecentMap', () => {
  it('remembers between half and all of its capacity, most recent first to stay', () => {
    const map = new RecentMap<number, string>(10);
    for (let i = 0; i < 100; i++) {
      map.set(i, `v${i}`);
      expect(map.size).toBeLessThanOrEqual(10);
      expect(map.size).toBeGreaterThanOrEqual(Math.min(i + 1, 5));
      for (let back = 0; back < Math.min(i + 1, 5); back++) expect(map.get(i - back)).toBe(`v${i - back}`);
    }
    expect(map.get(0)).toBeUndefined();
  });

  it('restores exactly from its generations', () => {
    const map = new RecentMap<string, number>(6);
    for (let i = 0; i < 7; i++) map.set(`k${i}`, i);
    const copy = new RecentMap<string, number>(6);
    const [previous, current] = map.generations();
    copy.restore(previous, current);
    for (let i = 7; i < 12; i++) {
      map.set(`k${i}`, i);
      copy.set(`k${i}`, i);
      expect(copy.generations()).toEqual(map.generations());
    }
  });

  it('keeps a key set again in the newest generation only', () => {
    const map = new RecentMap<string, number>(4);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3);
    expect(map.get('a')).toBe(3);
    expect(map.size).toBe(2);
  });
});
