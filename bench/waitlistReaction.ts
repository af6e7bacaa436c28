/**
 * What the waitlist costs the event actor, in process, side by side with the inventory alone on the same sold-out
 * venue: a buyer's hold refused SOLD_OUT (the hot path under a sold-out rush), a release whose seats go to the line
 * (or back on sale without a line), and a release that fits nobody (a full pass over the line). With a line of
 * `--entries` of mixed requests, once as joined (no entry protected) and once with every entry protected (the
 * starvation rule at its most expensive: overtakesMax 0). Prints per-operation figures and ratios; writes
 * bench/results/waitlistReaction.json.
 *
 *   npx tsx bench/waitlistReaction.ts [--rows 200] [--seats-per-row 100] [--entries 1000] [--ops 400]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { InventoryCommand } from '../src/domain/seatMap/commands.ts';
import { decide } from '../src/domain/seatMap/decide.ts';
import type { InventoryEvent } from '../src/domain/seatMap/events.ts';
import { evolve } from '../src/domain/seatMap/evolve.ts';
import type { EventConfig, Venue } from '../src/domain/venue.ts';
import type { WaitlistRequest } from '../src/domain/waitlist/commands.ts';
import { handle } from '../src/domain/waitlist/eventDecider.ts';
import { type EventState, evolveEvent, initialEventState } from '../src/domain/waitlist/eventState.ts';
import { waitlistPolicyDefault } from '../src/domain/waitlist/state.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200' },
    'seats-per-row': { type: 'string', default: '100' },
    entries: { type: 'string', default: '1000' },
    ops: { type: 'string', default: '400' },
  },
});
const rows = Number(values.rows);
const seatsPerRow = Number(values['seats-per-row']);
const entryCount = Number(values.entries);
const ops = Number(values.ops);
const pitCapacity = 2_000;

const venue: Venue = {
  id: 'bench-venue',
  name: 'Bench Arena',
  sections: [
    {
      id: 'MAIN',
      name: 'Main',
      kind: 'seated',
      rows: Array.from({ length: rows }, (_, r) => ({
        id: `R${r}`,
        seats: Array.from({ length: seatsPerRow }, (_, s) => ({
          id: `M-${r}-${s}`,
          priceTier: r < rows / 4 ? 'premium' : 'standard',
        })),
      })),
    },
    { id: 'PIT', name: 'Pit', kind: 'general', capacity: pitCapacity, priceTier: 'ga' },
  ],
};
const T0 = Date.UTC(2030, 0, 1);
const config: EventConfig = {
  id: 'bench-event',
  venueId: venue.id,
  name: 'Bench Night',
  startsAt: '2030-02-01T19:00:00.000Z',
  priceTiers: {
    premium: { amount: 9000, currency: 'EUR' },
    standard: { amount: 5000, currency: 'EUR' },
    ga: { amount: 3000, currency: 'EUR' },
  },
  holdTtlSeconds: 480,
  paymentTimeoutSeconds: 600,
  maxSeatsPerUser: 4,
  saleStartsAtMs: T0,
  waitlistOfferSeconds: 600,
};

/** A small seeded generator, so every run measures the same line. */
const random = (() => {
  let state = 0x9e3779b9;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
})();

/**
 * The venue sold out: every seat in holds of up to 4 (one buyer each) and the pit in holds of 4. Holds whose index is
 * in `keepHeld` stay held (they are released during the run); the others are sold. Events applied straight through
 * evolve, as a replay would.
 */
const soldOut = (state: EventState, keepHeldEvery: number): string[] => {
  const held: string[] = [];
  let n = 0;
  const place = (seatIds: string[], quantity: number, sectionId?: string) => {
    const holdId = `s${n}`;
    const userId = `b${n}`;
    n += 1;
    const data = { holdId, userId, seatIds, quantity, ...(sectionId === undefined ? {} : { sectionId }), at: T0 };
    const events: InventoryEvent[] = [
      { type: 'HoldPlaced', data: { ...data, requestId: holdId, expiresAt: T0 + 480_000 } },
    ];
    if (n % keepHeldEvery === 0) held.push(holdId);
    else
      events.push(
        { type: 'HoldReserved', data: { ...data, orderId: `o${n}`, requestId: `p${n}`, reservedUntil: T0 + 600_000 } },
        { type: 'ReservationSold', data: { ...data, orderId: `o${n}` } },
      );
    for (const event of events) evolveEvent(state, event);
  };
  for (let r = 0; r < rows; r++)
    for (let s = 0; s < seatsPerRow; s += 4)
      place(
        Array.from({ length: Math.min(4, seatsPerRow - s) }, (_, i) => `M-${r}-${s + i}`),
        Math.min(4, seatsPerRow - s),
      );
  for (let p = 0; p < pitCapacity; p += 4) place([], 4, 'PIT');
  return held;
};

const requestOf = (): WaitlistRequest => {
  const roll = random();
  if (roll < 0.1) return { quantity: 1 + Math.floor(random() * 4), sectionId: 'PIT', together: false };
  const tier = roll < 0.3 ? 'premium' : roll < 0.5 ? 'standard' : undefined;
  return {
    quantity: 1 + Math.floor(random() * 4),
    ...(random() < 0.5 ? { sectionId: 'MAIN' } : {}),
    ...(tier === undefined ? {} : { priceTier: tier }),
    together: random() < 0.5,
  };
};

type Figures = { meanUs: number; p50Us: number; p99Us: number; maxUs: number };
const figures = (samples: number[]): Figures => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000);
  return {
    meanUs: Math.round((samples.reduce((sum, x) => sum + x, 0) / samples.length) * 1000),
    p50Us: at(0.5),
    p99Us: at(0.99),
    maxUs: Math.round(sorted.at(-1)! * 1000),
  };
};
const time = (run: () => void): number => {
  const start = performance.now();
  run();
  return performance.now() - start;
};

type Scenario = { name: string; overtakesMax: number; line: boolean };
const scenarios: Scenario[] = [
  { name: 'inventory alone', overtakesMax: waitlistPolicyDefault.overtakesMax, line: false },
  { name: `line of ${entryCount}`, overtakesMax: waitlistPolicyDefault.overtakesMax, line: true },
  { name: `line of ${entryCount}, all protected`, overtakesMax: 0, line: true },
];

const results: Record<string, Record<string, Figures | number>> = {};
for (const scenario of scenarios) {
  const state = initialEventState(venue, config, { ...waitlistPolicyDefault, overtakesMax: scenario.overtakesMax });
  // One hold in eight stays held, so there is plenty to release.
  const held = soldOut(state, 8);
  let now = T0 + 1_000;
  let joined = 0;
  if (scenario.line) {
    for (let i = 0; joined < entryCount && i < entryCount * 4; i++) {
      const handled = handle(state, {
        type: 'JoinWaitlist',
        data: { entryId: `e${i}`, userId: `w${i}`, requestId: `j${i}`, request: requestOf(), now },
      });
      if (handled.rejection === undefined) joined += 1;
    }
  }
  // A buyer's hold refused SOLD_OUT: through handle with a line (expiry check, reaction), through decide alone without.
  // The first quarter warms the JIT up and is not counted.
  const warmUp = Math.floor(ops / 4);
  const refused: number[] = [];
  for (let i = -warmUp; i < ops; i++) {
    const command: InventoryCommand = {
      type: 'PlaceHold',
      data: {
        holdId: `x${i}`,
        userId: `x${i}`,
        requestId: `x${i}`,
        request: { kind: 'bestAvailable', quantity: 2 },
        now,
      },
    };
    const took = time(() => {
      if (scenario.line) handle(state, command);
      else {
        try {
          decide(command, state.inventory);
        } catch {}
      }
    });
    if (i >= 0) refused.push(took);
  }
  // Releases: seats come back; with a line they are offered (or gathered) in the same step.
  const releases: number[] = [];
  let offers = 0;
  let gathers = 0;
  for (let i = -warmUp; i < ops && held.length > 0; i++) {
    now += 10;
    const holdId = held.shift()!;
    const command: InventoryCommand = {
      type: 'ReleaseHold',
      data: { holdId, userId: `b${holdId.slice(1)}`, requestId: `r${i}`, now },
    };
    const took = time(() => {
      if (scenario.line) {
        const { events } = handle(state, command);
        for (const event of events) {
          if (event.type === 'WaitlistOffered') offers += 1;
          if (event.type === 'WaitlistSeatsGathered') gathers += 1;
        }
      } else for (const event of decide(command, state.inventory)) evolve(state.inventory, event);
    });
    if (i >= 0) releases.push(took);
  }
  results[scenario.name] = {
    entries: joined,
    refusedHold: figures(refused),
    release: figures(releases),
    offers,
    gathers,
    waitingAfter: state.waitlist.waiting,
  };
}

const base = results['inventory alone']!;
const ratio = (name: string, key: 'refusedHold' | 'release') =>
  Math.round(((results[name]![key] as Figures).meanUs / (base[key] as Figures).meanUs) * 10) / 10;
const summary = {
  venue: { seats: rows * seatsPerRow, pitCapacity },
  entries: entryCount,
  ops,
  node: process.version,
  results,
  ratios: Object.fromEntries(
    scenarios
      .slice(1)
      .map((scenario) => [
        scenario.name,
        { refusedHold: ratio(scenario.name, 'refusedHold'), release: ratio(scenario.name, 'release') },
      ]),
  ),
};
for (const [name, result] of Object.entries(results)) {
  const refusedHold = result.refusedHold as Figures;
  const release = result.release as Figures;
  console.log(
    `${name.padEnd(34)} refused hold mean ${refusedHold.meanUs} µs p99 ${refusedHold.p99Us} µs · release mean ${release.meanUs} µs p99 ${release.p99Us} µs max ${release.maxUs} µs · offers ${result.offers} gathers ${result.gathers}`,
  );
}
console.log(JSON.stringify(summary.ratios));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/waitlistReaction.json', `${JSON.stringify(summary, null, 2)}\n`);
