/**
 * One connection of the light load client: a raw WebSocket speaking socket.io (./protocol.ts), with one request in
 * flight. Its workload is `loop` (hold → release on its own seat, the default) or `flash` (the flash-sale pattern of
 * bench/flashPattern.ts: every hold a fresh pick, hot seats contended, most holds refused once they are kept). It
 * records into the counters its process owns.
 */
import WebSocket from 'ws';
import { emptyHoldTally, type FlashPattern, keepsHold, pickSeat, seededRandom, tallyHold } from '../flashPattern.ts';
import {
  type AnySeatEncoder,
  anySeatEncoder,
  connectPacket,
  decode,
  type Incoming,
  pongPacket,
  type RequestEncoder,
  requestEncoder,
  socketIoPath,
} from './protocol.ts';

/** A growing sample of numbers, kept in a typed array so the client allocates little per request. */
export class Sample {
  values = new Float64Array(1 << 12);
  count = 0;

  push(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  toArray(): Float64Array {
    return this.values.slice(0, this.count);
  }
}

/**
 * Every hold the `flash` workload was granted, in the window or not: its seat, when its ack arrived, and when its
 * release was sent (NaN when never: kept, or the release failed). Between the two the hold was surely live, so two
 * intervals on one seat overlapping is an oversell (bench/flashSale.ts `countOversold`). Holds never released carry
 * their hold id, for the final-state check against the store.
 */
export class GrantLog {
  readonly seatIndexes = new Sample();
  readonly ackAts = new Sample();
  readonly releaseSentAts = new Sample();
  readonly unreleased: { seatIndex: number; holdId: string }[] = [];

  add(seatIndex: number, ackAt: number, releaseSentAt: number, holdId: string): void {
    this.seatIndexes.push(seatIndex);
    this.ackAts.push(ackAt);
    this.releaseSentAts.push(releaseSentAt);
    if (Number.isNaN(releaseSentAt)) this.unreleased.push({ seatIndex, holdId });
  }
}

/** What every connection of a client process adds to; latencies are kept as a plain sample, merged later. */
export class LoadCounters {
  measureFrom = Number.POSITIVE_INFINITY;
  endAt = Number.POSITIVE_INFINITY;
  loops = 0;
  holdsAcked = 0;
  releasesAcked = 0;
  /** Ack latencies (ms) of every request answered inside the measured window, holds and releases alike. */
  readonly latencies = new Sample();
  /** Ack latencies (ms) of the holds answered inside the window, granted or refused (the heavy client's figure). */
  readonly holdLatencies = new Sample();
  /** The holds answered inside the window: granted, refused SEAT_UNAVAILABLE, refused otherwise. */
  readonly holds = emptyHoldTally();
  /** The `flash` workload's grants (every one, for the oversold check). */
  readonly grants = new GrantLog();
  refusals: Record<string, number> = {};
  failures: Record<string, number> = {};
  /** Messages that were neither acks nor pings (pushes, disconnects); the load never subscribes, so expect 0. */
  otherMessages = 0;

  inWindow(at: number): boolean {
    return at >= this.measureFrom && at < this.endAt;
  }

  count(into: Record<string, number>, code: string, at: number): void {
    if (this.inWindow(at)) into[code] = (into[code] ?? 0) + 1;
  }
}

/** What a `flash` connection needs: the pattern, its own seed, and every seat's id as JSON (shared by the process). */
export type FlashPlan = Readonly<{ pattern: FlashPattern; seed: number; seatIdJsons: readonly string[] }>;

/** `seatId`: the `loop` workload's own seat; `flash`: the flash-sale workload instead (seatId is then unused). */
export type ConnectionTarget = Readonly<{
  baseUrl: string;
  eventId: string;
  token: string;
  seatId: string;
  flash?: FlashPlan | undefined;
}>;

type FlashState = {
  readonly plan: FlashPlan;
  readonly encoder: AnySeatEncoder;
  readonly next: () => number;
  /** The seat of the hold in flight or being released, and when that hold's ack arrived (epoch ms). */
  seatIndex: number;
  holdAckAt: number;
  releaseSentAt: number;
  kept: number;
};

export class LoadConnection {
  private readonly socket: WebSocket;
  private readonly encoder: RequestEncoder;
  private ackId = 0;
  /** The ack id awaited, or -1 when nothing is in flight. */
  private awaiting = -1;
  private sentAt = 0;
  private holdId: string | undefined;
  private readonly flash: FlashState | undefined;
  private running = false;
  private closed = false;
  /** Loops this connection may still complete (tests stop after a few; the benchmark stops at endAt). */
  private loopsLeft = Number.POSITIVE_INFINITY;
  private markFinished: () => void = () => {};
  /** Settles once the loop has stopped: nothing more will be sent and nothing is awaited. */
  readonly finished = new Promise<void>((resolve) => {
    this.markFinished = resolve;
  });

  private constructor(
    socket: WebSocket,
    target: ConnectionTarget,
    private readonly counters: LoadCounters,
  ) {
    this.socket = socket;
    this.encoder = requestEncoder(target.eventId, target.seatId);
    this.flash =
      target.flash === undefined
        ? undefined
        : {
            plan: target.flash,
            encoder: anySeatEncoder(target.eventId),
            next: seededRandom(target.flash.seed),
            seatIndex: -1,
            holdAckAt: Number.NaN,
            releaseSentAt: Number.NaN,
            kept: 0,
          };
  }

  /** Opens the WebSocket, answers the engine.io open with the socket.io connect (auth) and waits for it. */
  static open(target: ConnectionTarget, counters: LoadCounters, timeoutMs = 30_000): Promise<LoadConnection> {
    const socket = new WebSocket(`${target.baseUrl.replace(/^http/, 'ws')}${socketIoPath}`, {
      perMessageDeflate: false,
      // The server is ours and the replies are JSON: checking every frame's UTF-8 would only cost the client CPU.
      skipUTF8Validation: true,
    });
    const connection = new LoadConnection(socket, target, counters);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('socket.io connect timed out')), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.terminate();
        reject(error);
      };
      socket.on('error', fail);
      socket.on('close', () => {
        connection.closed = true;
        if (connection.awaiting >= 0)
          counters.count(counters.failures, 'CLOSED', performance.timeOrigin + performance.now());
        connection.finish();
        fail(new Error('socket closed during the handshake'));
      });
      socket.on('message', (data: Buffer) => {
        const message = decode(data.toString());
        switch (message.kind) {
          case 'open':
            socket.send(connectPacket(target.token));
            return;
          case 'ping':
            socket.send(pongPacket);
            return;
          case 'connected':
            clearTimeout(timer);
            socket.removeAllListeners('message');
            socket.on('message', (more: Buffer) => connection.onMessage(more.toString()));
            resolve(connection);
            return;
          case 'connectError':
            fail(new Error(`socket.io connect refused: ${message.code} ${message.message}`));
            return;
          default:
            return;
        }
      });
    });
  }

  /** Starts the loop; it sends until `counters.endAt` (or `loopsMax` loops) and then stops by itself. */
  start(loopsMax = Number.POSITIVE_INFINITY): void {
    this.loopsLeft = loopsMax;
    this.running = true;
    this.sendNext();
  }

  /** Gives up on a request unanswered for `timeoutMs` and carries on with the next one. */
  checkTimeout(now: number, timeoutMs: number): void {
    if (this.awaiting < 0 || now - this.sentAt < timeoutMs) return;
    const flash = this.flash;
    if (flash !== undefined && this.holdId !== undefined) {
      // A release unanswered: the hold is live as far as anyone can tell, and the buyer moves on.
      this.counters.count(this.counters.failures, 'release:ACK_TIMEOUT', performance.timeOrigin + now);
      this.counters.grants.add(flash.seatIndex, flash.holdAckAt, Number.NaN, this.holdId);
      this.holdId = undefined;
      this.loopsLeft -= 1;
    } else this.counters.count(this.counters.failures, 'ACK_TIMEOUT', performance.timeOrigin + now);
    this.awaiting = -1;
    this.sendNext();
  }

  close(): void {
    this.running = false;
    this.socket.terminate();
  }

  private finish(): void {
    this.awaiting = -1;
    this.markFinished();
  }

  private sendNext(): void {
    // A `flash` grant is released even past the end (as the heavy client does), so no hold is left live unrecorded.
    const releasing = this.flash !== undefined && this.holdId !== undefined;
    if (
      !this.running ||
      this.closed ||
      (!releasing && (this.loopsLeft <= 0 || performance.timeOrigin + performance.now() >= this.counters.endAt))
    ) {
      this.finish();
      return;
    }
    const ackId = ++this.ackId;
    this.awaiting = ackId;
    this.sentAt = performance.now();
    const flash = this.flash;
    if (flash === undefined)
      this.socket.send(this.holdId === undefined ? this.encoder.hold(ackId) : this.encoder.release(ackId, this.holdId));
    else if (this.holdId === undefined) {
      flash.seatIndex = pickSeat(flash.next, flash.plan.pattern);
      this.socket.send(flash.encoder.hold(ackId, flash.plan.seatIdJsons[flash.seatIndex]!));
    } else {
      flash.releaseSentAt = performance.timeOrigin + this.sentAt;
      this.socket.send(flash.encoder.release(ackId, this.holdId));
    }
  }

  private onMessage(text: string): void {
    const message = decode(text);
    if (message.kind === 'ping') {
      this.socket.send(pongPacket);
      return;
    }
    if (message.kind !== 'ack') {
      this.counters.otherMessages += 1;
      return;
    }
    // A late answer to a request already given up on: the next request is under way.
    if (message.ackId !== this.awaiting) return;
    const now = performance.now();
    const at = performance.timeOrigin + now;
    const counters = this.counters;
    const measured = counters.inWindow(at);
    const wasRelease = this.holdId !== undefined;
    if (measured) {
      counters.latencies.push(now - this.sentAt);
      if (!wasRelease) {
        counters.holdLatencies.push(now - this.sentAt);
        tallyHold(counters.holds, message);
      }
    }
    if (this.flash !== undefined) this.onFlashAck(message, at, measured, wasRelease);
    else if (!message.ok) {
      // A refused hold is tried again; a refused release too, since the hold is still ours as far as we know.
      counters.count(counters.refusals, wasRelease ? `release:${message.code}` : message.code, at);
    } else if (wasRelease) {
      this.holdId = undefined;
      this.loopsLeft -= 1;
      if (measured) {
        counters.releasesAcked += 1;
        counters.loops += 1;
      }
    } else if (message.holdId === undefined) {
      counters.count(counters.failures, 'HOLD_WITHOUT_ID', at);
    } else {
      this.holdId = message.holdId;
      if (measured) counters.holdsAcked += 1;
    }
    this.sendNext();
  }

  /**
   * The `flash` workload's answer: a refused hold is followed by the next pick; a granted one is kept or released; a
   * release answered (or refused) ends the attempt. Every grant goes to the grant log once its fate is known. The
   * caller sends the next request.
   */
  private onFlashAck(
    message: Extract<Incoming, { kind: 'ack' }>,
    at: number,
    measured: boolean,
    wasRelease: boolean,
  ): void {
    const counters = this.counters;
    const flash = this.flash!;
    if (wasRelease) {
      const holdId = this.holdId!;
      this.holdId = undefined;
      this.loopsLeft -= 1;
      if (message.ok) {
        counters.grants.add(flash.seatIndex, flash.holdAckAt, flash.releaseSentAt, holdId);
        if (measured) {
          counters.releasesAcked += 1;
          counters.loops += 1;
        }
      } else {
        // As the heavy client does: the hold stays live as far as anyone can tell, and the buyer moves on.
        counters.count(counters.failures, `release:${message.code}`, at);
        counters.grants.add(flash.seatIndex, flash.holdAckAt, Number.NaN, holdId);
      }
    } else if (!message.ok) {
      counters.count(counters.refusals, message.code, at);
      this.loopsLeft -= 1;
    } else if (message.holdId === undefined) {
      counters.count(counters.failures, 'HOLD_WITHOUT_ID', at);
      this.loopsLeft -= 1;
    } else {
      if (measured) counters.holdsAcked += 1;
      if (keepsHold(flash.next, flash.kept, flash.plan.pattern)) {
        flash.kept += 1;
        counters.grants.add(flash.seatIndex, at, Number.NaN, message.holdId);
        this.loopsLeft -= 1;
      } else {
        this.holdId = message.holdId;
        flash.holdAckAt = at;
      }
    }
  }
}
