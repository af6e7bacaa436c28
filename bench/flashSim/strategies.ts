/**
 * Who takes part in the flash-sale simulation, and how each plays. Every participant is an agent: it mints its
 * sessions through the SDK (`createSession`, which solves the proof of work when the server asks), connects with the
 * SDK's `SeatActorClient` (one socket per session), holds through it, and orders and pays over REST. Humans and
 * every bot strategy live here, so a stronger bot is one more entry in `botStrategies`.
 *
 * The server sees each agent's address through `X-Forwarded-For` (the simulation's server trusts one proxy hop):
 * every human has an address of their own; bot operators share a few addresses among many sessions.
 */

import { type ClientOptions, SeatActorClient } from '../../client-sdk/src/client.ts';
import { SeatActorError } from '../../client-sdk/src/errors.ts';
import { createSession } from '../../client-sdk/src/session.ts';
import type { HoldView } from '../../src/contract/protocol.ts';

/** A seeded random source (mulberry32): a run is replayed from its seed. */
export const randomFrom = (seed: number) => {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    between: (min: number, max: number) => min + next() * (max - min),
    int: (min: number, max: number) => Math.floor(min + next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
};
export type Random = ReturnType<typeof randomFrom>;

/** What the simulation tells an agent about the sale. */
export type SaleContext = Readonly<{
  baseUrl: string;
  eventId: string;
  /** Epoch ms (wall clock) the sale opens at. */
  opensAt: number;
  /** Epoch ms after which no agent starts anything new. */
  endsAt: number;
  maxSeatsPerUser: number;
  /**
   * How much slower a person's browser solves the proof of work than this process (Chromium in a Web Worker against
   * Node on this thread): the human agents wait `(factor − 1) ×` their own solve time after solving.
   */
  humanPowSlowdown: number;
  /** Whether clients send `signals` (device, pointer events, time since the map) with sessions, joins and holds. */
  sendSignals: boolean;
  /** Whether the event has a waiting room: every agent joins it and waits for its admission before holding. */
  waitingRoom: boolean;
}>;

/** Everything an agent did that the report needs, in wall-clock epoch ms. */
export type AgentRecord = {
  readonly kind: 'human' | 'bot';
  readonly strategy: string;
  readonly agentId: string;
  arrivedAt: number;
  /** Seats on sale (available) the first time this agent saw the seat map, or null when it never saw one. */
  availableOnArrival: number | null;
  firstHoldAt: number | null;
  holds: { holdId: string; seatIds: string[]; quantity: number; ackAt: number }[];
  releases: { holdId: string; at: number }[];
  /** Paid seats (tickets) by order. */
  paid: { orderId: string; seatIds: string[]; quantity: number }[];
  /** Refusals by error code, per what was asked (`session`, `connect`, `hold`, `order`, `pay`). */
  refusals: Record<string, number>;
  sessions: number;
  connections: number;
  /** Waiting-room joins the server took (into the pre-queue or the queue), and admissions from it. */
  joins: number;
  admissions: number;
  powSolves: number;
  powMs: number;
};

const newRecord = (kind: AgentRecord['kind'], strategy: string, agentId: string, arrivedAt: number): AgentRecord => ({
  kind,
  strategy,
  agentId,
  arrivedAt,
  availableOnArrival: null,
  firstHoldAt: null,
  holds: [],
  releases: [],
  paid: [],
  refusals: {},
  sessions: 0,
  connections: 0,
  joins: 0,
  admissions: 0,
  powSolves: 0,
  powMs: 0,
});

const refuse = (record: AgentRecord, what: string, error: unknown): string => {
  const code = error instanceof SeatActorError ? error.code : 'CLIENT_ERROR';
  const key = `${what}:${code}`;
  record.refusals[key] = (record.refusals[key] ?? 0) + 1;
  // SIM_DEBUG=1: each agent's first refusal of each kind, with its message, on stderr.
  if (process.env.SIM_DEBUG === '1' && record.refusals[key] === 1)
    console.error(`[${record.agentId}] ${key}: ${String(error)}`);
  return code;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * A device: its address (as the proxy reports it), its fingerprint hash, and the browser it is (or claims to be): the
 * User-Agent and Accept-Language its requests carry, which its fingerprint's claims repeat. People run real browsers;
 * every bot claims one too (a spoofed User-Agent and matching claims cost a script nothing), so the server's header
 * checks catch none of them and the result rests on the other signals.
 */
export type Device = Readonly<{ address: string; fingerprint: string; userAgent: string; languages: string[] }>;

const browsers = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
];
const languageSets = [
  ['en-US', 'en'],
  ['de-DE', 'de', 'en'],
  ['fr-FR', 'fr'],
  ['es-ES', 'es', 'en'],
];

/** A browser identity for a device, from its seed. */
export const browserOf = (random: Random) => ({
  userAgent: random.pick(browsers),
  languages: [...random.pick(languageSets)],
});

const browserHeaders = (device: Device): Record<string, string> => ({
  'x-forwarded-for': device.address,
  'user-agent': device.userAgent,
  'accept-language': `${device.languages[0]},${device.languages
    .slice(1)
    .map((l) => `${l};q=0.8`)
    .join(',')}`.replace(/,$/, ''),
});

/** The device's part of the signals: its fingerprint and what the fingerprint library saw. */
const deviceSignals = (device: Device) => ({
  fingerprint: device.fingerprint,
  device: { userAgent: device.userAgent, languages: device.languages },
});

type Solver = (challenge: unknown) => Promise<string>;

/**
 * The SDK's own solver (present once the server's proof of work has landed), timed, and slowed down for people to
 * a browser's speed. Loaded lazily so the simulation also runs against a server and SDK without a challenge stage.
 */
const solverFor = async (record: AgentRecord, slowdown: number, sale: SaleContext): Promise<Solver | undefined> => {
  // The SDK's challenge module exists once the server's proof of work has landed; without it nothing is asked.
  const sdk = (await import('../../client-sdk/src/challenge.ts' as string).catch(() => undefined)) as
    | Record<string, unknown>
    | undefined;
  if (sdk?.deriveKey === undefined) return undefined;
  // The SDK's solver, with a time budget that ends with the sale: a solve holds its process's thread (the loop awaits
  // only settled promises), so an unbounded one at a high difficulty would stall every agent of the process.
  const altcha = (await import('altcha-lib' as string)) as {
    solveChallenge: (options: object) => Promise<unknown>;
  };
  const encode = sdk.encodeSolution as (challenge: unknown, solution: unknown) => string;
  const solveInProcess: Solver = async (challenge) => {
    // Nothing is solved once the sale is over: a queue of solves at the highest difficulty (risky sessions are asked
    // for the most work) would otherwise hold the thread long after the end, and the report with it.
    const budgetMs = sale.endsAt + 2_000 - Date.now();
    if (budgetMs <= 0) throw new SeatActorError('CHALLENGE_REQUIRED' as never, 'the sale is over: not solved');
    const solution = await altcha.solveChallenge({ challenge, deriveKey: sdk.deriveKey, timeout: budgetMs });
    if (solution === null) throw new SeatActorError('CHALLENGE_REQUIRED' as never, 'not solved before the sale ended');
    return encode(challenge, solution);
  };
  return async (challenge) => {
    const started = performance.now();
    const answer = await solveInProcess(challenge);
    const spent = performance.now() - started;
    if (slowdown > 1) await sleep(spent * (slowdown - 1));
    record.powSolves += 1;
    record.powMs += performance.now() - started;
    return answer;
  };
};

/** `fetch` as seen from the device's address, with its browser's headers. */
const fetchFrom =
  (device: Device): typeof fetch =>
  (input, init) =>
    fetch(input, {
      ...init,
      headers: { ...(init?.headers as Record<string, string> | undefined), ...browserHeaders(device) },
    });

/** One session and its socket, opened the way the SDK does it; the client's refusals are counted by the caller. */
const openSession = async (
  sale: SaleContext,
  record: AgentRecord,
  device: Device,
  solver: Solver | undefined,
  sdkRetries: number,
): Promise<SeatActorClient> => {
  const extra: Record<string, unknown> = solver === undefined ? {} : { solveChallenge: solver };
  const signals = sale.sendSignals ? { signals: deviceSignals(device) } : {};
  const session = await createSession(sale.baseUrl, { fetch: fetchFrom(device), ...extra, ...signals });
  record.sessions += 1;
  const options = {
    token: session.token,
    renewSession: false,
    retries: sdkRetries,
    retryDelayMs: 50,
    ackTimeoutMs: 10_000,
    socket: { extraHeaders: browserHeaders(device), reconnection: false },
    ...extra,
  } as ClientOptions;
  const client = new SeatActorClient(sale.baseUrl, options);
  // The SDK's ready() waits out refusals it expects to heal (a rate limit): an agent takes any refusal as final.
  let offError = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.ready(),
      new Promise<never>((_, reject) => {
        offError = client.on('connectError', reject);
        timer = setTimeout(() => reject(new SeatActorError('TIMEOUT', 'no connection in 10 s')), 10_000);
      }),
    ]);
  } catch (error) {
    client.close();
    throw error;
  } finally {
    offError();
    clearTimeout(timer);
  }
  record.connections += 1;
  return client;
};

/** The signals a client may send with a hold or a join (hints the server can never trust). */
type Signals = Readonly<{
  fingerprint?: string;
  device?: Readonly<{ userAgent: string; languages: string[] }>;
  pointerEvents?: number;
  msSinceMapShown?: number;
}>;

/**
 * Joins the event's waiting room (when it has one) with the click's signals and waits for the admission until the
 * sale ends: resolves 'admitted', 'soldout', or 'ended' (never admitted); a refused join is counted and 'refused'.
 */
const admitted = async (
  client: SeatActorClient,
  sale: SaleContext,
  record: AgentRecord,
  signals: Signals,
): Promise<'admitted' | 'soldout' | 'ended' | 'refused'> => {
  if (!sale.waitingRoom) {
    record.admissions += 1;
    return 'admitted';
  }
  let settle: (outcome: 'admitted' | 'soldout' | 'ended') => void = () => {};
  const outcome = new Promise<'admitted' | 'soldout' | 'ended'>((resolve) => {
    settle = resolve;
  });
  const offAdmitted = client.on('queue:admitted', (admission) => {
    if (admission.eventId === sale.eventId) settle('admitted');
  });
  const offSoldOut = client.on('queue:soldout', () => settle('soldout'));
  const timer = setTimeout(() => settle('ended'), Math.max(0, sale.endsAt - Date.now()));
  try {
    const entry = await client.joinQueue(sale.eventId, sale.sendSignals ? { signals } : {});
    record.joins += 1;
    if (entry.state === 'admitted') settle('admitted');
    else if (entry.state === 'soldout') settle('soldout');
    else if (entry.state !== 'prequeue' && entry.state !== 'queued') settle('ended');
    const result = await outcome;
    if (result === 'admitted') record.admissions += 1;
    return result;
  } catch (error) {
    refuse(record, 'queue', error);
    return 'refused';
  } finally {
    offAdmitted();
    offSoldOut();
    clearTimeout(timer);
  }
};

const holdWith = async (
  client: SeatActorClient,
  sale: SaleContext,
  quantity: number,
  signals: Signals,
): Promise<HoldView> => {
  const selection = { bestAvailable: { quantity } };
  // Signals ride along with the selection once the server takes them (sent through the SDK's payload as is).
  const withSignals = sale.sendSignals ? ({ ...selection, signals } as typeof selection) : selection;
  return client.hold(sale.eventId, withSignals);
};

/** Orders a hold and pays it with one of `cards` in turn, until one is taken; records the tickets. */
const checkout = async (
  sale: SaleContext,
  record: AgentRecord,
  device: Device,
  token: string,
  hold: HoldView,
  cards: readonly string[],
): Promise<void> => {
  const call = async (path: string, body: object) => {
    const response = await fetchFrom(device)(`${sale.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const json = (await response.json().catch(() => ({}))) as {
      orderId?: string;
      status?: string;
      error?: { code: string; message: string };
    };
    if (json.error !== undefined) throw new SeatActorError(json.error.code as never, json.error.message);
    return json;
  };
  let orderId: string;
  try {
    orderId = (await call('/v1/orders', { holdId: hold.holdId, requestId: `o-${hold.holdId}` })).orderId!;
  } catch (error) {
    refuse(record, 'order', error);
    return;
  }
  /**
   * The order's status once the provider has answered, as a buyer's page waits for it: a pay answered 202 (the provider
   * has not answered yet) or UNAVAILABLE (the server's answer was lost under load; the payment may still go through)
   * is followed by reads of the order until its status is final, within the sale's bound.
   */
  const inFlight = (status: string | undefined) => status === 'pending' || status === 'processing';
  const settled = async (): Promise<string | undefined> => {
    for (let pauseMs = 100; Date.now() < sale.endsAt + 15_000; pauseMs = Math.min(pauseMs * 2, 1_000)) {
      await sleep(pauseMs);
      const response = await fetchFrom(device)(`${sale.baseUrl}/v1/orders/${orderId}`, {
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => undefined);
      const status = ((await response?.json().catch(() => ({}))) as { status?: string } | undefined)?.status;
      if (status !== undefined && !inFlight(status)) return status;
    }
    return undefined;
  };
  for (const card of cards) {
    let status: string | undefined;
    try {
      status = (await call(`/v1/orders/${orderId}/pay`, { paymentMethod: card })).status;
      if (inFlight(status)) status = await settled();
    } catch (error) {
      const code = refuse(record, 'pay', error);
      // Another card only after this one was refused at its limit (nothing charged): a payment that may still go
      // through is never followed by a second one.
      if (code === 'PURCHASE_LIMIT') continue;
      if (code === 'UNAVAILABLE' || code === 'CLIENT_ERROR') status = await settled();
    }
    if (status === 'succeeded') record.paid.push({ orderId, seatIds: [...hold.seatIds], quantity: hold.quantity });
    return;
  }
};

export type Agent = Readonly<{
  kind: AgentRecord['kind'];
  strategy: string;
  /** Runs the agent; its record joins `records` as soon as it exists, so a run cut short still reports. */
  run: (sale: SaleContext, records: AgentRecord[]) => Promise<AgentRecord>;
}>;

/** Codes after which trying again cannot help at this sale. */
const finalForSale = new Set(['SOLD_OUT']);

/**
 * A person: one device, one session, one connection; arrives when they arrive, looks at the map, moves the pointer,
 * thinks 1–5 s, asks for 1–4 seats together, tries again a few times (fewer seats when no block is left), pays with
 * their own card.
 */
export const human = (index: number, arriveAt: number, seed: number): Agent => ({
  kind: 'human',
  strategy: 'human',
  async run(sale, records) {
    const random = randomFrom(seed);
    const device: Device = {
      address: `10.1.${(index >> 8) & 255}.${index & 255}`,
      fingerprint: `human-device-${index}`,
      ...browserOf(random),
    };
    await sleep(arriveAt - Date.now());
    const record = newRecord('human', 'human', `h${index}`, Date.now());
    records.push(record);
    let client: SeatActorClient | undefined;
    try {
      const solver = await solverFor(record, sale.humanPowSlowdown, sale);
      try {
        client = await openSession(sale, record, device, solver, 3);
      } catch (error) {
        refuse(record, 'session', error);
        return record;
      }
      const map = await client.subscribe(sale.eventId);
      const mapShownAt = Date.now();
      record.availableOnArrival = countAvailable(map.toView());
      // The page shows the event; the person reads it and clicks to queue (when the sale has a waiting room).
      await sleep(random.between(800, 2_500));
      const queued = await admitted(client, sale, record, {
        ...deviceSignals(device),
        pointerEvents: random.int(3, 30),
        msSinceMapShown: Date.now() - mapShownAt,
      });
      if (queued !== 'admitted') return record;
      await sleep(sale.opensAt - Date.now());
      let quantity = random.pick([1, 2, 2, 2, 3, 4].filter((q) => q <= sale.maxSeatsPerUser));
      for (let attempt = 0; attempt < 4 && Date.now() < sale.endsAt; attempt++) {
        const thinkMs = random.between(1_000, 5_000);
        await sleep(thinkMs);
        const signals = {
          ...deviceSignals(device),
          pointerEvents: random.int(5, 40),
          msSinceMapShown: Date.now() - mapShownAt,
        };
        try {
          const hold = await holdWith(client, sale, quantity, signals);
          record.holds.push({
            holdId: hold.holdId,
            seatIds: [...hold.seatIds],
            quantity: hold.quantity,
            ackAt: Date.now(),
          });
          record.firstHoldAt ??= Date.now();
          await checkout(sale, record, device, client.token, hold, [`pm_card_test_human_${index}`]);
          return record;
        } catch (error) {
          const code = refuse(record, 'hold', error);
          if (finalForSale.has(code)) return record;
          if (code === 'SEAT_UNAVAILABLE' && quantity > 1) quantity -= 1;
        }
      }
      return record;
    } finally {
      client?.close();
    }
  },
});

const countAvailable = (view: unknown): number => {
  const map = view as { seats?: Record<string, { status: string }> };
  let available = 0;
  for (const seat of Object.values(map.seats ?? {})) if (seat.status === 'available') available += 1;
  return available;
};

/** What sets a bot strategy apart. */
type BotPlan = Readonly<{
  /** Sessions it opens before the sale (each with its own socket). */
  sessionsAtStart: number;
  /** Sessions it may open in all, minting more as limits stop the ones it has. */
  sessionsMax: number;
  /** Pause before each hold (0: none, like a script; a range: imitating a person). */
  thinkMs: readonly [number, number];
  /** Fake pointer events on each hold (0: none). */
  pointerEvents: readonly [number, number];
  /** Hold attempts per session before it is abandoned. */
  attemptsPerSession: number;
  /** A new device fingerprint per session (smart bots rotate them). */
  rotateFingerprint: boolean;
  /** A new address per session (a pool of residential proxies) instead of the operator's shared one. */
  rotateAddress: boolean;
  /** One session at a time, each played to its end before the next is minted (a person's pace), from the opening. */
  oneAtATime: boolean;
  /** Cards the operator pays with, tried in turn. */
  cards: number;
}>;

const botPlans = {
  /** A script: a handful of sessions ready at the opening, every one asking for the most seats at once, again and again. */
  naive: {
    sessionsAtStart: 3,
    sessionsMax: 3,
    thinkMs: [0, 0],
    pointerEvents: [0, 0],
    attemptsPerSession: 20,
    rotateFingerprint: false,
    rotateAddress: false,
    oneAtATime: false,
    cards: 1,
  },
  /** A session farm: many sessions and connections per address and device, more minted whenever one is limited. */
  farmer: {
    sessionsAtStart: 6,
    sessionsMax: 20,
    thinkMs: [0, 0],
    pointerEvents: [0, 0],
    attemptsPerSession: 10,
    rotateFingerprint: false,
    rotateAddress: false,
    oneAtATime: false,
    cards: 3,
  },
  /**
   * Smart: imitates a person's pace (1–5 s before each hold, pointer events, a fresh fingerprint per session) but farms
   * sessions, one after the other, each taking the most seats it may.
   */
  smart: {
    sessionsAtStart: 1,
    sessionsMax: 12,
    thinkMs: [1_000, 5_000],
    pointerEvents: [5, 40],
    attemptsPerSession: 4,
    rotateFingerprint: true,
    rotateAddress: false,
    oneAtATime: true,
    cards: 4,
  },
  /**
   * Behind residential proxies: a person's pace and pointer events, a fresh address and a fresh fingerprint for every
   * session, three sessions in the pre-queue before the opening (each looking like one person), up to six. Nothing
   * ties its sessions together but its cards. Not in the default mix (`--mix`): what the front door does against a
   * bot that looks like one person per session.
   */
  proxy: {
    sessionsAtStart: 3,
    sessionsMax: 6,
    thinkMs: [1_000, 5_000],
    pointerEvents: [5, 40],
    attemptsPerSession: 4,
    rotateFingerprint: true,
    rotateAddress: true,
    oneAtATime: false,
    cards: 4,
  },
} as const satisfies Record<string, BotPlan>;

export type BotStrategy = keyof typeof botPlans;
export const botStrategies = Object.keys(botPlans) as BotStrategy[];

/**
 * A bot operator running `strategy` from a shared address: sessions ready before the opening (solving the proof of
 * work as fast as this process can), holds fired at the opening with no think time (unless smart), retried at once,
 * paid with the operator's few cards.
 */
export const bot = (strategy: BotStrategy, index: number, address: string, seed: number): Agent => ({
  kind: 'bot',
  strategy,
  async run(sale, records) {
    const plan: BotPlan = botPlans[strategy];
    const random = randomFrom(seed);
    const record = newRecord('bot', strategy, `b${index}`, Date.now());
    records.push(record);
    const solver = await solverFor(record, 1, sale);
    const cards = Array.from({ length: plan.cards }, (_, card) => `pm_card_test_bot_${index}_${card}`);
    const browser = browserOf(random);
    const deviceOf = (session: number): Device => ({
      address: plan.rotateAddress ? `10.${20 + ((index >> 8) & 63)}.${index & 255}.${session}` : address,
      fingerprint: plan.rotateFingerprint ? `bot-${index}-${session}` : `bot-device-${index}`,
      ...browser,
    });
    const clients: SeatActorClient[] = [];
    type Minted = Readonly<{
      client: SeatActorClient;
      session: number;
      mapShownAt: number;
      /** The waiting room joined as soon as the session exists (the pre-queue, when before the opening). */
      queued: Promise<'admitted' | 'soldout' | 'ended' | 'refused'>;
    }>;
    let minted = 0;
    const signalsOf = (session: number, mapShownAt: number) => ({
      ...deviceSignals(deviceOf(session)),
      pointerEvents: random.int(plan.pointerEvents[0], plan.pointerEvents[1]),
      msSinceMapShown: Date.now() - mapShownAt,
    });
    const mint = async (): Promise<Minted | undefined> => {
      if (minted >= plan.sessionsMax) return undefined;
      minted += 1;
      const session = minted;
      try {
        const client = await openSession(sale, record, deviceOf(session), solver, 0);
        clients.push(client);
        if (record.availableOnArrival === null) {
          try {
            record.availableOnArrival = countAvailable((await client.subscribe(sale.eventId)).toView());
          } catch (error) {
            refuse(record, 'subscribe', error);
          }
        }
        const mapShownAt = Date.now();
        const queued = (async () => {
          // Into the waiting room at once (a smart bot after a person's pause), then wait for the admission.
          await sleep(random.between(plan.thinkMs[0], plan.thinkMs[1]));
          return admitted(client, sale, record, signalsOf(session, mapShownAt));
        })();
        return { client, session, mapShownAt, queued };
      } catch (error) {
        refuse(record, 'session', error);
        return undefined;
      }
    };
    const play = async ({ client, session, mapShownAt, queued }: Minted): Promise<'sold_out' | 'limited' | 'done'> => {
      const outcome = await queued;
      if (outcome === 'soldout') return 'sold_out';
      if (outcome !== 'admitted') return 'limited';
      await sleep(sale.opensAt - Date.now());
      for (let attempt = 0; attempt < plan.attemptsPerSession && Date.now() < sale.endsAt; attempt++) {
        await sleep(random.between(plan.thinkMs[0], plan.thinkMs[1]));
        const signals = signalsOf(session, mapShownAt);
        try {
          const hold = await holdWith(client, sale, sale.maxSeatsPerUser, signals);
          record.holds.push({
            holdId: hold.holdId,
            seatIds: [...hold.seatIds],
            quantity: hold.quantity,
            ackAt: Date.now(),
          });
          record.firstHoldAt ??= Date.now();
          await checkout(sale, record, deviceOf(session), client.token, hold, cards);
          return 'done';
        } catch (error) {
          const code = refuse(record, 'hold', error);
          if (finalForSale.has(code)) return 'sold_out';
          if (code === 'HOLD_LIMIT' || code === 'NOT_ADMITTED' || code === 'UNAUTHORIZED') return 'limited';
          // Anything else is tried again at once (a seat taken, a rate limit, not open yet).
        }
      }
      return 'limited';
    };
    try {
      if (plan.oneAtATime) {
        // One session at a time, paced like a person, until sold out or out of sessions; a session refused at the
        // door is tried again after a person's pause.
        await sleep(sale.opensAt - Date.now());
        while (Date.now() < sale.endsAt && minted < plan.sessionsMax) {
          const next = await mint();
          if (next === undefined) {
            await sleep(random.between(plan.thinkMs[0], plan.thinkMs[1]));
            continue;
          }
          if ((await play(next)) === 'sold_out') break;
        }
        return record;
      }
      const ready = await Promise.all(Array.from({ length: plan.sessionsAtStart }, () => mint()));
      await sleep(sale.opensAt - Date.now());
      let soldOut = false;
      const lane = async (first: Minted | undefined): Promise<void> => {
        let next = first;
        while (next !== undefined && !soldOut && Date.now() < sale.endsAt) {
          const outcome = await play(next);
          if (outcome === 'sold_out') soldOut = true;
          // A session done or limited: mint another and go on, as long as the plan allows.
          next = await mint();
        }
      };
      await Promise.all(ready.map((first) => lane(first)));
      return record;
    } finally {
      for (const client of clients) client.close();
    }
  },
});
