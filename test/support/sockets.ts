import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, SeatMapDiff, ServerToClientEvents } from '../../src/contract/protocol.ts';
import { stepTimeoutMs, within } from './bounded.ts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Where a socket that is not connected got to: whether its engine.io connection is open, and under which id. */
export const socketState = (socket: TestSocket): string => {
  const engine = socket.io.engine as { id?: string; readyState?: string; transport?: { name?: string } } | undefined;
  return engine?.id === undefined
    ? `engine ${engine?.readyState ?? 'not created'}, no handshake answered`
    : `engine ${engine.id} ${engine.readyState ?? ''} over ${engine.transport?.name ?? '?'}, namespace not connected`;
};

/** What the WebSocket's close said (its code and reason), when the transport closed: who closed it, and why. */
const closeDetails = (description: unknown): string => {
  const context = (description as { context?: { code?: unknown; reason?: unknown } } | undefined)?.context;
  if (context === undefined || typeof context !== 'object') return '';
  const reason = typeof context.reason === 'string' && context.reason.length > 0 ? ` ${context.reason}` : '';
  return `, close code ${String(context.code)}${reason}`;
};

/**
 * A raw socket.io client over WebSocket with the session token, connected (or rejected) before it returns: it rejects
 * with the server's connect_error as it came, or when the connection closes before the namespace connected, or when
 * neither came within `timeoutMs` (socket.io-client bounds the engine's open at 20 s, not the namespace's connect).
 */
export const openSocket = async (baseUrl: string, token: string, timeoutMs = stepTimeoutMs): Promise<TestSocket> => {
  const socket: TestSocket = io(baseUrl, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
    // Before the namespace connected, a closed connection is only a `disconnect`: without this the wait never ends.
    socket.once('disconnect', (reason, description) => {
      if (!socket.connected)
        reject(
          new Error(
            `socket to ${baseUrl} closed (${reason}${closeDetails(description)}) before its namespace connected`,
          ),
        );
    });
  });
  const what = () => `socket to ${baseUrl} waiting for 'connect' or 'connect_error' (${socketState(socket)})`;
  await within(what, connected, timeoutMs, () => socket.close());
  return socket;
};

/**
 * Subscribes and records the map it is given plus every diff after it, noting any gap (a diff whose fromVersion is
 * not the version reached so far). Diffs the subscribe reply already covers are dropped, as the SDK does.
 */
export const observe = async (socket: TestSocket, eventId: string) => {
  const early: SeatMapDiff[] = [];
  const state = {
    version: -1,
    seats: {} as Record<string, { status: string; priceTier: string; version: number }>,
    general: {} as Record<string, { capacity: number; available: number; priceTier: string }>,
    gaps: [] as string[],
    diffs: [] as SeatMapDiff[],
  };
  const apply = (diff: SeatMapDiff) => {
    if (diff.version <= state.version) return;
    if (diff.fromVersion !== state.version) state.gaps.push(`${state.version} -> ${diff.fromVersion}..${diff.version}`);
    for (const change of diff.changes)
      state.seats[change.seatId] = { ...state.seats[change.seatId]!, status: change.status, version: change.version };
    for (const change of diff.general)
      state.general[change.sectionId] = { ...state.general[change.sectionId]!, available: change.available };
    state.version = diff.version;
    state.diffs.push(diff);
  };
  let loaded = false;
  socket.on('seatmap:diff', (diff) => (loaded ? apply(diff) : early.push(diff)));
  const reply = await socket.timeout(5_000).emitWithAck('subscribe', { eventId });
  if (!reply.ok || reply.seatMap === undefined) throw new Error(`subscribe failed: ${JSON.stringify(reply)}`);
  state.version = reply.seatMap.version;
  state.seats = structuredClone(reply.seatMap.seats) as typeof state.seats;
  state.general = structuredClone(reply.seatMap.general) as typeof state.general;
  loaded = true;
  for (const diff of early) apply(diff);
  return state;
};
