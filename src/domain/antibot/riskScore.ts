/**
 * How likely a session is to be automated, from what the front door observed about it: a score from 0 (looks like a
 * person on a page) to 1 (looks automated), with the reasons. Pure, so the policy reads as a table of cases in its
 * spec. Every input is a hint a client can forge (DESIGN: signals are never proof of a human), so no single one blocks
 * anybody: the score raises the proof of work's difficulty and, in the high band, sends the session to the back of the
 * waiting room, where it still keeps a place and sees its position.
 */

/** What the page or SDK says the fingerprint library saw (navigator.userAgent, navigator.languages). */
export type DeviceClaims = Readonly<{ userAgent?: string; languages?: readonly string[] }>;

/** The request headers the claims are checked against. */
export type RequestHeaders = Readonly<{ userAgent?: string; acceptLanguage?: string }>;

export type RiskFacts = Readonly<{
  /** The User-Agent declares a crawler or a script (the shell asks `isbot`). */
  declaredCrawler: boolean;
  /** The client sent a device fingerprint. */
  fingerprinted: boolean;
  /** Ways the device contradicts itself: claims against headers, a fingerprint that changed within the session. */
  contradictions: number;
  /** Sessions minted on this fingerprint within the window, this one included (0: no fingerprint). */
  sessionsOnDevice: number;
  /** Sessions minted from this address within the window, this one included. */
  sessionsOnAddress: number;
  /** The signals of the session's latest click (a queue join, a hold); absent before any. */
  action?: Readonly<{ pointerEvents?: number; msSinceMapShown?: number }>;
  /** Gaps between the session's recent requests, oldest first. */
  requestGapsMs: readonly number[];
}>;

export type RiskPolicy = Readonly<{
  /** Sessions a device may start in the window before each further one adds `perExtraDeviceSession`. */
  deviceSessionsFree: number;
  perExtraDeviceSession: number;
  /** Sessions an address may start in the window before each further one adds `perExtraAddressSession`. */
  addressSessionsFree: number;
  perExtraAddressSession: number;
  /** The most the address's sessions add (a shared address alone never reaches the high band). */
  addressShareMax: number;
  /** A click sooner than this after the map was shown is faster than a person reads a map. */
  msSinceMapShownMin: number;
  /** Requests closer together than this (median of at least `cadenceRequestsMin` gaps) are a script's cadence. */
  cadenceGapMsMin: number;
  cadenceRequestsMin: number;
}>;

export const riskPolicyDefault: RiskPolicy = {
  deviceSessionsFree: 1,
  perExtraDeviceSession: 0.2,
  addressSessionsFree: 2,
  perExtraAddressSession: 0.2,
  addressShareMax: 0.6,
  msSinceMapShownMin: 800,
  cadenceGapMsMin: 250,
  cadenceRequestsMin: 5,
};

export type RiskReason =
  | 'declaredCrawler'
  | 'noFingerprint'
  | 'contradictingDevice'
  | 'sessionsOnDevice'
  | 'sessionsOnAddress'
  | 'noPointerEvents'
  | 'tooFastAfterMap'
  | 'scriptCadence';

export const riskBands = ['low', 'medium', 'high'] as const;
export type RiskBand = (typeof riskBands)[number];

export type Risk = Readonly<{ score: number; band: RiskBand; reasons: readonly RiskReason[] }>;

export const mediumFrom = 0.3;
export const highFrom = 0.6;

export const bandOf = (score: number): RiskBand =>
  score >= highFrom ? 'high' : score >= mediumFrom ? 'medium' : 'low';

const beyond = (count: number, free: number): number => Math.max(0, Math.floor(count) - free);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export const riskOf = (facts: RiskFacts, policy: RiskPolicy = riskPolicyDefault): Risk => {
  const parts: [RiskReason, number][] = [];
  if (facts.declaredCrawler) parts.push(['declaredCrawler', 1]);
  if (!facts.fingerprinted) parts.push(['noFingerprint', 0.2]);
  if (facts.contradictions > 0) parts.push(['contradictingDevice', 0.5]);
  const device = beyond(facts.sessionsOnDevice, policy.deviceSessionsFree) * policy.perExtraDeviceSession;
  if (device > 0) parts.push(['sessionsOnDevice', device]);
  const address = Math.min(
    policy.addressShareMax,
    beyond(facts.sessionsOnAddress, policy.addressSessionsFree) * policy.perExtraAddressSession,
  );
  if (address > 0) parts.push(['sessionsOnAddress', address]);
  const action = facts.action;
  if (action !== undefined) {
    if ((action.pointerEvents ?? 0) <= 0) parts.push(['noPointerEvents', 0.3]);
    if (action.msSinceMapShown !== undefined && action.msSinceMapShown < policy.msSinceMapShownMin)
      parts.push(['tooFastAfterMap', 0.3]);
  }
  const gaps = facts.requestGapsMs.filter((gap) => Number.isFinite(gap) && gap >= 0);
  if (gaps.length >= policy.cadenceRequestsMin && median(gaps) < policy.cadenceGapMsMin)
    parts.push(['scriptCadence', 0.3]);
  const sum = parts.reduce((total, [, weight]) => total + weight, 0);
  // Rounded so that sums of tenths compare as written (0.1 + 0.2 is not 0.3 in floating point).
  const score = Math.min(1, Math.round(sum * 1000) / 1000);
  return { score, band: bandOf(score), reasons: parts.map(([reason]) => reason) };
};

/** The primary language tags of an Accept-Language header, lower case, in order (`de-CH,de;q=0.9` → de-ch, de). */
const acceptedLanguages = (header: string): string[] =>
  header
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .filter((tag) => tag.length > 0 && tag !== '*');

/**
 * Where a device's claims contradict the request's headers: a browser sends the same User-Agent it reports to scripts,
 * and its first preferred language leads its Accept-Language header. A claim or a header that is absent contradicts
 * nothing (an SDK in Node has no navigator). Returns the names of the contradicted claims.
 */
export const deviceContradictions = (claims: DeviceClaims | undefined, headers: RequestHeaders): string[] => {
  if (claims === undefined) return [];
  const found: string[] = [];
  if (claims.userAgent !== undefined && headers.userAgent !== undefined && claims.userAgent !== headers.userAgent)
    found.push('userAgent');
  const first = claims.languages?.[0]?.toLowerCase();
  if (first !== undefined && headers.acceptLanguage !== undefined) {
    const accepted = acceptedLanguages(headers.acceptLanguage);
    if (accepted.length > 0 && accepted[0] !== first) found.push('languages');
  }
  return found;
};
