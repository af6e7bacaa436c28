/**
 * The waiting room's core: what the event actor and the gateway may use. Everything else in this folder is an
 * implementation detail. The actor runs it beside the inventory, on one log and one batch (see docs/architecture.md
 * when it lands, and the integration notes of issue 10):
 *
 * - state: `initialQueueState()`, then `evolveQueue` for every queue event of the stream (`isQueueEvent` tells them
 *   from the inventory's), or `fromQueueSnapshot`;
 * - commands: `decideQueue(command, state)` → events, or a BookingError with a stable code;
 * - answers and pages: `queueEntryOf`, `admissionOf`, `isRoomEngaged`, `fairnessRecord`, `queueStats`;
 * - timers: `nextQueueTimerAt`; pushes per tick: `positionPushes` with a `PositionPushCursor`;
 * - checks: `queueViolations` / `assertQueueSound`; verification of a published record: `verifyFairness`.
 */
export { lapsingWithinMsDefault } from './admission.ts';
export type {
  AdmitNext,
  DeclareSoldOut,
  EngageRoom,
  ExpireAdmissions,
  FinishAdmission,
  JoinQueue,
  LeaveQueue,
  QueueCommand,
  ReleaseRoom,
  SetUpRoom,
  ShufflePreQueue,
  Stock,
} from './commands.ts';
export { decideQueue } from './decide.ts';
export { isQueueEvent, type QueueEvent } from './events.ts';
export { evolveQueue, evolveQueueAll } from './evolve.ts';
export { assertQueueSound, queueViolations } from './invariants.ts';
export {
  type PositionPush,
  PositionPushCursor,
  type PositionPushPolicy,
  positionPushes,
  positionPushPolicyDefault,
} from './positionPushes.ts';
export {
  admissionOf,
  type FairnessRecord,
  fairnessRecord,
  isRoomEngaged,
  nextQueueTimerAt,
  type QueueEntryView,
  type QueueStats,
  queueEntryOf,
  queueStats,
} from './read.ts';
export { type RoomConfig, type RoomConfigInput, roomConfigOf } from './room.ts';
export {
  commitmentOf,
  entryOfQueueId,
  isSeedHex,
  queueIdOf,
  recomputeOrder,
  seedBytesLength,
  shuffleAlgorithm,
  verifyFairness,
} from './shuffle.ts';
export { fromQueueSnapshot, type QueueSnapshot, toQueueSnapshot } from './snapshot.ts';
export { type EntryStatus, initialQueueState, type QueueState } from './state.ts';
