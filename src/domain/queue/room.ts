/**
 * A waiting room's settings, as the actor's log records them. The wire's `waitingRoom` config (with the event's
 * `saleStartsAt`) becomes one of these through `roomConfigOf`, which fills the documented defaults.
 */
export type RoomConfig = Readonly<{
  /** Engaged from set-up (a scheduled room); false: engaged only by EngageRoom (the hybrid switch). */
  enabled: boolean;
  /** Epoch ms: the pre-queue is shuffled and admission starts. */
  saleStartsAt: number;
  /** Epoch ms: joins before it are refused SALE_NOT_OPEN. */
  preQueueOpensAt: number;
  /** Buyers admitted and still choosing, at most. */
  admittedMax: number;
  /** How long an admission lasts. */
  admissionSeconds: number;
  /** Seats an admitted buyer is expected to take: admission stops while admitted × this reaches the sellable stock. */
  seatsPerBuyerExpected: number;
  /** Entries a room takes at most (joins beyond are refused QUEUE_FULL). */
  entriesMax: number;
  /**
   * Entries sent to the back (risky sessions) are admitted only when nobody else waits, and not before this long
   * after `saleStartsAt`. Absent (rooms logged before it existed): 0.
   */
  riskyHeldBackSeconds?: number;
}>;

export const preQueueLeadMsDefault = 30 * 60 * 1000;
export const admissionSecondsDefault = 600;
export const admittedMaxDefault = 1_000;
export const seatsPerBuyerExpectedDefault = 2;
export const entriesMaxDefault = 10_000_000;
export const riskyHeldBackSecondsDefault = 120;

export type RoomConfigInput = Readonly<{
  enabled: boolean;
  saleStartsAt: number;
  preQueueOpensAt?: number;
  admittedMax?: number;
  admissionSeconds?: number;
  seatsPerBuyerExpected?: number;
  entriesMax?: number;
  riskyHeldBackSeconds?: number;
}>;

/** The config with every default filled: `preQueueOpensAt` is `saleStartsAt` − 30 min unless given. */
export const roomConfigOf = (input: RoomConfigInput): RoomConfig => ({
  enabled: input.enabled,
  saleStartsAt: input.saleStartsAt,
  preQueueOpensAt: input.preQueueOpensAt ?? input.saleStartsAt - preQueueLeadMsDefault,
  admittedMax: input.admittedMax ?? admittedMaxDefault,
  admissionSeconds: input.admissionSeconds ?? admissionSecondsDefault,
  seatsPerBuyerExpected: input.seatsPerBuyerExpected ?? seatsPerBuyerExpectedDefault,
  entriesMax: input.entriesMax ?? entriesMaxDefault,
  riskyHeldBackSeconds: input.riskyHeldBackSeconds ?? riskyHeldBackSecondsDefault,
});

/** Epoch ms from which entries at the back may be admitted (when nobody else waits). */
export const backAdmittedFrom = (config: RoomConfig): number =>
  config.saleStartsAt + (config.riskyHeldBackSeconds ?? 0) * 1000;

const isWhole = (value: number, min: number): boolean => Number.isSafeInteger(value) && value >= min;

/** What is wrong with a config, in sentences; empty when it can be used. */
export const roomConfigProblems = (config: RoomConfig): string[] => {
  const problems: string[] = [];
  if (typeof config.enabled !== 'boolean') problems.push('enabled must be true or false');
  if (!isWhole(config.saleStartsAt, 0)) problems.push('saleStartsAt must be epoch milliseconds');
  if (!isWhole(config.preQueueOpensAt, 0)) problems.push('preQueueOpensAt must be epoch milliseconds');
  else if (config.preQueueOpensAt > config.saleStartsAt) problems.push('the pre-queue must open before the sale');
  if (!isWhole(config.admittedMax, 1)) problems.push('admittedMax must be a whole number, at least 1');
  if (!isWhole(config.admissionSeconds, 1)) problems.push('admissionSeconds must be a whole number, at least 1');
  if (!(Number.isFinite(config.seatsPerBuyerExpected) && config.seatsPerBuyerExpected > 0)) {
    problems.push('seatsPerBuyerExpected must be a positive number');
  }
  if (config.riskyHeldBackSeconds !== undefined && !isWhole(config.riskyHeldBackSeconds, 0)) {
    problems.push('riskyHeldBackSeconds must be a whole number, at least 0');
  }
  if (!isWhole(config.entriesMax, 1) || config.entriesMax > 2 ** 31 - 2) {
    problems.push('entriesMax must be a whole number from 1 to 2^31 − 2');
  }
  return problems;
};

export const sameRoomConfig = (a: RoomConfig, b: RoomConfig): boolean =>
  a.enabled === b.enabled &&
  a.saleStartsAt === b.saleStartsAt &&
  a.preQueueOpensAt === b.preQueueOpensAt &&
  a.admittedMax === b.admittedMax &&
  a.admissionSeconds === b.admissionSeconds &&
  a.seatsPerBuyerExpected === b.seatsPerBuyerExpected &&
  a.entriesMax === b.entriesMax &&
  a.riskyHeldBackSeconds === b.riskyHeldBackSeconds;
