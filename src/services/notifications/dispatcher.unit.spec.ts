import { afterEach, describe, expect, it } from 'vitest';
import type { BuyerContact } from '../../contract/schemas.ts';
import type { Channel, Delivery, RenderedMessage, RenderOptions } from '../../notifications/channel.ts';
import { openInMemoryStore } from '../../persistence/inMemory/inMemoryStore.ts';
import type { Outbox, OutboxMessage } from '../../persistence/outbox.ts';
import { ManualClock } from '../../platform/clock.ts';
import { createDispatcher, type DeliveryOutcome, type Dispatcher } from './dispatcher.ts';

const message: RenderedMessage = { subject: 's', text: 't', html: '<p>t</p>', short: 't', attachments: [] };

/** A channel that records what it took and fails while `failing` says so. */
const recordingChannel = (name: string, reaches: (contact: BuyerContact | undefined) => boolean) => {
  const taken: Delivery[] = [];
  let failures = 0;
  const channel: Channel & { taken: Delivery[]; failNext: (count: number) => void } = {
    name,
    reaches,
    taken,
    failNext: (count) => {
      failures = count;
    },
    async send(delivery) {
      await delivery.message({ attachments: name === 'email' });
      if (failures > 0) {
        failures -= 1;
        throw new Error(`${name} refused`);
      }
      taken.push(delivery);
    },
  };
  return channel;
};

const notice = (key: string, at: number): OutboxMessage => ({
  key,
  topic: 'payment_failed',
  userId: 'alice',
  at,
  payload: { key, topic: 'payment_failed', userId: 'alice', eventId: 'e1', at, data: {} },
});

describe('the outbox dispatcher', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const store = openInMemoryStore();
  const outbox = store.outboxes[0]!;
  const email = recordingChannel('email', (contact) => contact?.email !== undefined);
  const sms = recordingChannel('sms', (contact) => contact?.phone !== undefined);
  const outcomes: DeliveryOutcome[] = [];
  let waiting: ((outcome: DeliveryOutcome) => void)[] = [];
  /** The next outcome the dispatcher reports (awaited, never slept for). */
  const nextOutcome = () => new Promise<DeliveryOutcome>((resolve) => waiting.push(resolve));
  const running: Dispatcher[] = [];
  const renders: RenderOptions[] = [];
  const start = async (attemptsMax = 4, channels: readonly Channel[] = [email, sms]) => {
    const dispatcher = createDispatcher({
      outbox,
      contacts: store.contacts,
      channels,
      render: async (_notification, options) => {
        renders.push(options);
        return message;
      },
      clock,
      owner: 'node-a',
      attemptsMax,
      backoffBaseMs: 1_000,
      random: () => 1,
      onOutcome: (outcome) => {
        outcomes.push(outcome);
        const resolve = waiting;
        waiting = [];
        for (const r of resolve) r(outcome);
      },
    });
    running.push(dispatcher);
    await dispatcher.start();
    return dispatcher;
  };
  let version = 0;
  const commit = async (key: string) => {
    await store.eventStore.append(
      'event-e1',
      version,
      [{ type: 'PaymentFailed', data: {} }],
      [notice(key, clock.now())],
    );
    version += 1;
  };

  afterEach(async () => {
    for (const dispatcher of running.splice(0)) await dispatcher.stop();
    email.taken.length = 0;
    sms.taken.length = 0;
    outcomes.length = 0;
    renders.length = 0;
  });

  it('delivers a committed notification once to each channel the buyer gave, and to no other', async () => {
    await store.contacts.set('alice', { email: 'alice@example.com' });
    await commit('k1');
    const delivered = nextOutcome();
    const dispatcher = await start();
    expect(await delivered).toEqual({ key: 'k1', state: 'delivered', attempts: 1, channelsDone: ['email'] });
    expect(email.taken.map((delivery) => delivery.key)).toEqual(['k1']);
    expect(sms.taken).toEqual([]);
    clock.advance(60_000);
    await dispatcher.idle();
    expect(email.taken).toHaveLength(1);
    expect(await outbox.depth()).toEqual({ pending: 0, dead: 0 });
  });

  it('retries a refused channel with exponential backoff on the clock, and never resends to one that took it', async () => {
    await store.contacts.set('alice', { email: 'alice@example.com', phone: '+4915112345678' });
    const dispatcher = await start();
    email.failNext(2);
    let next = nextOutcome();
    await commit('k2');
    dispatcher.wake();
    const t0 = clock.now();
    expect(await next).toMatchObject({ state: 'retry', attempts: 1, channelsDone: ['sms'], dueAt: t0 + 1_000 });
    next = nextOutcome();
    clock.advance(1_000);
    expect(await next).toMatchObject({ state: 'retry', attempts: 2, channelsDone: ['sms'], dueAt: t0 + 3_000 });
    next = nextOutcome();
    clock.advance(1_999);
    await dispatcher.idle();
    expect(outcomes).toHaveLength(2);
    clock.advance(1);
    expect(await next).toMatchObject({ state: 'delivered', attempts: 3, channelsDone: ['sms', 'email'] });
    expect(sms.taken.map((delivery) => delivery.key)).toEqual(['k2']);
    expect(email.taken.map((delivery) => delivery.key)).toEqual(['k2']);
  });

  it('keeps a dead letter after the last attempt, and stops trying', async () => {
    await store.contacts.set('alice', { email: 'alice@example.com' });
    const dispatcher = await start(3);
    email.failNext(99);
    let next = nextOutcome();
    await commit('k3');
    dispatcher.wake();
    expect((await next).state).toBe('retry');
    next = nextOutcome();
    clock.advance(1_000);
    expect((await next).state).toBe('retry');
    next = nextOutcome();
    clock.advance(2_000);
    expect(await next).toMatchObject({ key: 'k3', state: 'dead', attempts: 3, error: 'email: email refused' });
    clock.advance(3_600_000);
    await dispatcher.idle();
    expect(outcomes).toHaveLength(3);
    expect((await outbox.deadLetters(10)).map((dead) => dead.key)).toEqual(['k3']);
    email.failNext(0);
  });

  it('after a crash between claim and send, the restarted node delivers what it had leased at once', async () => {
    await store.contacts.set('alice', { email: 'alice@example.com' });
    await commit('k4');
    // The node claimed it and died before sending: its lease would hold the row for a minute.
    expect((await outbox.claim(clock.now(), 60_000, 'node-a', 10)).map((row) => row.key)).toEqual(['k4']);
    const delivered = nextOutcome();
    await start();
    expect(await delivered).toMatchObject({ key: 'k4', state: 'delivered' });
    expect(email.taken.map((delivery) => delivery.key)).toEqual(['k4']);
  });

  it("reads the contacts of a claim's rows at once, one read per claim, and each row goes to its own buyer", async () => {
    await store.contacts.set('alice', { email: 'alice@example.com' });
    await store.contacts.set('bob', { phone: '+4915112345678' });
    await commit('m1');
    await commit('m2');
    await store.eventStore.append(
      'event-e1',
      version,
      [{ type: 'PaymentFailed', data: {} }],
      [{ ...notice('m3', clock.now()), userId: 'bob' }],
    );
    version += 1;
    const reads: (readonly string[])[] = [];
    const dispatcher = createDispatcher({
      outbox,
      contacts: {
        ...store.contacts,
        get: () => Promise.reject(new Error('one read per row')),
        getMany: (userIds) => {
          reads.push(userIds);
          return store.contacts.getMany(userIds);
        },
      },
      channels: [email, sms],
      render: async () => message,
      clock,
      owner: 'node-a',
    });
    running.push(dispatcher);
    await dispatcher.start();
    await dispatcher.idle();
    expect(reads).toEqual([['alice', 'bob']]);
    expect(email.taken.map((delivery) => delivery.key)).toEqual(['m1', 'm2']);
    expect(sms.taken.map((delivery) => delivery.key)).toEqual(['m3']);
  });

  it('marks a notification for a buyer who gave no channel delivered, sending nothing', async () => {
    await store.contacts.set('alice', {});
    await commit('k5');
    const delivered = nextOutcome();
    await start();
    expect(await delivered).toEqual({ key: 'k5', state: 'delivered', attempts: 1, channelsDone: [] });
    expect([...email.taken, ...sms.taken]).toEqual([]);
  });

  it('keeps to its limit of deliveries at once, and does not let a slow send hold back the rows behind it', async () => {
    await store.contacts.set('alice', { email: 'alice@example.com' });
    // Every send waits for its gate; p0's opens last.
    const gates = new Map<string, () => void>();
    let open = false;
    let threeStarted = () => {};
    const three = new Promise<void>((resolve) => {
      threeStarted = resolve;
    });
    let fiveDone = () => {};
    const five = new Promise<void>((resolve) => {
      fiveDone = resolve;
    });
    const gated: Channel = {
      name: 'email',
      reaches: (contact) => contact?.email !== undefined,
      async send(delivery) {
        if (open && delivery.key !== 'p0') return;
        await new Promise<void>((resolve) => {
          gates.set(delivery.key, resolve);
          if (gates.size === 3) threeStarted();
        });
      },
    };
    const dispatcher = createDispatcher({
      outbox,
      contacts: store.contacts,
      channels: [gated],
      render: async () => message,
      clock,
      owner: 'node-a',
      claimBatchMax: 2,
      deliveriesInFlightMax: 3,
      // p0 stays under way throughout: marks do not wait for the end of the burst here.
      deliveredFlushMs: 0,
      onOutcome: (outcome) => {
        outcomes.push(outcome);
        if (outcomes.length === 5) fiveDone();
      },
    });
    running.push(dispatcher);
    for (let i = 0; i < 6; i += 1) await commit(`p${i}`);
    await dispatcher.start();
    // Claims of two into three slots: three sends under way, the other three rows wait for a slot.
    await three;
    expect([...gates.keys()].sort()).toEqual(['p0', 'p1', 'p2']);
    // p0 stays stuck; the rows behind it pass through the two other slots as each frees.
    open = true;
    for (const [key, pass] of gates) if (key !== 'p0') pass();
    await five;
    expect(outcomes.map((outcome) => outcome.key).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    gates.get('p0')?.();
    await dispatcher.idle();
    expect(outcomes.map((outcome) => outcome.key)).toContain('p0');
    expect((await outbox.depth()).pending).toBe(0);
  });

  it('renders no more than the due channels read: nothing for a socket push, QR codes only for e-mail', async () => {
    const pushed: unknown[] = [];
    const socket: Channel = {
      name: 'socket',
      reaches: () => true,
      async send(delivery) {
        pushed.push(delivery.payload);
      },
    };
    await store.contacts.set('alice', {});
    let next = nextOutcome();
    const dispatcher = await start(4, [socket, email, sms]);
    await commit('r1');
    dispatcher.wake();
    expect(await next).toMatchObject({ key: 'r1', state: 'delivered', channelsDone: ['socket'] });
    expect(pushed).toHaveLength(1);
    expect(renders).toEqual([]);
    await store.contacts.set('alice', { phone: '+4915112345678' });
    next = nextOutcome();
    await commit('r2');
    dispatcher.wake();
    expect(await next).toMatchObject({ key: 'r2', channelsDone: ['socket', 'sms'] });
    expect(renders).toEqual([{ attachments: false }]);
    await store.contacts.set('alice', { phone: '+4915112345678', email: 'alice@example.com' });
    next = nextOutcome();
    await commit('r3');
    dispatcher.wake();
    expect(await next).toMatchObject({ key: 'r3', channelsDone: expect.arrayContaining(['socket', 'sms', 'email']) });
    // One render shared by the attempt's channels, with the attachments e-mail asked for first.
    expect(renders.slice(1)).toEqual([{ attachments: true }]);
  });
});

describe('the outbox dispatcher during a burst', () => {
  /** Every microtask queued so far runs first (the in-memory store does no I/O): not a wait for time. */
  const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

  /** A channel whose sends wait, each for its own gate, and which records the keys it took. */
  const gatedChannel = () => {
    const gates = new Map<string, () => void>();
    const taken: string[] = [];
    const channel: Channel = {
      name: 'email',
      reaches: (contact) => contact?.email !== undefined,
      async send(delivery) {
        await new Promise<void>((resolve) => gates.set(delivery.key, resolve));
        taken.push(delivery.key);
      },
    };
    const open = (key: string) => {
      const gate = gates.get(key);
      if (gate === undefined) throw new Error(`no send of ${key} under way`);
      gates.delete(key);
      gate();
    };
    return { channel, gates, taken, open };
  };

  /** The in-memory store, with the claims and the delivered writes counted (and a switch that kills it: a crash). */
  const setUp = async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const store = openInMemoryStore();
    const inner = store.outboxes[0]!;
    const claims: string[][] = [];
    const deliveredWrites: number[][] = [];
    let dead = false;
    const alive = () => {
      if (dead) throw new Error('the process died');
    };
    const outbox: Outbox = {
      ...inner,
      async claim(...args) {
        alive();
        const rows = await inner.claim(...args);
        claims.push(rows.map((row) => row.key));
        return rows;
      },
      async delivered(marks) {
        alive();
        deliveredWrites.push(marks.map((mark) => mark.id));
        return inner.delivered(marks);
      },
      async retry(...args) {
        alive();
        return inner.retry(...args);
      },
    };
    await store.contacts.set('alice', { email: 'alice@example.com' });
    let version = 0;
    const commit = async (...keys: string[]) => {
      await store.eventStore.append(
        'event-e1',
        version,
        [{ type: 'PaymentFailed', data: {} }],
        keys.map((key) => notice(key, clock.now())),
      );
      version += 1;
    };
    const outcomes: DeliveryOutcome[] = [];
    const dispatcherOn = (box: Outbox, channels: readonly Channel[]) =>
      createDispatcher({
        outbox: box,
        contacts: store.contacts,
        channels,
        render: async () => message,
        clock,
        owner: 'node-a',
        deliveredFlushMs: 100,
        onOutcome: (outcome) => outcomes.push(outcome),
      });
    return {
      clock,
      store,
      outbox,
      claims,
      deliveredWrites,
      commit,
      outcomes,
      dispatcherOn,
      crash: () => {
        dead = true;
      },
    };
  };

  it('marks the rows delivered while others are still sending in one write, at the window or when the last send ends', async () => {
    const { clock, store, deliveredWrites, commit, outcomes, dispatcherOn, outbox } = await setUp();
    const email = gatedChannel();
    await commit('b1', 'b2', 'b3', 'b4', 'b5');
    const dispatcher = dispatcherOn(outbox, [email.channel]);
    await dispatcher.start();
    await settled();
    expect([...email.gates.keys()]).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    email.open('b1');
    email.open('b2');
    await settled();
    // Sent, but b3..b5 are still sending: their marks wait for the window.
    expect(email.taken).toEqual(['b1', 'b2']);
    expect(deliveredWrites).toEqual([]);
    clock.advance(100);
    await settled();
    expect(deliveredWrites).toEqual([[1, 2]]);
    expect(outcomes.map((outcome) => outcome.key)).toEqual(['b1', 'b2']);
    email.open('b3');
    email.open('b4');
    await settled();
    expect(deliveredWrites).toHaveLength(1);
    // The last send ends: what waits is written at once, without the clock moving.
    email.open('b5');
    await dispatcher.idle();
    expect(deliveredWrites.flat().sort()).toEqual([1, 2, 3, 4, 5]);
    expect(deliveredWrites.length).toBeLessThanOrEqual(3);
    expect(outcomes.map((outcome) => [outcome.key, outcome.state, outcome.attempts])).toEqual(
      ['b1', 'b2', 'b3', 'b4', 'b5'].map((key) => [key, 'delivered', 1]),
    );
    expect(await store.outboxes[0]!.depth()).toEqual({ pending: 0, dead: 0 });
    await dispatcher.stop();
  });

  it('after a crash between the send and its batched mark, sends again once, under the same key', async () => {
    const { clock, store, deliveredWrites, commit, outcomes, dispatcherOn, outbox, crash } = await setUp();
    const email = gatedChannel();
    await commit('c1', 'c2');
    const first = dispatcherOn(outbox, [email.channel]);
    await first.start();
    await settled();
    // c1 reached the mail server; its mark waits while c2 is still sending, and the process dies.
    email.open('c1');
    await settled();
    expect(email.taken).toEqual(['c1']);
    crash();
    clock.advance(100);
    await settled();
    expect(deliveredWrites).toEqual([]);
    expect(outcomes).toEqual([]);

    // The restarted node (same owner) takes both leases back at once and sends both again, with the same keys.
    const keysSeen: string[] = [];
    const accepted = new Set<string>();
    const idempotent: Channel = {
      name: 'email',
      reaches: (contact) => contact?.email !== undefined,
      async send(delivery) {
        keysSeen.push(delivery.key);
        accepted.add(delivery.key);
      },
    };
    const restarted = createDispatcher({
      outbox: store.outboxes[0]!,
      contacts: store.contacts,
      channels: [idempotent],
      render: async () => message,
      clock,
      owner: 'node-a',
    });
    expect(await restarted.start()).toBe(2);
    await restarted.idle();
    expect(keysSeen.sort()).toEqual(['c1', 'c2']);
    // c1 went out twice in all (before the crash and after), both times as 'c1': a channel that honours the key sends
    // it once; nothing is lost.
    expect([...email.taken, ...keysSeen].filter((key) => key === 'c1')).toEqual(['c1', 'c1']);
    expect([...accepted].sort()).toEqual(['c1', 'c2']);
    expect(await store.outboxes[0]!.depth()).toEqual({ pending: 0, dead: 0 });
    await restarted.stop();
    email.open('c2');
  });

  it('claims once per interval while deliveries are under way, wakes during a claim included, and at once when none is', async () => {
    const { clock, claims, commit, dispatcherOn, outbox, outcomes } = await setUp();
    const email = gatedChannel();
    const dispatcher = dispatcherOn(outbox, [email.channel]);
    await dispatcher.start();
    await settled();
    expect(claims).toEqual([[]]);
    // Nothing under way: a commit's wake claims at once.
    await commit('s1');
    dispatcher.wake();
    await settled();
    expect(claims).toEqual([[], ['s1']]);
    // s1 is sending: the next commits' wakes wait for the interval (200 ms by default) and share one claim.
    await commit('s2');
    dispatcher.wake();
    await commit('s3');
    dispatcher.wake();
    clock.advance(199);
    await settled();
    expect(claims).toHaveLength(2);
    clock.advance(1);
    // The interval's claim has started; a wake now comes during it.
    dispatcher.wake();
    await settled();
    expect(claims).toEqual([[], ['s1'], ['s2', 's3']]);
    // The wake that came during the claim is served one interval later, not at once when the claim ends.
    await commit('s4');
    dispatcher.wake();
    clock.advance(199);
    await settled();
    expect(claims).toHaveLength(3);
    // A send ending does not claim either (no row was left behind for want of a slot).
    email.open('s1');
    await settled();
    expect(claims).toHaveLength(3);
    clock.advance(1);
    await settled();
    expect(claims).toEqual([[], ['s1'], ['s2', 's3'], ['s4']]);
    // Nothing under way any more: a wake claims at once, however soon after the last claim.
    for (const key of ['s2', 's3', 's4']) email.open(key);
    clock.advance(100);
    await settled();
    expect(outcomes.map((outcome) => outcome.key).sort()).toEqual(['s1', 's2', 's3', 's4']);
    await commit('s5');
    dispatcher.wake();
    await settled();
    expect(claims).toEqual([[], ['s1'], ['s2', 's3'], ['s4'], ['s5']]);
    // idle() does not wait for the interval: a claim waiting for it runs at once.
    await commit('s6');
    dispatcher.wake();
    await settled();
    expect(claims).toHaveLength(5);
    const idle = dispatcher.idle();
    await settled();
    expect(claims.at(-1)).toEqual(['s6']);
    email.open('s5');
    email.open('s6');
    await idle;
    expect(outcomes.map((outcome) => outcome.key).sort()).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
    await dispatcher.stop();
  });
});
