import { describe, expect, it } from 'vitest';
import { bandOf, deviceContradictions, type RiskFacts, riskOf } from './riskScore.ts';

/** A person on the page: one device, one session from their address, a click with pointer movement after a look. */
const person: RiskFacts = {
  declaredCrawler: false,
  fingerprinted: true,
  contradictions: 0,
  sessionsOnDevice: 1,
  sessionsOnAddress: 1,
  action: { pointerEvents: 12, msSinceMapShown: 4_000 },
  requestGapsMs: [2_000, 3_500, 1_200],
};

const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('riskOf', () => {
  it('scores a person on a page 0, in the low band, with no reasons', () => {
    expect(riskOf(person)).toEqual({ score: 0, band: 'low', reasons: [] });
  });

  it('puts a declared crawler in the high band on its own', () => {
    expect(riskOf({ ...person, declaredCrawler: true })).toMatchObject({ score: 1, band: 'high' });
  });

  it('gives a missing fingerprint a little risk, never a band of its own (an app in Node may have none)', () => {
    expect(riskOf({ ...person, fingerprinted: false, sessionsOnDevice: 0 })).toEqual({
      score: 0.2,
      band: 'low',
      reasons: ['noFingerprint'],
    });
  });

  it('raises a device that contradicts its headers to the medium band', () => {
    expect(riskOf({ ...person, contradictions: 2 })).toEqual({
      score: 0.5,
      band: 'medium',
      reasons: ['contradictingDevice'],
    });
  });

  it('adds a fifth for every session beyond the first on one device (identical phones share a fingerprint)', () => {
    expect(riskOf({ ...person, sessionsOnDevice: 2 })).toMatchObject({ score: 0.2, band: 'low' });
    expect(riskOf({ ...person, sessionsOnDevice: 3 })).toMatchObject({ score: 0.4, band: 'medium' });
    expect(riskOf({ ...person, sessionsOnDevice: 4 })).toMatchObject({ score: 0.6, band: 'high' });
  });

  it('lets an address share two sessions freely, then adds a fifth a session up to the high band', () => {
    expect(riskOf({ ...person, sessionsOnAddress: 2 }).score).toBe(0);
    expect(riskOf({ ...person, sessionsOnAddress: 3 })).toMatchObject({ score: 0.2, band: 'low' });
    expect(riskOf({ ...person, sessionsOnAddress: 4 })).toMatchObject({ score: 0.4, band: 'medium' });
    expect(riskOf({ ...person, sessionsOnAddress: 5 })).toMatchObject({ score: 0.6, band: 'high' });
    expect(riskOf({ ...person, sessionsOnAddress: 500 }).score).toBe(0.6);
  });

  it('takes a click without pointer events, or sooner than a person reads the map, as a script', () => {
    expect(riskOf({ ...person, action: { pointerEvents: 0, msSinceMapShown: 4_000 } }).reasons).toEqual([
      'noPointerEvents',
    ]);
    expect(riskOf({ ...person, action: { msSinceMapShown: 4_000 } }).reasons).toEqual(['noPointerEvents']);
    expect(riskOf({ ...person, action: { pointerEvents: 3, msSinceMapShown: 120 } }).reasons).toEqual([
      'tooFastAfterMap',
    ]);
    expect(riskOf({ ...person, action: { pointerEvents: 0, msSinceMapShown: 5 } })).toMatchObject({
      score: 0.6,
      band: 'high',
    });
  });

  it('judges no click before there was one', () => {
    const { action: _none, ...beforeAnyClick } = person;
    expect(riskOf(beforeAnyClick).score).toBe(0);
  });

  it('recognises a script cadence only over enough requests', () => {
    expect(riskOf({ ...person, requestGapsMs: [10, 12, 9, 11] }).reasons).toEqual([]);
    expect(riskOf({ ...person, requestGapsMs: [10, 12, 9, 11, 10] }).reasons).toEqual(['scriptCadence']);
    expect(riskOf({ ...person, requestGapsMs: [10, 12, 900, 1_100, 1_300] }).reasons).toEqual([]);
  });

  it('scores a naive bot (one device, many sessions from a shared address, clicks at once) high, capped at 1', () => {
    const naive: RiskFacts = {
      declaredCrawler: false,
      fingerprinted: true,
      contradictions: 0,
      sessionsOnDevice: 3,
      sessionsOnAddress: 15,
      action: { pointerEvents: 0, msSinceMapShown: 3 },
      requestGapsMs: [1, 1, 1, 1, 1],
    };
    expect(riskOf(naive)).toEqual({
      score: 1,
      band: 'high',
      reasons: ['sessionsOnDevice', 'sessionsOnAddress', 'noPointerEvents', 'tooFastAfterMap', 'scriptCadence'],
    });
  });

  it('bands scores at 0.3 and 0.6', () => {
    expect([0, 0.29, 0.3, 0.59, 0.6, 1].map(bandOf)).toEqual(['low', 'low', 'medium', 'medium', 'high', 'high']);
  });
});

describe('deviceContradictions', () => {
  it('finds nothing when the claims agree with the headers, or when either is missing', () => {
    const headers = { userAgent: chrome, acceptLanguage: 'de-CH,de;q=0.9,en;q=0.8' };
    expect(deviceContradictions({ userAgent: chrome, languages: ['de-CH', 'de', 'en'] }, headers)).toEqual([]);
    expect(deviceContradictions(undefined, headers)).toEqual([]);
    expect(deviceContradictions({ userAgent: chrome }, {})).toEqual([]);
  });

  it('names a user agent or a first language that differs from the headers', () => {
    const headers = { userAgent: chrome, acceptLanguage: 'en-US,en;q=0.9' };
    expect(deviceContradictions({ userAgent: 'Mozilla/5.0 Firefox/133.0', languages: ['en-US'] }, headers)).toEqual([
      'userAgent',
    ]);
    expect(deviceContradictions({ userAgent: chrome, languages: ['fr-FR', 'en-US'] }, headers)).toEqual(['languages']);
  });
});
