import type { Stock } from './commands.ts';
import { ratePerSecond } from './rateWindow.ts';
import type { RoomConfig } from './room.ts';
import type { QueueState } from './state.ts';

/**
 * Admission by stock, capped and paced. Pure arithmetic over the state, shared by decide (to choose) and evolve (to
 * keep the pacing bucket), so both count exactly alike.
 *
 * How many buyers a tick admits is the smallest of:
 * - stock: admit while (admitted and still choosing) × `seatsPerBuyerExpected` is below what is still sellable
 *   (available + lapsing), i.e. up to ⌈sellable ÷ seatsPerBuyerExpected⌉ − choosing;
 * - the cap: `admittedMax` − choosing;
 * - the pacing: the whole admissions in a token bucket that holds at most `admittedMax` (so the opening admits the
 *   first buyers at once) and refills at twice the rate admitted buyers measurably finish (ordered, gave up, left or
 *   ran out) over the last minute, never slower than `admittedMax ÷ admissionSeconds` (the turnover if every
 *   admitted buyer used all their time). Twice, because a bucket refilled at exactly the finish rate can never admit
 *   faster than buyers finished before, and so never climbs back from a slow spell; at twice it follows a faster
 *   checkout within a few ticks, while a sudden wave of freed places (a block of admissions running out together)
 *   is let in at most twice as fast as the line has been moving;
 * - the buyers waiting.
 */
export const admissionsAllowed = (
  config: RoomConfig,
  choosing: number,
  stock: Stock,
  paceCredit: number,
  waiting: number,
): number => {
  const sellable = stock.available + stock.lapsing;
  const byStock = Math.ceil(sellable / config.seatsPerBuyerExpected) - choosing;
  const byCap = config.admittedMax - choosing;
  return Math.max(0, Math.min(byStock, byCap, Math.floor(paceCredit), waiting));
};

/**
 * Holds lapsing this soon count as sellable (the inventory's `sellableStock` takes it): an admitted buyer needs about
 * this long to reach the seat map and choose, by which time those seats are back.
 */
export const lapsingWithinMsDefault = 30_000;

/** Admissions per second when every admitted buyer uses all their time: the pacing's floor and the first ETA's rate. */
export const turnoverPerSecond = (config: RoomConfig): number => config.admittedMax / config.admissionSeconds;

export const paceGrowth = 2;

/** The rate the pacing bucket refills at, as measured at `at`. */
const paceRatePerSecond = (state: QueueState, at: number): number =>
  Math.max(paceGrowth * ratePerSecond(state.finishRate, at), turnoverPerSecond(state.room!.config));

/**
 * The pacing bucket's credit at `now`. Between two events that change it (an admission, a finish, an expiry) it
 * refills at the rate measured right after the first, so decide (before a tick's expiries are applied) and evolve
 * (after) count the same credit.
 */
export const paceCreditAt = (state: QueueState, now: number): number => {
  const elapsedMs = Math.max(0, now - state.paceAt);
  const refill = (paceRatePerSecond(state, state.paceAt) * elapsedMs) / 1000;
  return Math.min(state.room!.config.admittedMax, state.paceCredit + refill);
};

/** Brings the pacing bucket up to `at`; evolve calls it before every event that changes the credit or the rate. */
export const accruePace = (state: QueueState, at: number): void => {
  state.paceCredit = paceCreditAt(state, at);
  state.paceAt = Math.max(state.paceAt, at);
};

/**
 * Seconds until a buyer at `position` is admitted: position ÷ the measured admission rate (admissions that replaced a
 * finished buyer, over the last minute). Until that rate is measured, the turnover rate stands in. An estimate for
 * people, never used to decide. (Only queued buyers have a position, and nobody is queued before the opening.)
 */
export const etaSecondsOf = (state: QueueState, position: number, now: number): number => {
  const measured = ratePerSecond(state.admissionRate, now);
  const rate = measured > 0 ? measured : turnoverPerSecond(state.room!.config);
  return Math.ceil(position / rate);
};
