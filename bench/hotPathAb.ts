/**
 * The actor's hot path, two checkouts alternated in one process: each checkout's own Activations, EventActor and
 * in-memory store (imported from its worktree), one event each, `concurrency` buyers looping hold → release on a seat
 * of their own with one command in flight, and before each hold the sold-out check the booking service makes. The
 * rounds alternate A B B A …, each `seconds` long, and report the process's CPU µs per command (user + system; the
 * in-memory store has no thread of its own), so machine-wide load that drifts between rounds falls on both sides
 * alike. No transport and no database: what it measures is the domain and the actor loop (appends are answered at
 * once and not kept; snapshots go to the in-memory store).
 *
 *   npx tsx bench/hotPathAb.ts --checkouts /path/a,/path/b [--rounds 8] [--seconds 2] [--concurrency 600] [--verbose]
 *     [--door]
 *
 * With `--door` each request takes the way a socket request takes behind the transport: the front door (identify,
 * limits, admission, as the server builds them with the anti-bot stages off, the limits set out of reach) and the
 * booking service (`createBookingCore`) into the actor, instead of the actor's `send` alone: the promises between a
 * request and its answer are then measured too.
 *
 * Short rounds (`--seconds 0.25 --rounds 80`) alternate finely, so both sides see the same load from other processes.
 */
import { parseArgs } from 'node:util';

type Checkout = Readonly<{ name: string; dir: string }>;

type Side = Readonly<{
  checkout: Checkout;
  /** Runs the buyers for `ms` and answers the commands acknowledged. */
  round: (ms: number) => Promise<number>;
}>;

const open = async (checkout: Checkout, concurrency: number, door: boolean): Promise<Side> => {
  const { Activations } = await import(`${checkout.dir}/src/actors/activations.ts`);
  const { openInMemoryStore } = await import(`${checkout.dir}/src/persistence/inMemory/inMemoryStore.ts`);
  const { systemClock } = await import(`${checkout.dir}/src/platform/clock.ts`);
  const { newHoldId } = await import(`${checkout.dir}/src/platform/ids.ts`);
  const { priceTiers, venueBody } = await import(`${checkout.dir}/test/support/api.ts`);
  const memory = openInMemoryStore();
  const { createBookingCore } = await import(`${checkout.dir}/src/services/bookingCore.ts`);
  const { createFrontDoor } = await import(`${checkout.dir}/src/frontDoor/pipeline.ts`);
  const { createIdentify, createIdentifyNow } = await import(`${checkout.dir}/src/frontDoor/identify.ts`);
  const { createLimits } = await import(`${checkout.dir}/src/frontDoor/limits.ts`);
  const { createAdmissionStage } = await import(`${checkout.dir}/src/frontDoor/admission.ts`);
  const { createAdmissionTokens } = await import(`${checkout.dir}/src/services/admissionTokens.ts`);
  // Appends are checked and answered but not kept: a store that grew by every event for the whole run would make
  // the heap (and its collections) grow from round to round, more noise than the path being measured.
  const versions = new Map<string, number>();
  const store = {
    ...memory.eventStore,
    append: async (streamId: string, expectedVersion: number, events: readonly unknown[]) => {
      const version = versions.get(streamId) ?? (await memory.eventStore.readStream(streamId)).length;
      if (version !== expectedVersion) throw new Error(`${streamId} is at ${version}, not ${expectedVersion}`);
      versions.set(streamId, version + events.length);
      return { fromVersion: version + 1, toVersion: version + events.length, lastPosition: version + events.length };
    },
  };
  await memory.catalog.createVenue({ id: 'ven_hot', ...venueBody(100, 100) });
  await memory.catalog.createEvent({
    id: 'evt_hot',
    venueId: 'ven_hot',
    name: 'Hot path',
    startsAt: '2027-01-01T20:00:00Z',
    priceTiers,
    holdTtlSeconds: 3600,
    paymentTimeoutSeconds: 600,
    maxSeatsPerUser: 5,
    saleStartsAtMs: null,
  });
  const booking = createBookingCore({ store, catalog: memory.catalog, clock: systemClock, closeStore: async () => {} });
  // Without --door the actor alone, with no booking service around it, as this benchmark measured before.
  const activations = door
    ? booking.activations
    : new Activations({ store, catalog: memory.catalog, clock: systemClock });
  const actor = await activations.get('evt_hot');
  const nowMs = () => systemClock.now();
  const verifier = {
    isAdmin: () => false,
    verify: async () => {
      throw new Error('sessions only');
    },
  };
  const frontDoor = createFrontDoor({
    identify: createIdentify(verifier, nowMs),
    identifyNow: createIdentifyNow(verifier, nowMs),
    limits: createLimits({ socketRequestsPerWindowMax: 1e12, userRequestsPerWindowMax: 1e12 }),
    admission: createAdmissionStage(createAdmissionTokens('k'.repeat(32), nowMs)),
    holds: booking,
  });
  /** A socket's hold and release as the socket handler passes them: arrive, then the front door's command. */
  const viaDoor = async (userId: string, requestId: string, request: unknown, holdId?: string) => {
    const context = await frontDoor.arrive({
      transport: 'socket',
      kind: holdId === undefined ? 'hold' : 'release',
      client: '127.0.0.1',
      connectionId: userId,
      credentials: { kind: 'session', userId, expiresAtMs: Number.MAX_SAFE_INTEGER },
      eventId: 'evt_hot',
      limited: true,
      headers: {},
    });
    if (holdId === undefined)
      return { hold: await frontDoor.hold(context, { eventId: 'evt_hot', requestId, request }) };
    await frontDoor.release(context, { holdId, requestId });
    return {};
  };
  let request = 0;
  const buyer = async (index: number, until: number): Promise<number> => {
    const userId = `buyer-${index}`;
    const seatIds = [`ORCH-${Math.floor(index / 100) + 1}-${(index % 100) + 1}`];
    const request_ = { kind: 'seats' as const, seatIds };
    let acked = 0;
    while (performance.now() < until) {
      if (door) {
        const { hold } = (await viaDoor(userId, `r${request++}`, request_)) as { hold: { holdId: string } };
        await viaDoor(userId, `r${request++}`, undefined, hold.holdId);
        acked += 2;
        continue;
      }
      const holdId = newHoldId(actor.eventId);
      const requestId = `r${request++}`;
      if (actor.soldOutRefusal(userId, requestId, request_) !== undefined) throw new Error('sold out');
      await actor.send(
        (now: number) => ({ type: 'PlaceHold', data: { holdId, userId, requestId, request: request_, now } }),
        { userId, requestId },
      );
      const releaseId = `r${request++}`;
      await actor.send(
        (now: number) => ({ type: 'ReleaseHold', data: { holdId, userId, requestId: releaseId, now } }),
        {
          userId,
          requestId: releaseId,
        },
      );
      acked += 2;
    }
    return acked;
  };
  return {
    checkout,
    round: async (ms) => {
      const until = performance.now() + ms;
      const counts = await Promise.all(Array.from({ length: concurrency }, (_, i) => buyer(i, until)));
      return counts.reduce((a, b) => a + b, 0);
    },
  };
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      checkouts: { type: 'string' },
      rounds: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '600' },
      verbose: { type: 'boolean', default: false },
      door: { type: 'boolean', default: false },
    },
  });
  if (values.checkouts === undefined) throw new Error('--checkouts /path/a,/path/b');
  const checkouts = values.checkouts.split(',').map((dir, i) => ({ name: `${'ab'[i] ?? i}:${dir}`, dir }));
  const concurrency = Number(values.concurrency);
  const sides: Side[] = [];
  for (const checkout of checkouts) sides.push(await open(checkout, concurrency, values.door));
  // Warm-up: each side once, so both are compiled and their states have reached their working size.
  for (const side of sides) await side.round(1_000);
  const perSide = new Map<string, number[]>(sides.map((side) => [side.checkout.name, []]));
  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const before = process.cpuUsage();
      const commands = await side.round(Number(values.seconds) * 1000);
      const cpu = process.cpuUsage(before);
      const us = (cpu.user + cpu.system) / commands;
      perSide.get(side.checkout.name)!.push(us);
      if (values.verbose)
        console.log(`round ${round + 1} ${side.checkout.name}: ${commands} commands, ${us.toFixed(2)} µs/cmd`);
    }
  }
  for (const [name, us] of perSide) {
    const sorted = [...us].sort((a, b) => a - b);
    const quartile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
    console.log(
      `${name}: median ${median(us).toFixed(2)} µs/cmd (quartiles ${quartile(0.25)}–${quartile(0.75)}, range ${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)})`,
    );
  }
  process.exit(0);
}
