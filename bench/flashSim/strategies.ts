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
  /** Whether the server takes `signals` with holds (the behavioural stage); before it, none are sent. */
  sendSignals: boolean;
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
  powSolves: 0,
  powMs: 0,
});

const refuse = (record: AgentRecord, what: string, error: unknown): string => {
  const code = error instanceof SeatActorError ? error.code : 'CLIENT_ERROR';
  const key = `${what}:${code}`;
  record.refusals[key] = (record.refusals[key] ?? 0) + 1;
  return code;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A device: its address (as the proxy reports it) and its fingerprint hash, shared by all the sessions it runs. */
export type Device = Readonly<{ address: string; fingerprint: string }>;

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
    const solution = await altcha.solveChallenge({
      challenge,
      deriveKey: sdk.deriveKey,
      timeout: Math.max(1_000, sale.endsAt + 5_000 - Date.now()),
    });
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

/** `fetch` as seen from the device's address. */
const fetchFrom =
  (device: Device): typeof fetch =>
  (input, init) =>
    fetch(input, {
      ...init,
      headers: { ...(init?.headers as Record<string, string> | undefined), 'x-forwarded-for': device.address },
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
  const session = await createSession(sale.baseUrl, { fetch: fetchFrom(device), ...extra });
  record.sessions += 1;
  const options = {
    token: session.token,
    renewSession: false,
    retries: sdkRetries,
    retryDelayMs: 50,
    ackTimeoutMs: 10_000,
    socket: { extraHeaders: { 'x-forwarded-for': device.address }, reconnection: false },
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

/** The signals a client may send with a hold (hints the server can never trust). */
type Signals = Readonly<{ fingerprint?: string; pointerEvents?: number; msSinceMapShown?: number }>;

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
  for (const card of cards) {
    try {
      const paid = await call(`/v1/orders/${orderId}/pay`, { paymentMethod: card });
      if (paid.status === 'succeeded') {
        record.paid.push({ orderId, seatIds: [...hold.seatIds], quantity: hold.quantity });
        return;
      }
    } catch (error) {
      if (refuse(record, 'pay', error) !== 'PURCHASE_LIMIT') return;
    }
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
      await sleep(sale.opensAt - Date.now());
      let quantity = random.pick([1, 2, 2, 2, 3, 4].filter((q) => q <= sale.maxSeatsPerUser));
      for (let attempt = 0; attempt < 4 && Date.now() < sale.endsAt; attempt++) {
        const thinkMs = random.between(1_000, 5_000);
        await sleep(thinkMs);
        const signals = {
          fingerprint: device.fingerprint,
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
    const deviceOf = (session: number): Device => ({
      address,
      fingerprint: plan.rotateFingerprint ? `bot-${index}-${session}` : `bot-device-${index}`,
    });
    const clients: SeatActorClient[] = [];
    let minted = 0;
    const mint = async (): Promise<SeatActorClient | undefined> => {
      if (minted >= plan.sessionsMax) return undefined;
      minted += 1;
      try {
        const client = await openSession(sale, record, deviceOf(minted), solver, 0);
        clients.push(client);
        return client;
      } catch (error) {
        refuse(record, 'session', error);
        return undefined;
      }
    };
    const play = async (client: SeatActorClient, session: number): Promise<'sold_out' | 'limited' | 'done'> => {
      if (record.availableOnArrival === null) {
        try {
          record.availableOnArrival = countAvailable((await client.subscribe(sale.eventId)).toView());
        } catch (error) {
          refuse(record, 'subscribe', error);
        }
      }
      const mapShownAt = Date.now();
      for (let attempt = 0; attempt < plan.attemptsPerSession && Date.now() < sale.endsAt; attempt++) {
        await sleep(random.between(plan.thinkMs[0], plan.thinkMs[1]));
        const signals = {
          fingerprint: deviceOf(session).fingerprint,
          pointerEvents: random.int(plan.pointerEvents[0], plan.pointerEvents[1]),
          msSinceMapShown: Date.now() - mapShownAt,
        };
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
      if (strategy === 'smart') {
        // One session at a time, paced like a person, until sold out or out of sessions.
        await sleep(sale.opensAt - Date.now());
        for (let session = 1; Date.now() < sale.endsAt; session++) {
          const client = await mint();
          if (client === undefined) break;
          if ((await play(client, session)) === 'sold_out') break;
        }
        return record;
      }
      const ready = await Promise.all(Array.from({ length: plan.sessionsAtStart }, () => mint()));
      await sleep(sale.opensAt - Date.now());
      let soldOut = false;
      const lane = async (first: SeatActorClient | undefined, session: number): Promise<void> => {
        let client = first;
        while (client !== undefined && !soldOut && Date.now() < sale.endsAt) {
          const outcome = await play(client, session);
          if (outcome === 'sold_out') soldOut = true;
          // A session done or limited: mint another and go on, as long as the plan allows.
          client = await mint();
        }
      };
      await Promise.all(ready.map((client, i) => lane(client, i + 1)));
      return record;
    } finally {
      for (const client of clients) client.close();
    }
  },
});
