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
  QueueReleased,
  QueueSoldOut,
  QueueSoldOutWaitlist,
  SeatChange,
  SeatMapDiff,
  SeatMapView,
  SeatStatusMapView,
  SeatStatusName,
  SeatView,
  SessionView,
  SignalsView,
  VenueView,
  WaitlistEntryView,
  WaitlistOffer,
  WaitlistOfferHold,
  WaitlistPosition,
} from '../../src/contract/protocol.ts';
export type {
  BuyerContactView,
  BuyerOrderView,
  EventView,
  IssuedTicketView,
  OrderPlacement,
  PaymentsConfigView,
  ReplayPageView,
  TicketPublicKeyView,
} from '../../src/contract/rest.ts';
export type { BasketEvents, CheckoutResult } from './basket.ts';
export { Basket } from './basket.ts';
export type { ChallengeSolver } from './challenge.ts';
export { encodeSolution, solveInProcess, workerSolver } from './challenge.ts';
export type {
  BuyerHoldView,
  ClientEvents,
  ClientOptions,
  HoldSelection,
  MeQuery,
  RequestOptions,
  SubscribeOptions,
  WaitlistRequest,
} from './client.ts';
export { connect, SeatActorClient } from './client.ts';
export type { ClientErrorCode } from './errors.ts';
export { SeatActorError } from './errors.ts';
export type { LiveSeatMapEvents, LiveSeatMapStats, ResyncInfo } from './liveSeatMap.ts';
export { LiveSeatMap } from './liveSeatMap.ts';
export type { OpenSessionOptions, SessionOptions, SessionStore } from './session.ts';
export { createSession, openSession } from './session.ts';
export type { StartOptions } from './start.ts';
export { start } from './start.ts';
export { decodeStatuses, layoutSeatIds } from './statusForm.ts';
export type { VerifiedTicket } from './tickets.ts';
export { verifyTicketCode } from './tickets.ts';
