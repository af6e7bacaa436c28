/**
 * One connection of the light load client: a raw WebSocket speaking socket.io (./protocol.ts), looping
 * hold → release on its own seat with one request in flight. It records into the counters its process owns.
 */
import WebSocket from 'ws';
import { connectPacket, decode, pongPacket, type RequestEncoder, requestEncoder, socketIoPath } from './protocol.ts';

/** What every connection of a client process adds to; latencies are kept as a plain sample, merged later. */
export class LoadCounters {
  measureFrom = Number.POSITIVE_INFINITY;
  endAt = Number.POSITIVE_INFINITY;
  loops = 0;
  holdsAcked = 0;
  releasesAcked = 0;
  /** Ack latencies (ms) of every request answered inside the measured window, holds and releases alike. */
  latencies = new Float64Array(1 << 16);
  latencyCount = 0;
  refusals: Record<string, number> = {};
  failures: Record<string, number> = {};
  /** Messages that were neither acks nor pings (pushes, disconnects); the load never subscribes, so expect 0. */
  otherMessages = 0;

  inWindow(at: number): boolean {
    return at >= this.measureFrom && at < this.endAt;
  }

  latency(ms: number): void {
    if (this.latencyCount === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.latencyCount++] = ms;
  }

  count(into: Record<string, number>, code: string, at: number): void {
    if (this.inWindow(at)) into[code] = (into[code] ?? 0) + 1;
  }
}

export type ConnectionTarget = Readonly<{ baseUrl: string; eventId: string; token: string; seatId: string }>;

export class LoadConnection {
  private readonly socket: WebSocket;
  private readonly encoder: RequestEncoder;
  private ackId = 0;
  /** The ack id awaited, or -1 when nothing is in flight. */
  private awaiting = -1;
  private sentAt = 0;
  private holdId: string | undefined;
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
    this.counters.count(this.counters.failures, 'ACK_TIMEOUT', performance.timeOrigin + now);
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
    if (
      !this.running ||
      this.closed ||
      this.loopsLeft <= 0 ||
      performance.timeOrigin + performance.now() >= this.counters.endAt
    ) {
      this.finish();
      return;
    }
    const ackId = ++this.ackId;
    this.awaiting = ackId;
    this.sentAt = performance.now();
    this.socket.send(this.holdId === undefined ? this.encoder.hold(ackId) : this.encoder.release(ackId, this.holdId));
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
    if (measured) counters.latency(now - this.sentAt);
    const wasRelease = this.holdId !== undefined;
    if (!message.ok) {
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
}
