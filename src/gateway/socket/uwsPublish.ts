import type { Server } from 'socket.io';
import type { TemplatedApp } from '../uws.ts';

type Broadcast = (this: AdapterLike, packet: unknown, opts: unknown) => void;
type AdapterLike = { nsp: { server: unknown }; broadcast: Broadcast; addAll: unknown; del: unknown };
type AdapterProto = { broadcast: Broadcast; addAll: unknown; del: unknown };

/**
 * socket.io's `attachApp` patches the in-memory Adapter's prototype (process-wide) so that a broadcast to one room
 * becomes uWS's native `app.publish`, with the app captured in a closure. A second server in the same process (tests,
 * benchmarks) would then publish the first server's diffs on the second server's app, and closing either server
 * restores the prototype under the other. This keeps one patched broadcast per socket.io server and dispatches on
 * the adapter's own server, so each server publishes on its own app.
 */
const publishers = new Map<unknown, Broadcast>();
let saved: { proto: AdapterProto; broadcast: Broadcast; addAll: unknown; del: unknown } | undefined;
let patchedMembership: { addAll: unknown; del: unknown } | undefined;

const install = (proto: AdapterProto, original: Broadcast) => {
  proto.addAll = patchedMembership!.addAll;
  proto.del = patchedMembership!.del;
  proto.broadcast = function dispatch(this: AdapterLike, packet: unknown, opts: unknown) {
    (publishers.get(this.nsp.server) ?? original).call(this, packet, opts);
  };
};

export const attachWithOwnPublish = (io: Server, app: TemplatedApp): void => {
  const proto = Object.getPrototypeOf(io.of('/').adapter) as AdapterProto;
  if (saved === undefined || saved.proto !== proto) {
    saved = { proto, broadcast: proto.broadcast, addAll: proto.addAll, del: proto.del };
  }
  // attachApp patches from socket.io's own saved originals, so whatever we installed before does not nest.
  io.attachApp(app);
  publishers.set(io, proto.broadcast);
  patchedMembership = { addAll: proto.addAll, del: proto.del };
  install(proto, saved.broadcast);
};

/** Call after `io.close()`, which restores the prototype for everyone: re-installs it for servers still open. */
export const detachOwnPublish = (io: Server): void => {
  publishers.delete(io);
  if (saved !== undefined && publishers.size > 0) install(saved.proto, saved.broadcast);
};
