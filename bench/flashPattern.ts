/**
 * The flash-sale pattern, shared by both load clients (bench/flashSaleWorker.ts with socket.io-client, and the light
 * client's `flash` workload in bench/lightClient/): which seat a buyer tries next, whether a granted hold is kept, and
 * the tally of what the holds got. Pure: the clients own the sockets and the clock.
 *
 * A buyer loops with no think time: hold one seat (`hotShare` of the picks on the first `hotSeatCount` seats of the
 * venue, the rest anywhere); a hold refused SEAT_UNAVAILABLE is followed at once by the next pick; a granted hold is
 * kept for good (`keepShare` of the grants, at most `keptPerConnectionMax` per buyer) or released, then the next pick.
 * Kept holds fill the hot seats within seconds, so most holds are refused from then on, as in a flash sale.
 */

export type FlashPattern = Readonly<{
  seatCount: number;
  hotSeatCount: number;
  /** Ids are `ORCH-<row>-<seat>` over `seatsPerRow` seats a row, in venue order; the hot seats come first. */
  seatsPerRow: number;
  hotShare: number;
  keepShare: number;
  keptPerConnectionMax: number;
}>;

/** The pattern over a venue of `rows` × `seatsPerRow` seats, its first `hotSeatShare` of seats the hot ones. */
export const flashPatternOver = (
  options: Readonly<{
    rows: number;
    seatsPerRow: number;
    hotSeatShare: number;
    hotShare: number;
    keepShare: number;
    keptPerConnectionMax: number;
  }>,
): FlashPattern => {
  const seatCount = options.rows * options.seatsPerRow;
  return {
    seatCount,
    hotSeatCount: Math.round(seatCount * options.hotSeatShare),
    seatsPerRow: options.seatsPerRow,
    hotShare: options.hotShare,
    keepShare: options.keepShare,
    keptPerConnectionMax: options.keptPerConnectionMax,
  };
};

/** A small seeded generator (mulberry32) in [0, 1), so a run's picks repeat from its seed. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** The id of the `index`-th seat of the benchmark venue (bench/benchServer.ts), in venue order. */
export const seatIdOf = (index: number, seatsPerRow: number): string =>
  `ORCH-${Math.floor(index / seatsPerRow) + 1}-${(index % seatsPerRow) + 1}`;

/** The next seat's index: with probability `hotShare` one of the hot seats, otherwise any seat. */
export const pickSeat = (next: () => number, pattern: FlashPattern): number =>
  next() < pattern.hotShare ? Math.floor(next() * pattern.hotSeatCount) : Math.floor(next() * pattern.seatCount);

/** Whether a granted hold is kept, given how many this buyer keeps already (no draw once at the limit). */
export const keepsHold = (next: () => number, keptSoFar: number, pattern: FlashPattern): boolean =>
  keptSoFar < pattern.keptPerConnectionMax && next() < pattern.keepShare;

/** What the holds of a window got: granted, refused SEAT_UNAVAILABLE (the expected loss), or refused otherwise. */
export type HoldTally = { granted: number; refused: number; otherRefusals: number };

export const emptyHoldTally = (): HoldTally => ({ granted: 0, refused: 0, otherRefusals: 0 });

export const tallyHold = (tally: HoldTally, answer: Readonly<{ ok: true } | { ok: false; code: string }>): void => {
  if (answer.ok) tally.granted += 1;
  else if (answer.code === 'SEAT_UNAVAILABLE') tally.refused += 1;
  else tally.otherRefusals += 1;
};

export const sumHoldTallies = (tallies: readonly HoldTally[]): HoldTally =>
  tallies.reduce(
    (sum, t) => ({
      granted: sum.granted + t.granted,
      refused: sum.refused + t.refused,
      otherRefusals: sum.otherRefusals + t.otherRefusals,
    }),
    emptyHoldTally(),
  );

/** Share of answered holds refused SEAT_UNAVAILABLE (0–1); NaN when none was answered. */
export const refusedShare = (tally: HoldTally): number => {
  const answered = tally.granted + tally.refused + tally.otherRefusals;
  return answered === 0 ? Number.NaN : tally.refused / answered;
};
