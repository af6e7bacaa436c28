/**
 * The flash-sale simulation with 70 % bots (issue #11): a real server process (`src/main.ts`, as `npm start`, on the
 * embedded database, with the deployment's default front door), a sale of a few hundred seats, and real socket
 * clients through the SDK: people and bots of several strategies (bench/flashSim/strategies.ts), in two forked
 * processes. It runs on wall time (a benchmark, not a unit test) and is bounded: quick mode is about 40 s of sale.
 *
 * The report: the humans' share of tickets (paid seats), the share of humans who got nothing although seats were on
 * sale when they arrived, the humans' median time to a hold, bots' refusals by front-door stage, and oversold seats.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../../test/support/api.ts';
import { adminToken, startServerProcess } from '../../test/support/serverProcess.ts';
import type { AgentSpec, AgentsResult, AgentsTask, LoopDelay } from './agentsProcess.ts';
import { type AgentRecord, type BotStrategy, botStrategies, randomFrom, type SaleContext } from './strategies.ts';

export type SimOptions = Readonly<{
  rows: number;
  seatsPerRow: number;
  humans: number;
  /** Share of all clients that are bots (0.7 = 70 %). */
  botShare: number;
  /** Share of each strategy among the bots. */
  botMix: Readonly<Record<BotStrategy, number>>;
  /** Bot operators behind one address. */
  botsPerAddress: number;
  maxSeatsPerUser: number;
  /** From the agents' start to the opening: bots mint their sessions meanwhile. */
  leadMs: number;
  /** Humans arrive uniformly from 3 s before the opening to this long after it. */
  humanArrivalMs: number;
  /** From the opening until agents start nothing new. */
  saleMs: number;
  humanPowSlowdown: number;
  /** The server's ANTIBOT (`on` is the deployment default). */
  antibot: 'on' | 'off';
  /** Extra server environment (e.g. POW_* settings). */
  serverEnv: Readonly<Record<string, string>>;
  sendSignals: boolean;
  /** The event has a waiting room (pre-queue from its creation): everyone joins it before holding. */
  waitingRoom: boolean;
  /** The event's `antibot.backOfRoomFrom` (absent: the deployment's default, `high`); `never` turns the back off. */
  backOfRoomFrom?: 'medium' | 'high' | 'never';
  /** The event's `waitingRoom.riskyHeldBackSeconds` (absent: the default, 120). */
  riskyHeldBackSeconds?: number;
  seed: number;
}>;

/**
 * The venues are a little smaller than what the humans alone ask for (quick: 45 people asking for 1–4 seats, about
 * 105 in all, for 100 seats; full: 150 people, about 350, for 300): every seat a bot pays for is one a person wanted,
 * and a bot kept waiting until the people are done finds the sale sold out, however long the run.
 */
export const quickSim: SimOptions = {
  rows: 5,
  seatsPerRow: 20,
  humans: 45,
  botShare: 0.7,
  botMix: { naive: 0.5, farmer: 0.3, smart: 0.2, proxy: 0 },
  botsPerAddress: 5,
  maxSeatsPerUser: 4,
  leadMs: 6_000,
  humanArrivalMs: 8_000,
  saleMs: 30_000,
  humanPowSlowdown: 1.5,
  antibot: 'on',
  serverEnv: {},
  sendSignals: true,
  waitingRoom: true,
  seed: 11,
};

export const fullSim: SimOptions = {
  ...quickSim,
  rows: 15,
  seatsPerRow: 20,
  humans: 150,
  leadMs: 15_000,
  humanArrivalMs: 20_000,
  saleMs: 75_000,
};

export type StrategyReport = Readonly<{
  agents: number;
  sessions: number;
  connections: number;
  /** Waiting-room joins the server took, and admissions from the room (sessions that could hold). */
  joins: number;
  admissions: number;
  holds: number;
  seatsPaid: number;
  powSolves: number;
  powMsMean: number | null;
}>;

export type SimReport = Readonly<{
  options: SimOptions;
  seats: number;
  humans: number;
  bots: number;
  seatsPaid: number;
  seatsPaidByHumans: number;
  /** Paid seats that went to humans, of all paid seats (goal ≥ 0.95); null when nothing was paid. */
  humanTicketShare: number | null;
  /** Humans who saw seats on sale when they arrived and ended with none, of all humans. */
  humansEmptyHandedWithStockShare: number;
  humansWithTickets: number;
  /** From the moment a human could act (arrival, or the opening if earlier) to their first hold. */
  humanTimeToHoldMedianMs: number | null;
  humanPowMsMean: number | null;
  /** Bots' refusals, by the stage that refused them, and by what was asked and the code. */
  botRefusalsByStage: Readonly<Record<string, number>>;
  botRefusalsByCode: Readonly<Record<string, number>>;
  humanRefusalsByCode: Readonly<Record<string, number>>;
  byStrategy: Readonly<Record<string, StrategyReport>>;
  /** Seats acknowledged to two holds (none is released in the simulation) or paid by two orders. */
  oversold: number;
  /** Sold seats on the server's seat map at the end, against the paid seats the clients saw. */
  soldOnServer: number;
  saleSeconds: number;
  /** The server's own view (GET /v1/events/:id/risk): sessions by risk band, sent to the back, refusals by stage. */
  serverRisk: unknown;
  /** How late each agents process's event loop ran: a starved bots' process loses on its own, not to the front door. */
  loopDelayMs: Readonly<{ humans: LoopDelay | null; bots: LoopDelay | null }>;
}>;

/** The front-door stage a refusal code comes from. */
export const stageOf = (code: string): string => {
  switch (code) {
    case 'CHALLENGE_REQUIRED':
      return 'challenge (proof of work)';
    case 'RATE_LIMITED':
      return 'limits (address, user, device, connection)';
    case 'NOT_ADMITTED':
      return 'admission (waiting room)';
    case 'HOLD_LIMIT':
      return 'actor: per-user hold limit';
    case 'PURCHASE_LIMIT':
      return 'actor: purchase limit (card, household)';
    case 'SOLD_OUT':
    case 'SEAT_UNAVAILABLE':
      return 'inventory (lost the race, not a refusal)';
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return 'identify';
    default:
      return `other (${code})`;
  }
};

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const mean = (total: number, count: number): number | null => (count === 0 ? null : Math.round(total / count));

/** The seated-only venue of the sale (best available never lands in a general-admission section). */
const venueOf = (rows: number, seatsPerRow: number) => ({
  name: 'Flash Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated',
      rows: Array.from({ length: rows }, (_, r) => ({
        id: `R${r + 1}`,
        seats: Array.from({ length: seatsPerRow }, (_, s) => ({ id: `ORCH-${r + 1}-${s + 1}`, priceTier: 'S' })),
      })),
    },
  ],
});

/** Who takes part: humans with their arrival instants, bot operators with strategies and shared addresses. */
export const planAgents = (options: SimOptions, opensAt: number): { humans: AgentSpec[]; bots: AgentSpec[] } => {
  const random = randomFrom(options.seed);
  const humans: AgentSpec[] = Array.from({ length: options.humans }, (_, index) => ({
    kind: 'human',
    index,
    arriveAt: Math.round(opensAt - 3_000 + random.next() * (options.humanArrivalMs + 3_000)),
    seed: options.seed * 1_000 + index,
  }));
  const botCount = Math.round((options.humans * options.botShare) / (1 - options.botShare));
  const bots: AgentSpec[] = [];
  let index = 0;
  for (const strategy of botStrategies) {
    const count = Math.round(botCount * options.botMix[strategy]);
    for (let i = 0; i < count && bots.length < botCount; i++, index++) {
      const operatorAddress = Math.floor(index / options.botsPerAddress);
      bots.push({
        kind: 'bot',
        strategy,
        index,
        address: `10.9.${(operatorAddress >> 8) & 255}.${operatorAddress & 255}`,
        seed: options.seed * 7_919 + index,
      });
    }
  }
  return { humans, bots };
};

/** A forked process of agents, loaded and waiting for its task. */
const forkAgents = async (): Promise<ChildProcess> => {
  const child = fork(new URL('./agentsProcess.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message');
  return child;
};

const runAgents = (child: ChildProcess, sale: SaleContext, agents: AgentSpec[]): Promise<AgentsResult> => {
  const done = new Promise<AgentsResult>((resolve, reject) => {
    child.once('message', (result) => resolve(result as AgentsResult));
    child.once('exit', (code) => reject(new Error(`agents process exited with ${code} before reporting`)));
  });
  const task: AgentsTask = { sale, agents };
  child.send(task);
  return done;
};

export const report = (
  options: SimOptions,
  seats: number,
  records: readonly AgentRecord[],
  soldOnServer: number,
  opensAt: number,
  serverRisk: unknown = null,
  loopDelayMs: SimReport['loopDelayMs'] = { humans: null, bots: null },
): SimReport => {
  const humans = records.filter((record) => record.kind === 'human');
  const bots = records.filter((record) => record.kind === 'bot');
  const seatsOf = (list: readonly AgentRecord[]) =>
    list.reduce((sum, record) => sum + record.paid.reduce((s, order) => s + order.quantity, 0), 0);
  const seatsPaid = seatsOf(records);
  const seatsPaidByHumans = seatsOf(humans);
  const holdsBySeat = new Map<string, number>();
  const paidBySeat = new Map<string, number>();
  for (const record of records) {
    for (const hold of record.holds)
      for (const seatId of hold.seatIds) holdsBySeat.set(seatId, (holdsBySeat.get(seatId) ?? 0) + 1);
    for (const order of record.paid)
      for (const seatId of order.seatIds) paidBySeat.set(seatId, (paidBySeat.get(seatId) ?? 0) + 1);
  }
  const oversold =
    [...holdsBySeat.values()].filter((count) => count > 1).length +
    [...paidBySeat.values()].filter((count) => count > 1).length;
  const count = (list: readonly AgentRecord[]) => {
    const byCode: Record<string, number> = {};
    for (const record of list)
      for (const [key, n] of Object.entries(record.refusals)) byCode[key] = (byCode[key] ?? 0) + n;
    return byCode;
  };
  const botRefusalsByCode = count(bots);
  const botRefusalsByStage: Record<string, number> = {};
  for (const [key, n] of Object.entries(botRefusalsByCode)) {
    const stage = stageOf(key.split(':')[1] ?? key);
    botRefusalsByStage[stage] = (botRefusalsByStage[stage] ?? 0) + n;
  }
  const byStrategy: Record<string, StrategyReport> = {};
  for (const strategy of new Set(records.map((record) => record.strategy))) {
    const list = records.filter((record) => record.strategy === strategy);
    const solves = list.reduce((sum, record) => sum + record.powSolves, 0);
    byStrategy[strategy] = {
      agents: list.length,
      sessions: list.reduce((sum, record) => sum + record.sessions, 0),
      connections: list.reduce((sum, record) => sum + record.connections, 0),
      joins: list.reduce((sum, record) => sum + record.joins, 0),
      admissions: list.reduce((sum, record) => sum + record.admissions, 0),
      holds: list.reduce((sum, record) => sum + record.holds.length, 0),
      seatsPaid: seatsOf(list),
      powSolves: solves,
      powMsMean: mean(
        list.reduce((sum, record) => sum + record.powMs, 0),
        solves,
      ),
    };
  }
  const humanSolves = humans.reduce((sum, record) => sum + record.powSolves, 0);
  return {
    options,
    seats,
    humans: humans.length,
    bots: bots.length,
    seatsPaid,
    seatsPaidByHumans,
    humanTicketShare: seatsPaid === 0 ? null : Number((seatsPaidByHumans / seatsPaid).toFixed(3)),
    humansEmptyHandedWithStockShare:
      humans.length === 0
        ? 0
        : Number(
            (
              humans.filter((record) => (record.availableOnArrival ?? 0) > 0 && record.paid.length === 0).length /
              humans.length
            ).toFixed(3),
          ),
    humansWithTickets: humans.filter((record) => record.paid.length > 0).length,
    humanTimeToHoldMedianMs: median(
      humans
        .filter((record) => record.firstHoldAt !== null)
        .map((record) => record.firstHoldAt! - Math.max(record.arrivedAt, opensAt)),
    ),
    humanPowMsMean: mean(
      humans.reduce((sum, record) => sum + record.powMs, 0),
      humanSolves,
    ),
    botRefusalsByStage,
    botRefusalsByCode,
    humanRefusalsByCode: count(humans),
    byStrategy,
    oversold,
    soldOnServer,
    saleSeconds: Math.round(options.saleMs / 1000),
    serverRisk,
    loopDelayMs,
  };
};

/** Starts the server, sets up the sale, runs every agent and reports. */
export const runSim = async (options: SimOptions, log: (line: string) => void = () => {}): Promise<SimReport> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatactor-sim-'));
  const server = await startServerProcess(
    {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      // The deployment's front door: its default limits, the client address from one trusted proxy hop.
      REST_REQUESTS_PER_SECOND_MAX: '100',
      SOCKET_REQUESTS_PER_SECOND_MAX: '50',
      TRUST_PROXY: '1',
      ANTIBOT: options.antibot,
      ...options.serverEnv,
    },
    [],
    180_000,
  );
  const children: ChildProcess[] = [];
  try {
    const admin = api(server.baseUrl);
    const venueId = await admin.createVenue(venueOf(options.rows, options.seatsPerRow) as never);
    // Both agent processes load at once (each loads the SDK through tsx: seconds on a busy machine).
    const forks = [forkAgents(), forkAgents()];
    for (const fork of forks) void fork.then((child) => children.push(child));
    const [humansProcess, botsProcess] = (await Promise.all(forks)) as [ChildProcess, ChildProcess];
    // The event is created now, so the opening is the lead time away from the agents' start.
    const opensAt = Date.now() + 1_000 + options.leadMs;
    const eventId = await admin.createEvent({
      venueId,
      name: 'Flash sale',
      startsAt: '2031-01-01T20:00:00Z',
      priceTiers: { S: { amount: 5000, currency: 'EUR' } },
      maxSeatsPerUser: options.maxSeatsPerUser,
      saleStartsAt: new Date(opensAt).toISOString(),
      // The deployment's defaults for the room (admission, hold-back of risky sessions); the pre-queue opens now.
      ...(options.waitingRoom
        ? {
            waitingRoom: {
              enabled: true,
              preQueueOpensAt: new Date(Date.now()).toISOString(),
              ...(options.riskyHeldBackSeconds === undefined
                ? {}
                : { riskyHeldBackSeconds: options.riskyHeldBackSeconds }),
            },
          }
        : {}),
      ...(options.backOfRoomFrom === undefined ? {} : { antibot: { backOfRoomFrom: options.backOfRoomFrom } }),
    });
    const sale: SaleContext = {
      baseUrl: server.baseUrl,
      eventId,
      opensAt,
      endsAt: opensAt + options.saleMs,
      maxSeatsPerUser: options.maxSeatsPerUser,
      humanPowSlowdown: options.humanPowSlowdown,
      sendSignals: options.sendSignals,
      waitingRoom: options.waitingRoom,
    };
    const plan = planAgents(options, opensAt);
    log(`server ${server.baseUrl}, event ${eventId}: ${plan.humans.length} humans, ${plan.bots.length} bots`);
    const humans = runAgents(humansProcess, sale, plan.humans);
    const bots = runAgents(botsProcess, sale, plan.bots);
    log(`agents ready; the sale opens in ${Math.round((opensAt - Date.now()) / 1000)} s`);
    // Bounded: every agent stops starting things at endsAt; what has not answered 20 s later is left out.
    const bounded = <T>(promise: Promise<T>) =>
      Promise.race([
        promise,
        new Promise<T>((_, reject) =>
          setTimeout(() => reject(new Error('agents did not finish in time')), sale.endsAt - Date.now() + 20_000),
        ),
      ]);
    const humansResult = await bounded(humans);
    const botsResult = await bounded(bots);
    const records = [...humansResult.records, ...botsResult.records];
    const map = (await (
      await fetch(`${server.baseUrl}/v1/events/${eventId}/seatmap`, {
        headers: { authorization: `Bearer ${adminToken}` },
      })
    ).json()) as { seats: Record<string, { status: string }> };
    const soldOnServer = Object.values(map.seats).filter((seat) => seat.status === 'sold').length;
    const risk = await fetch(`${server.baseUrl}/v1/events/${eventId}/risk`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const serverRisk = risk.ok ? await risk.json() : null;
    return report(options, options.rows * options.seatsPerRow, records, soldOnServer, opensAt, serverRisk, {
      humans: humansResult.loopDelayMs,
      bots: botsResult.loopDelayMs,
    });
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
