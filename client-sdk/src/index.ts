export type {
  BookingErrorCode,
  EventLayoutView,
  GeneralChange,
  GeneralView,
  HoldView,
  OrderUpdate,
  QueueAdmitted,
  QueueEntryState,
  QueueEntryView,
  QueuePosition,
  QueueSoldOut,
  SeatChange,
  SeatMapDiff,
  SeatMapView,
  SeatStatusMapView,
  SeatStatusName,
  SeatView,
  SessionView,
} from '../../src/contract/protocol.ts';
export type {
  BuyerHoldView,
  ClientEvents,
  ClientOptions,
  HoldSelection,
  MeQuery,
  RequestOptions,
} from './client.ts';
export { connect, SeatActorClient } from './client.ts';
export type { ClientErrorCode } from './errors.ts';
export { SeatActorError } from './errors.ts';
export type { LiveSeatMapEvents, LiveSeatMapStats, ResyncInfo } from './liveSeatMap.ts';
export { LiveSeatMap } from './liveSeatMap.ts';
export type { SessionOptions } from './session.ts';
export { createSession } from './session.ts';
export { decodeStatuses, layoutSeatIds } from './statusForm.ts';
