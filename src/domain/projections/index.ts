/**
 * The read side's projections (issue #13): pure folds of the log into keyed documents, run by the shell's projection
 * runner (src/services/projections/). Each is a decider-like pair, tested as a specification.
 */
import { buyersProjection } from './buyers.ts';
import type { AnyProjection } from './projection.ts';
import { salesProjection } from './sales.ts';
import { seatHistoryProjection } from './seatHistory.ts';

export type { BuyerDoc, BuyerOrderEntry } from './buyers.ts';
export { buyersProjection } from './buyers.ts';
export {
  type AnyProjection,
  collectAll,
  eventIdOfStream,
  isLogProjection,
  type KeyedEntry,
  type LoggedEvent,
  type LogProjection,
  type Projection,
  projectAll,
} from './projection.ts';
export { type SalesDoc, salesByMinute, salesOf, salesProjection } from './sales.ts';
export { type SeatHistoryEntry, seatHistoryBucket, seatHistoryKey, seatHistoryProjection } from './seatHistory.ts';

/** Every projection the runner keeps, by name. */
export const projections: readonly AnyProjection[] = [salesProjection, seatHistoryProjection, buyersProjection];
