/**
 * Just enough of the socket.io v4 protocol (engine.io v4 over a WebSocket, default namespace, JSON parser) for the
 * light load client: the handshake, pings, `hold` and `release` requests with acks. Requests are pre-encoded: per
 * connection the constant parts of each packet are built once, and a request is a few string concatenations.
 *
 * Engine.io packets are one WebSocket text message each: `0` open, `1` close, `2` ping, `3` pong, `4` message.
 * A socket.io packet rides in a message: `40` connect (with auth), `41` disconnect, `42` event, `43` ack,
 * `44` connect error. An event with an ack id is `42<ackId>["name",payload]`; its answer is `43<ackId>[reply]`.
 */

/** The path a socket.io v4 client opens when it goes straight to the WebSocket transport. */
export const socketIoPath = '/socket.io/?EIO=4&transport=websocket';

/** The socket.io connect packet for the default namespace, carrying the handshake auth. */
export const connectPacket = (token: string): string => `40${JSON.stringify({ token })}`;

/** The engine.io answer to a ping. */
export const pongPacket = '3';

/** A socket.io request id: the ack id, which is unique per connection, serves as the idempotency key too. */
const requestIdPrefix = 'r';

/**
 * The encoder of one connection's requests: its hold is always the same seat, so only the ack id (also the
 * requestId) changes; a release carries the hold id the last hold's ack returned.
 */
export type RequestEncoder = Readonly<{
  hold: (ackId: number) => string;
  release: (ackId: number, holdId: string) => string;
}>;

/**
 * The encoder of a connection that holds a different seat each time (the `flash` workload): the seat goes in as its
 * JSON string (`"ORCH-1-1"`, quotes included), built once per seat by the caller.
 */
export type AnySeatEncoder = Readonly<{
  hold: (ackId: number, seatIdJson: string) => string;
  release: (ackId: number, holdId: string) => string;
}>;

const releaseBefore = '["release",{"holdId":';
const releaseMiddle = `,"requestId":"${requestIdPrefix}`;
// The hold id is written through JSON.stringify: it comes from the server and must not break the packet.
const release = (ackId: number, holdId: string) =>
  '42' + ackId + releaseBefore + JSON.stringify(holdId) + releaseMiddle + ackId + '"}]';

export const anySeatEncoder = (eventId: string): AnySeatEncoder => {
  const seatMarker = '\u0001';
  const requestMarker = '\u0002';
  const [head, middle, tail] = JSON.stringify([
    'hold',
    { eventId, seatIds: [seatMarker], requestId: requestMarker },
  ]).split(/"\\u000[12]"/) as [string, string, string];
  const holdAfterSeat = `${middle}"${requestIdPrefix}`;
  const holdAfter = `"${tail}`;
  return {
    hold: (ackId, seatIdJson) => '42' + ackId + head + seatIdJson + holdAfterSeat + ackId + holdAfter,
    release,
  };
};

export const requestEncoder = (eventId: string, seatId: string): RequestEncoder => {
  const anySeat = anySeatEncoder(eventId);
  const seatIdJson = JSON.stringify(seatId);
  return { hold: (ackId) => anySeat.hold(ackId, seatIdJson), release };
};

/** What the client needs from one message the server sent. */
export type Incoming =
  | Readonly<{ kind: 'open'; pingIntervalMs: number; pingTimeoutMs: number }>
  | Readonly<{ kind: 'ping' }>
  | Readonly<{ kind: 'connected' }>
  | Readonly<{ kind: 'connectError'; code: string; message: string }>
  /** An ack: `holdId` is set when the reply granted a hold; `code` when it refused (`ok:false`). */
  | Readonly<{ kind: 'ack'; ackId: number; ok: true; holdId: string | undefined }>
  | Readonly<{ kind: 'ack'; ackId: number; ok: false; code: string }>
  /** A push (`seatmap:diff`, ...), a disconnect or a close: the client only counts them. */
  | Readonly<{ kind: 'other'; type: string }>;

const ping: Incoming = { kind: 'ping' };
const connected: Incoming = { kind: 'connected' };
const okPrefix = '[{"ok":true';
const holdIdKey = '"holdId":"';

type AckReply = Readonly<{ ok?: unknown; hold?: { holdId?: unknown }; error?: { code?: unknown } }>;

/** Reads an ack's reply: the server writes `{ok:true, ...}` with `ok` first, so the usual case needs no JSON.parse. */
const decodeAck = (text: string): Incoming => {
  let at = 2;
  let ackId = 0;
  for (let c = text.charCodeAt(at); c >= 48 && c <= 57; c = text.charCodeAt(++at)) ackId = ackId * 10 + c - 48;
  if (text.startsWith(okPrefix, at)) {
    const key = text.indexOf(holdIdKey, at);
    if (key < 0) return { kind: 'ack', ackId, ok: true, holdId: undefined };
    const from = key + holdIdKey.length;
    const to = text.indexOf('"', from);
    // A hold id with escapes would end at the wrong quote; the general path below reads it properly.
    if (to > from && text.lastIndexOf('\\', to) < from)
      return { kind: 'ack', ackId, ok: true, holdId: text.slice(from, to) };
  }
  const [reply] = JSON.parse(text.slice(at)) as [AckReply | undefined];
  if (reply?.ok === true) {
    const holdId = reply.hold?.holdId;
    return { kind: 'ack', ackId, ok: true, holdId: typeof holdId === 'string' ? holdId : undefined };
  }
  const code = reply?.error?.code;
  return { kind: 'ack', ackId, ok: false, code: typeof code === 'string' ? code : 'MALFORMED_ACK' };
};

export const decode = (text: string): Incoming => {
  switch (text.charCodeAt(0)) {
    case 0x30: {
      // `0{"sid":...,"pingInterval":25000,"pingTimeout":20000,...}`
      const open = JSON.parse(text.slice(1)) as { pingInterval?: number; pingTimeout?: number };
      return { kind: 'open', pingIntervalMs: open.pingInterval ?? 25_000, pingTimeoutMs: open.pingTimeout ?? 20_000 };
    }
    case 0x32:
      return ping;
    case 0x34:
      switch (text.charCodeAt(1)) {
        case 0x33:
          return decodeAck(text);
        case 0x30:
          return connected;
        case 0x34: {
          const error = JSON.parse(text.slice(2)) as { message?: string; data?: { code?: string } };
          return { kind: 'connectError', code: error.data?.code ?? 'CONNECT_ERROR', message: error.message ?? '' };
        }
        default:
          return { kind: 'other', type: text.slice(0, 2) };
      }
    default:
      return { kind: 'other', type: text.slice(0, 1) };
  }
};
