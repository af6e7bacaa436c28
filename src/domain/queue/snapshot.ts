import { EntryUsers } from './entryUsers.ts';
import { assertQueueSound } from './invariants.ts';
import { type RateWindow, rateBucketsCount } from './rateWindow.ts';
import { entryStatus, entryStatusNames, initialQueueState, type QueueState, type RoomSettings } from './state.ts';

/** 1: the first form. A snapshot of another format is refused; the actor then replays the stream instead. */
export const queueSnapshotFormat = 1;

/**
 * The room as JSON-ready data. Only what cannot be derived is kept: user ids one per line (about 19 bytes an entry),
 * statuses and the line as base64 (1 and 4 bytes an entry). Slots, the tree, the counts and the buyer index are
 * rebuilt on load, and the result is checked before anyone uses it.
 */
export type QueueSnapshot = Readonly<{
  format: number;
  room: RoomSettings | null;
  engaged: boolean;
  shuffled: boolean;
  shuffledCount: number;
  soldOut: boolean;
  entries: number;
  userIds: string;
  status: string;
  line: string;
  /** Which entries were sent to the back (1 byte an entry, base64); absent in snapshots taken before it existed. */
  atBack?: string;
  /** [entry, expiresAt] in admission order. */
  admitted: readonly (readonly [number, number])[];
  admittedTotal: number;
  admissionRate: RateWindow;
  finishRate: RateWindow;
  paceCredit: number;
  paceAt: number;
  replacementsOwed: number;
}>;

const toBase64 = (array: ArrayBufferView): string =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

const bytesOf = (text: string): Buffer => Buffer.from(text, 'base64');

export const toQueueSnapshot = (state: QueueState): QueueSnapshot => {
  const entries = state.users.count;
  return {
    format: queueSnapshotFormat,
    room: state.room ?? null,
    engaged: state.engaged,
    shuffled: state.shuffled,
    shuffledCount: state.shuffledCount,
    soldOut: state.soldOut,
    entries,
    userIds: state.users.toLines(),
    status: toBase64(state.status.subarray(0, entries)),
    line: toBase64(state.line.subarray(0, state.lineLength)),
    atBack: toBase64(state.atBack.subarray(0, entries)),
    admitted: [...state.admitted],
    admittedTotal: state.admittedTotal,
    admissionRate: { ...state.admissionRate, counts: [...state.admissionRate.counts] },
    finishRate: { ...state.finishRate, counts: [...state.finishRate.counts] },
    paceCredit: state.paceCredit,
    paceAt: state.paceAt,
    replacementsOwed: state.replacementsOwed,
  };
};

/** Rebuilds the room from a snapshot and checks every invariant; a snapshot that fails is an error, never used. */
export const fromQueueSnapshot = (snapshot: QueueSnapshot): QueueState => {
  if (snapshot.format !== queueSnapshotFormat) {
    throw new Error(`waiting room snapshot format ${snapshot.format} is not ${queueSnapshotFormat}`);
  }
  const users = EntryUsers.fromLines(snapshot.userIds);
  if (users.count !== snapshot.entries)
    throw new Error(`snapshot lists ${users.count} user ids for ${snapshot.entries}`);
  const statusBytes = bytesOf(snapshot.status);
  const atBackBytes = snapshot.atBack === undefined ? Buffer.alloc(snapshot.entries) : bytesOf(snapshot.atBack);
  if (atBackBytes.length !== snapshot.entries) throw new Error('snapshot atBack column has the wrong length');
  const lineBytes = bytesOf(snapshot.line);
  if (statusBytes.length !== snapshot.entries || lineBytes.length % 4 !== 0) {
    throw new Error('snapshot columns have the wrong length');
  }
  const state: QueueState = { ...initialQueueState(), users };
  let capacity = 1024;
  while (capacity < snapshot.entries) capacity *= 2;
  state.status = new Uint8Array(capacity);
  state.status.set(statusBytes);
  state.atBack = new Uint8Array(capacity);
  state.atBack.set(atBackBytes);
  state.slotOf = new Int32Array(capacity).fill(-1, 0, snapshot.entries);
  const lineLength = lineBytes.length / 4;
  let lineCapacity = 1024;
  while (lineCapacity < lineLength) lineCapacity *= 2;
  state.line = new Int32Array(lineCapacity);
  const lineView = new DataView(lineBytes.buffer, lineBytes.byteOffset, lineBytes.byteLength);
  const queued = new Uint8Array(lineLength);
  const queuedBack = new Uint8Array(lineLength);
  for (let slot = 0; slot < lineLength; slot++) {
    const entry = lineView.getInt32(slot * 4, true);
    if (entry < 0 || entry >= snapshot.entries) throw new Error(`snapshot line names unknown entry ${entry}`);
    state.line[slot] = entry;
    state.slotOf[entry] = slot;
    queued[slot] = statusBytes[entry] === entryStatus.queued ? 1 : 0;
    queuedBack[slot] = queued[slot]! & atBackBytes[entry]!;
  }
  state.lineLength = lineLength;
  state.waiting.reset(queued);
  state.waitingBack.reset(queuedBack);
  for (let entry = 0; entry < snapshot.entries; entry++) {
    const code = statusBytes[entry]!;
    if (code >= entryStatusNames.length) throw new Error(`snapshot entry q${entry} has unknown status ${code}`);
    state.counts[code]! += 1;
  }
  for (const [entry, expiresAt] of snapshot.admitted) state.admitted.set(entry, expiresAt);
  state.room = snapshot.room ?? undefined;
  state.engaged = snapshot.engaged;
  state.shuffled = snapshot.shuffled;
  state.shuffledCount = snapshot.shuffledCount;
  state.soldOut = snapshot.soldOut;
  state.admittedTotal = snapshot.admittedTotal;
  restoreWindow(state.admissionRate, snapshot.admissionRate);
  restoreWindow(state.finishRate, snapshot.finishRate);
  state.paceCredit = snapshot.paceCredit;
  state.paceAt = snapshot.paceAt;
  state.replacementsOwed = snapshot.replacementsOwed;
  assertQueueSound(state);
  return state;
};

const restoreWindow = (into: RateWindow, from: RateWindow): void => {
  if (from.counts.length !== rateBucketsCount) throw new Error('snapshot rate window has the wrong size');
  into.counts.splice(0, rateBucketsCount, ...from.counts);
  into.newestAt = from.newestAt;
  into.since = from.since;
};
