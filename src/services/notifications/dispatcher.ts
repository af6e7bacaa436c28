import type { BuyerContact } from '../../contract/schemas.ts';
import type { Notification } from '../../domain/notifications/notifications.ts';
import type { Delivery } from '../../notifications/channel.ts';
import {
  AddressGoneError,
  type Channel,
  type RenderedMessage,
  type RenderOptions,
} from '../../notifications/channel.ts';
import type { Contacts } from '../../persistence/contacts.ts';
import type { Outbox, OutboxRow } from '../../persistence/outbox.ts';
import { type Clock, repeatTimer } from '../../platform/clock.ts';
import type { NotificationMetrics } from '../../platform/notificationMetrics.ts';
import { createMarkWriter } from './deliveredMarks.ts';

export type DeliveryOutcome = Readonly<{
  key: string;
  state: 'delivered' | 'retry' | 'dead';
  /** Attempts made, this one included. */
  attempts: number;
  channelsDone: readonly string[];
  /**
   * Channels that said the buyer's address is gone for good (a Web Push 404/410): dropped from the buyer's contact, and
   * not tried again for this notification.
   */
  channelsGone?: readonly string[];
  error?: string;
  /** When the next attempt is due (state `retry`). */
  dueAt?: number;
}>;

export type DispatcherOptions = Readonly<{
  outbox: Outbox;
  contacts: Contacts;
  channels: readonly Channel[];
  /** The words of a notification; attachments (QR codes) only when `attachments` is true. */
  render: (notification: Notification, options: RenderOptions) => Promise<RenderedMessage>;
  clock: Clock;
  /**
   * Who leases rows: stable across restarts of the same node (NODE_ID), so a restarted node takes back at once what it
   * held when it died. Rows leased by a node that never comes back are due again when their lease ends.
   */
  owner: string;
  /** Attempts before a notification becomes a dead letter. Default 8. */
  attemptsMax?: number;
  /** The wait after failed attempt n is base·2^(n-1), at most max, less up to half of it at random. Defaults 1 s, 5 min. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How long a claimed row is ours: longer than a delivery can take on every channel. Default 60 s. */
  leaseMs?: number;
  /** Rows claimed by one lease query. Default 32. */
  claimBatchMax?: number;
  /**
   * Deliveries under way at once. A finished delivery frees its slot for the next due row at once, so one slow send
   * (a channel's timeout) does not hold back the rows claimed with it. Default 128.
   */
  deliveriesInFlightMax?: number;
  /** How often the outbox is looked at for retries that came due (a commit wakes it at once). Default 1 s. */
  pollIntervalMs?: number;
  /**
   * While deliveries are under way (a burst), a claim starts no sooner than this after the previous one started: the
   * wakes of the commits meanwhile, those that came during a claim included, are served by one claim at the end of the
   * interval, so a burst of commits costs the store (the thread the appends go through, on PGlite) one claim and one
   * contacts read per interval rather than per commit. A claim that filled its batch is followed at once (rows wait
   * behind it); with nothing under way a wake claims at once; idle() and stop() do not wait for the interval. 0: every
   * wake claims (one claim at a time, those that come meanwhile in the next). Default 200 ms.
   */
  claimSpacingMs?: number;
  /**
   * Delivered rows are marked in batches, one statement for many: a mark waits while other deliveries are still
   * sending, at most this long (on the clock) or until `deliveredBatchMax` marks wait; it is written at once when no
   * other delivery is sending. Until written the row stays leased: a crash in between sends it again under the same
   * key. 0: written at once (one write at a time; marks that come meanwhile go in the next). Default 100 ms.
   */
  deliveredFlushMs?: number;
  /** Marks written by one statement at most; a full batch is written at once. Default 256. */
  deliveredBatchMax?: number;
  /** In [0, 1): the backoff's jitter. Default Math.random. */
  random?: () => number;
  metrics?: NotificationMetrics;
  onOutcome?: (outcome: DeliveryOutcome) => void;
  onError?: (error: unknown, context: string) => void;
}>;

export const dispatcherDefaults = {
  attemptsMax: 8,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  leaseMs: 60_000,
  claimBatchMax: 32,
  deliveriesInFlightMax: 128,
  pollIntervalMs: 1_000,
  claimSpacingMs: 200,
  deliveredFlushMs: 100,
  deliveredBatchMax: 256,
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 1_000);

type Contact = BuyerContact | undefined;

/**
 * Delivers the outbox after commit: claims due rows (a lease) into a bounded number of concurrent deliveries, sends each
 * to every channel the buyer gave that has not taken it yet, and records the outcome: delivered, due again after an
 * exponential backoff, or dead after the last attempt. At least once: a crash between a send and its record sends
 * again, under the same key.
 */
export const createDispatcher = (options: DispatcherOptions) => {
  const settings = { ...dispatcherDefaults, ...options };
  const { outbox, contacts, channels, clock, owner, metrics } = options;
  const random = options.random ?? Math.random;
  /** Deliveries under way. */
  const inFlight = new Set<Promise<void>>();
  /** The claim under way, if any. */
  let claiming: Promise<void> | undefined;
  /** A wake came that no claim has served yet (it waits for the claim under way to end, or for its interval). */
  let more = false;
  /** The last look found every delivery slot taken: rows may be due that the next freed slot takes at once. */
  let leftBehind = false;
  /** When the last claim started, and the timer of the claim that waits for `claimSpacingMs`, if any. */
  let lastClaimAt = Number.NEGATIVE_INFINITY;
  let cancelSpacedClaim: (() => void) | undefined;
  let stopped = false;
  let stopPolling = () => {};
  /** Deliveries still sending (not yet recording their outcome). */
  let sending = 0;
  /** idle() or stop() waits: marks are written at once. */
  let urgent = 0;
  const marks = createMarkWriter({
    outbox,
    clock,
    flushMs: settings.deliveredFlushMs,
    batchMax: settings.deliveredBatchMax,
    writeAtOnce: () => sending === 0 || urgent > 0 || stopped,
  });

  const backoffMs = (attempts: number): number => {
    const full = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** (attempts - 1));
    return Math.round(full / 2 + (full / 2) * random());
  };

  /** The message of one attempt: rendered on first use, its attachments only once a channel asks for them. */
  const messageOf = (notification: Notification) => {
    let words: Promise<RenderedMessage> | undefined;
    let whole: Promise<RenderedMessage> | undefined;
    return (renderOptions?: RenderOptions): Promise<RenderedMessage> => {
      if (renderOptions?.attachments === true) {
        whole ??= options.render(notification, { attachments: true });
        return whole;
      }
      words ??= whole ?? options.render(notification, { attachments: false });
      return words;
    };
  };

  type Sent = Readonly<{ kind: 'done' } | { kind: 'gone' } | { kind: 'failed'; error: string }>;

  const sendTo = async (
    row: OutboxRow,
    channel: Channel,
    contact: Contact,
    message: Delivery['message'],
  ): Promise<Sent> => {
    try {
      await channel.send(
        { key: row.key, topic: row.topic, userId: row.userId, payload: row.payload, message },
        contact,
      );
      metrics?.delivered(channel.name, clock.now() - row.at);
      return { kind: 'done' };
    } catch (error) {
      if (!(error instanceof AddressGoneError)) {
        metrics?.failed(channel.name);
        return { kind: 'failed', error: `${channel.name}: ${errorText(error)}` };
      }
      // The address is gone for good: no retry can reach it. It is dropped from the buyer's contact (unless they gave
      // another meanwhile), and this notification is not tried on that channel again.
      await contacts.forget(row.userId, error.field, error.address);
      metrics?.gone(channel.name);
      return { kind: 'gone' };
    }
  };

  const deliver = async (
    row: OutboxRow,
    contactsOf: Promise<ReadonlyMap<string, Contact>>,
  ): Promise<DeliveryOutcome> => {
    const done = [...row.channelsDone];
    const gone: string[] = [];
    const errors: string[] = [];
    sending += 1;
    try {
      const contact = (await contactsOf).get(row.userId);
      const due = channels.filter((channel) => !done.includes(channel.name) && channel.reaches(contact));
      const message = messageOf(row.payload as Notification);
      await Promise.all(
        due.map(async (channel) => {
          const sent = await sendTo(row, channel, contact, message);
          if (sent.kind === 'done') done.push(channel.name);
          else if (sent.kind === 'gone') gone.push(channel.name);
          else errors.push(sent.error);
        }),
      );
    } catch (error) {
      errors.push(errorText(error));
    } finally {
      sending -= 1;
      // The last delivery sending is done: the marks that waited for it are written now.
      if (sending === 0) marks.writeSoon();
    }
    const attempts = row.attempts + 1;
    const now = clock.now();
    const goneToo = gone.length === 0 ? {} : { channelsGone: gone };
    if (errors.length === 0) {
      // Batched with the other deliveries' marks (createMarkWriter); the outcome is told once it is written.
      await marks.delivered({ id: row.id, channelsDone: done, at: now });
      return { key: row.key, state: 'delivered', attempts, channelsDone: done, ...goneToo };
    }
    const error = errors.join('; ');
    if (attempts >= settings.attemptsMax) {
      await outbox.dead(row.id, done, attempts, error, now);
      metrics?.dead();
      return { key: row.key, state: 'dead', attempts, channelsDone: done, ...goneToo, error };
    }
    const dueAt = now + backoffMs(attempts);
    await outbox.retry(row.id, done, attempts, dueAt, error);
    return { key: row.key, state: 'retry', attempts, channelsDone: done, ...goneToo, error, dueAt };
  };

  const launch = (row: OutboxRow, contactsOf: Promise<ReadonlyMap<string, Contact>>): void => {
    const delivery = deliver(row, contactsOf)
      .then(
        (outcome) => options.onOutcome?.(outcome),
        // The outcome could not be recorded (the store is down): the lease runs out and the row is tried again.
        (error: unknown) => options.onError?.(error, `recording the delivery of ${row.key} failed`),
      )
      .finally(() => {
        inFlight.delete(delivery);
        // A freed slot takes the next due row at once when rows were left behind for want of one.
        if (leftBehind && claiming === undefined && !stopped) claimNow();
      });
    inFlight.add(delivery);
  };

  /** Claims due rows into the free delivery slots until none are due or the slots are full. */
  const fill = async (): Promise<void> => {
    while (!stopped) {
      const room = Math.min(settings.claimBatchMax, settings.deliveriesInFlightMax - inFlight.size);
      if (room <= 0) {
        // The next freed slot looks again (launch), whatever wakes came: they are served by that look.
        leftBehind = true;
        more = false;
        return;
      }
      leftBehind = false;
      more = false;
      lastClaimAt = clock.now();
      const rows = await outbox.claim(lastClaimAt, settings.leaseMs, owner, room);
      // The claimed rows' contacts in one read, not one per row (each delivery fails alone if it fails).
      if (rows.length > 0) {
        const contactsOf = contacts.getMany([...new Set(rows.map((row) => row.userId))]);
        for (const row of rows) launch(row, contactsOf);
      }
      // A full claim may have more behind it: the next follows at once. A wake that came while claiming is served when
      // the claim has ended (wake, spaced).
      if (rows.length < room) return;
    }
  };

  const claimNow = (): void => {
    cancelSpacedClaim?.();
    cancelSpacedClaim = undefined;
    claiming = fill()
      .catch((error: unknown) => options.onError?.(error, 'the outbox could not be read'))
      .finally(() => {
        claiming = undefined;
        // A wake that came while claiming: served by the next claim, spaced.
        if (more) wake();
      });
  };

  /**
   * Looks at the outbox (after a commit that wrote notifications, or a freed slot with rows left behind): at once when
   * nothing is under way, else no sooner than `claimSpacingMs` after the previous claim started. A look under way, or
   * one already waiting for its interval, serves this wake too.
   */
  const wake = (): void => {
    if (stopped) return;
    more = true;
    if (claiming !== undefined || cancelSpacedClaim !== undefined) return;
    const wait = lastClaimAt + settings.claimSpacingMs - clock.now();
    if (wait > 0 && inFlight.size > 0 && urgent === 0) {
      cancelSpacedClaim = clock.setTimer(wait, () => {
        cancelSpacedClaim = undefined;
        wake();
      });
      return;
    }
    claimNow();
  };

  return {
    wake,
    /**
     * Takes back this owner's leases (it restarted), then delivers what is due and keeps polling. Resolves with the
     * number of rows taken back.
     */
    async start(): Promise<number> {
      const released = await outbox.releaseLeases(owner, clock.now()).catch((error: unknown) => {
        options.onError?.(error, 'taking back the outbox leases failed');
        return 0;
      });
      stopPolling = repeatTimer(clock, settings.pollIntervalMs, wake);
      wake();
      return released;
    },
    /** Resolves when no claim and no delivery is under way, for tests and drain; waiting marks are written at once. */
    async idle(): Promise<void> {
      urgent += 1;
      try {
        marks.writeSoon();
        // A claim waiting for its interval runs now.
        if (cancelSpacedClaim !== undefined && claiming === undefined) claimNow();
        while (claiming !== undefined || inFlight.size > 0) await Promise.all([claiming, ...inFlight]);
      } finally {
        urgent -= 1;
      }
    },
    /** Claims nothing more, and resolves once the deliveries under way have recorded their outcomes. */
    async stop(): Promise<void> {
      stopped = true;
      stopPolling();
      cancelSpacedClaim?.();
      cancelSpacedClaim = undefined;
      marks.writeSoon();
      while (claiming !== undefined || inFlight.size > 0) await Promise.all([claiming, ...inFlight]);
    },
  };
};

export type Dispatcher = ReturnType<typeof createDispatcher>;
