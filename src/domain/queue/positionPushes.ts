import { etaSecondsOf } from './admission.ts';
import { grow } from './entryUsers.ts';
import { queueIdOf } from './shuffle.ts';
import { entryCount, positionOf, type QueueState } from './state.ts';

/**
 * Which waiting buyers get a `queue:position` push this tick. A push goes out only when a buyer's position changed
 * meaningfully, that is when its bucket changed: every position up to 100 is its own bucket; beyond, positions
 * with the same two leading digits share one (101–109, 110–119, ..., 1,000–1,099, ..., 990,000–999,999), so a buyer
 * far back hears of every 1–10 % of progress, and one near the head of every step.
 *
 * The work per tick is bounded however long the line: the head (`headSlotsPerTick` slots from the first buyer
 * waiting) is looked at every tick, and a round-robin sweep looks at the next `sweepSlotsPerTick` slots behind it,
 * so a buyer far back is looked at once per sweep of the line (50 ticks for a million at 20,000 a tick) — far
 * sooner than their bucket can change. Each look is O(1) after one O(log n) prefix sum per run of slots.
 */
export type PositionPushPolicy = Readonly<{ headSlotsPerTick: number; sweepSlotsPerTick: number }>;

export const positionPushPolicyDefault: PositionPushPolicy = { headSlotsPerTick: 2_000, sweepSlotsPerTick: 20_000 };

export type PositionPush = Readonly<{ queueId: string; userId: string; position: number; etaSeconds: number }>;

export const exactPositionsMax = 100;

/** The bucket of a 1-based position (see above); buckets never increase as a buyer moves forward. */
export const positionBucket = (position: number): number => {
  if (position <= exactPositionsMax) return position;
  let scale = 1;
  let digits = 1;
  while (position >= scale * 10) {
    scale *= 10;
    digits += 1;
  }
  const leadingTwo = Math.floor(position / (scale / 10));
  return exactPositionsMax + 90 * (digits - 3) + (leadingTwo - 10) + 1;
};

/**
 * What the shell keeps between ticks beside the room: the bucket each entry was last told, and where the sweep
 * goes on. Not durable, and need not be: after a restart every waiting buyer is told their position once more.
 */
export class PositionPushCursor {
  private lastBucket = new Uint16Array(1024);
  nextSlot = 0;

  /** The shell told the buyer their position some other way (the join answer): no push for the same bucket. */
  note(entry: number, position: number): void {
    this.ensure(entry);
    this.lastBucket[entry] = positionBucket(position);
  }

  /** True, and remembered, when the entry's bucket changed since it was last told. */
  changed(entry: number, position: number): boolean {
    this.ensure(entry);
    const bucket = positionBucket(position);
    if (this.lastBucket[entry] === bucket) return false;
    this.lastBucket[entry] = bucket;
    return true;
  }

  get footprintBytes(): number {
    return this.lastBucket.byteLength;
  }

  private ensure(entry: number): void {
    if (entry < this.lastBucket.length) return;
    let length = this.lastBucket.length;
    while (length <= entry) length *= 2;
    this.lastBucket = grow(this.lastBucket, length);
  }
}

/**
 * This tick's position pushes: deterministic for a given state and cursor, which it advances. Returns at most
 * `headSlotsPerTick + sweepSlotsPerTick` pushes; entries not queued (pre-queue, admitted, ended) are skipped.
 */
export const positionPushes = (
  state: QueueState,
  cursor: PositionPushCursor,
  now: number,
  policy: PositionPushPolicy = positionPushPolicyDefault,
): PositionPush[] => {
  const pushes: PositionPush[] = [];
  const headSlot = state.waiting.select(1);
  if (headSlot < 0 || entryCount(state) === 0) return pushes;
  const headEnd = Math.min(state.lineLength, headSlot + policy.headSlotsPerTick);
  visit(state, cursor, now, headSlot, headEnd, pushes);
  let from = Math.max(cursor.nextSlot, headEnd);
  if (from >= state.lineLength) from = headEnd;
  const to = Math.min(state.lineLength, from + policy.sweepSlotsPerTick);
  visit(state, cursor, now, from, to, pushes);
  cursor.nextSlot = to >= state.lineLength ? 0 : to;
  return pushes;
};

const visit = (
  state: QueueState,
  cursor: PositionPushCursor,
  now: number,
  from: number,
  to: number,
  pushes: PositionPush[],
): void => {
  for (let slot = from; slot < to; slot++) {
    const entry = state.line[slot]!;
    // Two lanes (entries sent to the back count behind the whole front lane), so each position is its own prefix.
    const position = positionOf(state, entry);
    if (position === undefined) continue;
    if (!cursor.changed(entry, position)) continue;
    const userId = state.users.userIdOf(entry);
    pushes.push({ queueId: queueIdOf(entry), userId, position, etaSeconds: etaSecondsOf(state, position, now) });
  }
};
