/**
 * How much work a proof of work asks for: the size of the counter range an ALTCHA challenge hides its answer in
 * (the solver derives about half of it on average). Pure, so the policy reads as a table of cases in its spec.
 *
 * It rises with load (challenges asked for per second, all addresses) and with risk: earlier solutions from the same
 * address within the window (a second session from one address is normal, the tenth is not), checks the address
 * failed (a bad or replayed solution), and the risk score of the session (0 to 1, from behavioural signals). Each
 * step doubles the work, up to `difficultyMax`, so a human on a quiet sale waits a fraction of a second and a farm
 * that mints sessions from one address pays more for each.
 */
export type PowPolicy = Readonly<{
  /** The counter range at rest: no load, no risk. */
  difficultyMin: number;
  /** The largest counter range ever asked for. */
  difficultyMax: number;
  /** Every this many challenges per second (all addresses) doubles the work. */
  loadStepPerSecond: number;
  /** Challenges an address gets at the base difficulty within the window; each one after doubles the work. */
  freeSolutionsPerAddress: number;
}>;

export type PowSignals = Readonly<{
  /** Challenges issued per second, all addresses, over the recent window. */
  loadPerSecond: number;
  /** Solutions this address gave within the window. */
  addressSolutions: number;
  /** Checks this address failed within the window (bad, stale or replayed solutions). */
  addressFailures: number;
  /** The caller's risk score, 0 (looks human) to 1 (looks automated). */
  risk: number;
}>;

/** Doublings above the minimum, capped so the arithmetic never leaves safe integers. */
const doublingsMax = 30;

export const powDoublings = (policy: PowPolicy, signals: PowSignals): number => {
  const load =
    policy.loadStepPerSecond > 0 ? Math.floor(Math.max(0, signals.loadPerSecond) / policy.loadStepPerSecond) : 0;
  const address = Math.max(0, signals.addressSolutions + 1 - policy.freeSolutionsPerAddress);
  const failures = 2 * Math.max(0, signals.addressFailures);
  // Whole quarters of risk: a session in the low band with a small doubt (no fingerprint, 0.2) pays nothing more.
  const risk = Math.floor(4 * Math.min(1, Math.max(0, signals.risk)));
  return Math.min(doublingsMax, load + address + failures + risk);
};

export const powDifficulty = (policy: PowPolicy, signals: PowSignals): number => {
  const min = Math.max(1, Math.floor(policy.difficultyMin));
  const max = Math.max(min, Math.floor(policy.difficultyMax));
  return Math.min(max, min * 2 ** powDoublings(policy, signals));
};
