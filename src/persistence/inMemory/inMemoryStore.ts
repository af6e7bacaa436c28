import type { BuyerContact } from '../../contract/schemas.ts';
import { unstorableTextPath } from '../../domain/storableText.ts';
import type { EventConfig, Venue } from '../../domain/venue.ts';
import { type Catalog, CatalogConflictError, CatalogUnknownVenueError } from '../catalog.ts';
import type { Contacts } from '../contacts.ts';
import {
  type AppendChain,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type Snapshot,
  type StoredEvent,
  snapshotHistoryEveryEvents,
  WrongExpectedVersionError,
} from '../eventStore.ts';
import { isBefore, newestFirst, type OrderIndex, type OrderRef } from '../orderIndex.ts';
import type { Outbox, OutboxMessage, OutboxRow } from '../outbox.ts';
import type { ProjectionStore } from '../projectionStore.ts';
import { inMemoryProjections } from './inMemoryProjections.ts';

export type InMemoryStore = Readonly<{
  eventStore: EventStore;
  catalog: Catalog;
  ping: () => Promise<void>;
  orderIndex: OrderIndex;
  outboxes: readonly Outbox[];
  projections: readonly ProjectionStore[];
  contacts: Contacts;
  close: () => Promise<void>;
}>;

/**
 * The stores in plain Maps, for unit tests of the actors. Data is copied through JSON on the way in and
 * out, as jsonb does, so a test cannot pass by mutating an object the store still holds, and a value that
 * would not survive Postgres (undefined, a Date) does not survive here either. Text Postgres refuses (NUL, a lone
 * surrogate) is refused here too, with Postgres's SQLSTATE, so a test on this store catches what would fail there.
 */
export function openInMemoryStore(): InMemoryStore {
  const all: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  const snapshots = new Map<string, Snapshot>();
  /** Snapshots kept for temporal reads, per stream, in version order. */
  const snapshotHistory = new Map<string, Snapshot[]>();
  /** The id of the append that ended at a stream version (AppendChain), by `stream\u001fversion`. */
  const appendIds = new Map<string, string>();
  const venues = new Map<string, string>();
  // Insertion order is creation order, which is what listEvents promises.
  const events = new Map<string, string>();
  const secrets = new Map<string, string>();
  const outboxRows: InMemoryOutboxRow[] = [];
  const contactsByUser = new Map<string, string>();

  const eventStore: EventStore = {
    async append(
      streamId: string,
      expectedVersion: number,
      batch: readonly NewEvent[],
      outbox: readonly OutboxMessage[] = [],
      chain?: AppendChain,
    ): Promise<AppendResult> {
      if (batch.length === 0) throw new RangeError('append needs at least one event');
      const stream = streams.get(streamId) ?? [];
      if (stream.length !== expectedVersion) throw new WrongExpectedVersionError(streamId, expectedVersion);
      const key = (version: number) => `${streamId}\u001f${version}`;
      if (chain?.after !== undefined && appendIds.get(key(expectedVersion)) !== chain.after)
        throw new WrongExpectedVersionError(streamId, expectedVersion);
      if (chain !== undefined) appendIds.set(key(expectedVersion + batch.length), chain.id);
      // Checked before anything is kept, so events and notifications are written together or not at all.
      const queued = outbox.map((message) => ({ ...message, payload: jsonbCopy(message.payload) }));
      const recordedAt = new Date();
      const stored = batch.map(
        (event, i): StoredEvent => ({
          position: all.length + i + 1,
          streamId,
          streamVersion: expectedVersion + i + 1,
          type: event.type,
          data: jsonbCopy(event.data ?? null),
          recordedAt,
        }),
      );
      for (const event of stored) all.push(event);
      // In place: copying the stream on every append made a long-running stream's appends cost its length (at 30,000
      // events a second the copy was a third of the in-process benchmark's time). Readers get copies (copyEvent).
      if (!streams.has(streamId)) streams.set(streamId, stream);
      for (const event of stored) stream.push(event);
      for (const message of queued) {
        if (outboxRows.some((row) => row.key === message.key)) continue;
        outboxRows.push({ ...message, id: outboxRows.length + 1, attempts: 0, channelsDone: [], dueAt: message.at });
      }
      return { fromVersion: expectedVersion + 1, toVersion: expectedVersion + batch.length, lastPosition: all.length };
    },

    async readStream(streamId: string, afterVersion = 0, limit?: number): Promise<StoredEvent[]> {
      const stream = streams.get(streamId) ?? [];
      return stream.slice(afterVersion, limit === undefined ? undefined : afterVersion + limit).map(copyEvent);
    },

    async readStreamVersions(streamId: string, versions: readonly number[]): Promise<StoredEvent[]> {
      const stream = streams.get(streamId) ?? [];
      return [...new Set(versions)]
        .sort((a, b) => a - b)
        .flatMap((version) => (Number.isInteger(version) && version >= 1 ? (stream[version - 1] ?? []) : []))
        .map(copyEvent);
    },

    async readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
      return all.slice(afterPosition, afterPosition + limit).map(copyEvent);
    },

    async saveSnapshot(streamId: string, version: number, state: unknown): Promise<void> {
      const current = snapshots.get(streamId);
      if (current !== undefined && current.version > version) return;
      const snapshot = { streamId, version, state: jsonCopy(state ?? null), takenAt: new Date() };
      snapshots.set(streamId, snapshot);
      const history = snapshotHistory.get(streamId) ?? [];
      if (!history.some((kept) => kept.version > version - snapshotHistoryEveryEvents)) {
        snapshotHistory.set(
          streamId,
          [...history, snapshot].sort((a, b) => a.version - b.version),
        );
      }
    },

    async loadSnapshotAt(streamId: string, maxVersion: number): Promise<Snapshot | undefined> {
      const head = snapshots.get(streamId);
      const kept = (snapshotHistory.get(streamId) ?? []).filter((snapshot) => snapshot.version <= maxVersion).at(-1);
      const best =
        head !== undefined && head.version <= maxVersion && head.version >= (kept?.version ?? 0) ? head : kept;
      return best === undefined ? undefined : { ...best, state: jsonCopy(best.state) };
    },

    async loadSnapshot(streamId: string): Promise<Snapshot | undefined> {
      const snapshot = snapshots.get(streamId);
      return snapshot === undefined ? undefined : { ...snapshot, state: jsonCopy(snapshot.state) };
    },

    close: async () => {},
  };

  const catalog: Catalog = {
    async createVenue(venue: Venue): Promise<void> {
      refuseUnstorable(venue);
      if (venues.has(venue.id)) throw new CatalogConflictError('venue', venue.id);
      venues.set(venue.id, JSON.stringify(venue));
    },
    async getVenue(id: string): Promise<Venue | undefined> {
      const json = venues.get(id);
      return json === undefined ? undefined : (JSON.parse(json) as Venue);
    },
    async createEvent(event: EventConfig): Promise<void> {
      refuseUnstorable(event);
      if (events.has(event.id)) throw new CatalogConflictError('event', event.id);
      if (!venues.has(event.venueId)) throw new CatalogUnknownVenueError(event.id, event.venueId);
      events.set(event.id, JSON.stringify(event));
    },
    async getEvent(id: string): Promise<EventConfig | undefined> {
      const json = events.get(id);
      return json === undefined ? undefined : (JSON.parse(json) as EventConfig);
    },
    async secret(name: string, create: () => string): Promise<string> {
      let value = secrets.get(name);
      if (value === undefined) {
        value = create();
        secrets.set(name, value);
      }
      return value;
    },

    async listEvents(limit: number): Promise<EventConfig[]> {
      return [...events.values()].slice(0, limit).map((json) => JSON.parse(json) as EventConfig);
    },
  };

  // A scan: the in-memory store serves tests, where the log is small.
  const orderIndex: OrderIndex = {
    async ordersOf(userId, { streamId, before, limit }) {
      return all
        .filter((event) => event.type === 'OrderPlaced' && (streamId === undefined || event.streamId === streamId))
        .flatMap((event) => {
          const data = event.data as { orderId: string; userId: string; at: number };
          const ref: OrderRef = { orderId: data.orderId, streamId: event.streamId, placedAt: data.at };
          return data.userId === userId && (before === undefined || isBefore(ref, before)) ? [ref] : [];
        })
        .sort(newestFirst)
        .slice(0, limit);
    },
  };

  const contacts: Contacts = {
    async set(userId, contact) {
      contactsByUser.set(userId, JSON.stringify(jsonbCopy(contact)));
    },
    async get(userId) {
      const json = contactsByUser.get(userId);
      return json === undefined ? undefined : (JSON.parse(json) as BuyerContact);
    },
    async getMany(userIds) {
      const found = new Map<string, BuyerContact>();
      for (const userId of userIds) {
        const json = contactsByUser.get(userId);
        if (json !== undefined) found.set(userId, JSON.parse(json) as BuyerContact);
      }
      return found;
    },
    async forget(userId, field, address) {
      const json = contactsByUser.get(userId);
      if (json === undefined) return false;
      const contact = JSON.parse(json) as BuyerContact;
      const value = contact[field];
      const stored = typeof value === 'object' ? value.endpoint : value;
      if (stored !== address) return false;
      delete contact[field];
      contactsByUser.set(userId, JSON.stringify(contact));
      return true;
    },
  };

  return {
    eventStore,
    catalog,
    ping: async () => {},
    orderIndex,
    outboxes: [inMemoryOutbox(outboxRows)],
    projections: [inMemoryProjections(eventStore.readAll)],
    contacts,
    close: eventStore.close,
  };
}

type InMemoryOutboxRow = {
  -readonly [K in keyof OutboxRow]: OutboxRow[K];
} & { dueAt: number; leasedBy?: string; lastError?: string; deliveredAt?: number; deadAt?: number };

/** The SQL outbox's semantics over an array (sqlOutbox.ts): leases by due time, oldest first. */
const inMemoryOutbox = (rows: InMemoryOutboxRow[]): Outbox => {
  const open = (row: InMemoryOutboxRow) => row.deliveredAt === undefined && row.deadAt === undefined;
  const byId = (id: number) => {
    const row = rows[id - 1];
    if (row === undefined) throw new Error(`no outbox row ${id}`);
    return row;
  };
  const view = (row: InMemoryOutboxRow): OutboxRow => ({
    id: row.id,
    key: row.key,
    topic: row.topic,
    userId: row.userId,
    at: row.at,
    payload: jsonCopy(row.payload),
    attempts: row.attempts,
    channelsDone: [...row.channelsDone],
  });
  return {
    async claim(now, leaseMs, owner, limit) {
      const due = rows
        .filter((row) => open(row) && row.dueAt <= now)
        .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)
        .slice(0, limit);
      for (const row of due) {
        row.dueAt = now + leaseMs;
        row.leasedBy = owner;
      }
      return due.map(view).sort((a, b) => a.id - b.id);
    },
    async delivered(marks) {
      for (const { id, channelsDone, at } of marks) {
        Object.assign(byId(id), { deliveredAt: at, channelsDone: [...channelsDone], leasedBy: undefined });
        byId(id).attempts += 1;
      }
    },
    async retry(id, channelsDone, attempts, dueAt, error) {
      Object.assign(byId(id), {
        dueAt,
        channelsDone: [...channelsDone],
        attempts,
        lastError: error,
        leasedBy: undefined,
      });
    },
    async dead(id, channelsDone, attempts, error, now) {
      Object.assign(byId(id), {
        deadAt: now,
        channelsDone: [...channelsDone],
        attempts,
        lastError: error,
        leasedBy: undefined,
      });
    },
    async releaseLeases(owner, now) {
      const leased = rows.filter((row) => open(row) && row.leasedBy === owner);
      for (const row of leased) Object.assign(row, { dueAt: now, leasedBy: undefined });
      return leased.length;
    },
    async depth() {
      return { pending: rows.filter(open).length, dead: rows.filter((row) => row.deadAt !== undefined).length };
    },
    async revive(keys, now) {
      const wanted = keys === undefined ? undefined : new Set(keys);
      const revived = rows.filter((row) => row.deadAt !== undefined && (wanted?.has(row.key) ?? true));
      for (const row of revived)
        Object.assign(row, { deadAt: undefined, dueAt: now, attempts: 0, leasedBy: undefined });
      return revived.length;
    },
    async deadLetters(limit) {
      return rows
        .filter((row) => row.deadAt !== undefined)
        .slice(0, limit)
        .map((row) => ({ ...view(row), lastError: row.lastError, deadAt: row.deadAt as number }));
    },
  };
};

/** Postgres's answer to text it cannot keep in jsonb: `22P02 invalid input syntax for type json`. */
export class UnstorableJsonError extends Error {
  readonly code = '22P02';
  constructor(path: string) {
    super(`invalid input syntax for type json (unstorable text at ${path || 'the top'})`);
    this.name = 'UnstorableJsonError';
  }
}

/** Postgres's own JSON nesting limit is far deeper than anything this project writes. */
const jsonDepthMax = 1_000;

function refuseUnstorable(value: unknown): void {
  const path = unstorableTextPath(value, jsonDepthMax);
  if (path !== undefined) throw new UnstorableJsonError(path);
}

/** As a jsonb column stores it: refused when Postgres would refuse it, a copy otherwise. */
function jsonbCopy(value: unknown): unknown {
  refuseUnstorable(value);
  return jsonCopy(value);
}

function jsonCopy(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function copyEvent(event: StoredEvent): StoredEvent {
  return { ...event, data: jsonCopy(event.data), recordedAt: new Date(event.recordedAt) };
}
