import { type ContentCoding, compress, type SeatMapForm, type SeatMapRendition } from '../../actors/seatMapCache.ts';
import { BookingError } from '../../domain/bookingError.ts';
import type { BookingService } from '../../services/bookingService.ts';
import { remoteOf } from '../rest/forwarding.ts';

/** What a socket subscriber on a node that does not own the event needs of the owner: its map, read over HTTP. */
export type SeatMapPeer = Readonly<{
  target(eventId: string): Promise<Readonly<{ kind: 'local' }> | Readonly<{ kind: 'remote'; url: string }>>;
  get(url: string, path: string): Promise<string>;
}>;

/** A map the owner rendered, as its REST answer gave it: the same text, so a subscriber here reads the same bytes. */
class RemoteRendition implements SeatMapRendition {
  readonly etag: string;
  private readonly encodings = new Map<string, Promise<Buffer>>();

  constructor(
    readonly version: number,
    private readonly mapText: string,
    private readonly statusText: string,
  ) {
    this.etag = `"${version}"`;
  }

  json(): string {
    return this.mapText;
  }

  body(): Buffer {
    return Buffer.from(this.mapText);
  }

  statusJson(): string {
    return this.statusText;
  }

  bytes(form: SeatMapForm): Buffer {
    return Buffer.from(form === 'map' ? this.mapText : this.statusText);
  }

  encoded(form: SeatMapForm, coding: ContentCoding): Promise<Buffer> {
    const name = `${form}:${coding}`;
    let encoded = this.encodings.get(name);
    if (encoded === undefined) {
      encoded = compress[coding](this.bytes(form));
      this.encodings.set(name, encoded);
    }
    return encoded;
  }
}

/**
 * The booking service as the socket server on a cluster node sees it: the seat map and its version come from the
 * event's owner when another node owns it (both forms in one go, since a subscribe asks for one of them after the
 * version); everything else is this node's. Diffs reach this node's subscribers through socket.io's Redis adapter.
 */
export const withRemoteSeatMaps = (booking: BookingService, peer: () => SeatMapPeer | undefined): BookingService => {
  const remote = async (eventId: string): Promise<SeatMapRendition | undefined> => {
    const owner = await remoteOf(peer, eventId);
    if (owner === undefined) return undefined;
    const { forwarder, url } = owner;
    const path = `/v1/events/${encodeURIComponent(eventId)}/seatmap`;
    // The two reads may straddle a commit: read again until both forms show one version (rarely more than once).
    for (let attempt = 0; attempt < 3; attempt++) {
      const [mapText, statusText] = await Promise.all([
        forwarder.get(url, path),
        forwarder.get(url, `${path}?form=status`),
      ]);
      const version = (JSON.parse(statusText) as { version: number }).version;
      if ((JSON.parse(mapText) as { version: number }).version === version)
        return new RemoteRendition(version, mapText, statusText);
    }
    throw new BookingError('UNAVAILABLE', `the seat map of ${eventId} changed under every read; retry`);
  };
  // The local cache's current frame is not the owner's: every read here goes through `seatMap`.
  const { currentSeatMap: _local, ...local } = booking;
  return {
    ...local,
    async seatMap(eventId) {
      return (await remote(eventId)) ?? booking.seatMap(eventId);
    },
    async committedVersion(eventId) {
      return (await remote(eventId))?.version ?? booking.committedVersion(eventId);
    },
  };
};
