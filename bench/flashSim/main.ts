/**
 * `npm run sim:flash` — the flash-sale simulation with 70 % bots (bench/flashSim/sim.ts) — prints its report.
 *
 *   npm run sim:flash -- [--quick] [--humans 150] [--seed 11] [--antibot on|off] [--no-signals] [--no-room]
 *                        [--pow-slowdown 1.5] [--pow-difficulty-max N] [--back-of-room medium|high|never]
 *                        [--held-back-seconds S] [--mix naive=0.5,farmer=0.3,smart=0.2,proxy=0] [--json report.json]
 *
 * By default the sale has a waiting room and every client sends behavioural signals (as the page does);
 * `--no-signals` and `--no-room` run the same sale without them, for comparison. `--pow-difficulty-max 5000` (the
 * resting difficulty) keeps the proof of work from growing, so the bots' one process solves everything it is asked and
 * the rest of the front door is what holds them back (the fair contest, docs/benchmarks.md); `--back-of-room never`
 * turns off the risk stage's one sanction at this event (the score is still computed and reported).
 * SIM_DEBUG=1 prints each agent's first refusal of each kind with its message.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fullSim, quickSim, runSim, type SimReport } from './sim.ts';
import { type BotStrategy, botStrategies } from './strategies.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    humans: { type: 'string' },
    seed: { type: 'string' },
    antibot: { type: 'string' },
    'no-signals': { type: 'boolean', default: false },
    'no-room': { type: 'boolean', default: false },
    'pow-slowdown': { type: 'string' },
    'pow-difficulty-max': { type: 'string' },
    'back-of-room': { type: 'string' },
    'held-back-seconds': { type: 'string' },
    mix: { type: 'string' },
    json: { type: 'string' },
  },
});

const base = values.quick ? quickSim : fullSim;

/** `naive=0.4,proxy=0.6`: each strategy's share of the bots (strategies not named get none); they must add up to 1. */
const mixOf = (text: string): Record<BotStrategy, number> => {
  const mix = Object.fromEntries(botStrategies.map((strategy) => [strategy, 0])) as Record<BotStrategy, number>;
  for (const part of text.split(',')) {
    const [name, share] = part.split('=');
    if (!botStrategies.includes(name as BotStrategy) || !(Number(share) >= 0)) {
      throw new Error(`--mix: "${part}" is not strategy=share (strategies: ${botStrategies.join(', ')})`);
    }
    mix[name as BotStrategy] = Number(share);
  }
  const total = Object.values(mix).reduce((sum, share) => sum + share, 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`--mix: the shares add up to ${total}, not 1`);
  return mix;
};
const options = {
  ...base,
  ...(values.humans === undefined ? {} : { humans: Number(values.humans) }),
  ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  ...(values.antibot === 'off' ? { antibot: 'off' as const } : {}),
  ...(values['pow-slowdown'] === undefined ? {} : { humanPowSlowdown: Number(values['pow-slowdown']) }),
  // A cap on the work the server asks for (its POW_DIFFICULTY_MAX): with a low one the bots' own process never runs
  // out of time solving, so what holds them back is the rest of the front door.
  ...(values['pow-difficulty-max'] === undefined
    ? {}
    : { serverEnv: { ...base.serverEnv, POW_DIFFICULTY_MAX: values['pow-difficulty-max'] } }),
  ...(values['back-of-room'] === undefined
    ? {}
    : { backOfRoomFrom: values['back-of-room'] as 'medium' | 'high' | 'never' }),
  ...(values.mix === undefined ? {} : { botMix: mixOf(values.mix) }),
  ...(values['held-back-seconds'] === undefined ? {} : { riskyHeldBackSeconds: Number(values['held-back-seconds']) }),
  sendSignals: !values['no-signals'],
  waitingRoom: !values['no-room'],
};

const delay = (d: SimReport['loopDelayMs']['bots']) => (d === null ? 'n/a' : `${d.p50} / ${d.p99} / ${d.max}`);

const percent = (share: number | null) => (share === null ? 'n/a' : `${(share * 100).toFixed(1)} %`);

export const summary = (report: SimReport): string =>
  [
    `flash sale: ${report.seats} seats, ${report.humans} humans, ${report.bots} bots (${Math.round(
      (report.bots / (report.humans + report.bots)) * 100,
    )} %), ANTIBOT=${report.options.antibot}, seed ${report.options.seed}, ${report.saleSeconds} s of sale, ` +
      `waiting room ${report.options.waitingRoom ? 'on' : 'off'}, signals ${report.options.sendSignals ? 'on' : 'off'}, ` +
      `back of the room from ${report.options.backOfRoomFrom ?? 'high (default)'}, ` +
      `held back ${report.options.riskyHeldBackSeconds ?? '120 (default)'} s, ` +
      `POW_DIFFICULTY_MAX ${report.options.serverEnv.POW_DIFFICULTY_MAX ?? 'default'}`,
    `  seats paid: ${report.seatsPaid} (sold on the server: ${report.soldOnServer}); humans ${report.seatsPaidByHumans}`,
    `  humans' share of tickets: ${percent(report.humanTicketShare)} (goal ≥ 95 %)`,
    `  humans with tickets: ${report.humansWithTickets} of ${report.humans}; empty-handed although seats were on sale when they arrived: ${percent(report.humansEmptyHandedWithStockShare)}`,
    `  humans' median time to a hold: ${report.humanTimeToHoldMedianMs ?? 'n/a'} ms (includes 1–5 s of thinking); humans' mean proof of work: ${report.humanPowMsMean ?? 'none asked'} ms`,
    `  oversold: ${report.oversold}`,
    `  agents processes' event-loop delay p50 / p99 / max ms: humans ${delay(report.loopDelayMs.humans)}, bots ${delay(report.loopDelayMs.bots)}`,
    `  humans' refusals: ${JSON.stringify(report.humanRefusalsByCode)}`,
    '  bots refused, by stage:',
    ...Object.entries(report.botRefusalsByStage).map(([stage, n]) => `    ${stage}: ${n}`),
    '  by strategy (agents, sessions, connections, room joins, admitted, holds, seats paid, PoW solves / mean ms):',
    ...Object.entries(report.byStrategy).map(
      ([strategy, s]) =>
        `    ${strategy}: ${s.agents}, ${s.sessions}, ${s.connections}, ${s.joins}, ${s.admissions}, ${s.holds}, ${s.seatsPaid}, ${s.powSolves} / ${s.powMsMean ?? '-'}`,
    ),
    `  bots' refusals by code: ${JSON.stringify(report.botRefusalsByCode)}`,
    `  the server's risk view: ${JSON.stringify(report.serverRisk)}`,
  ].join('\n');

const started = Date.now();
const report = await runSim(options, (line) => console.log(line));
console.log(summary(report));
console.log(`(${Math.round((Date.now() - started) / 1000)} s in all, server start included)`);
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
