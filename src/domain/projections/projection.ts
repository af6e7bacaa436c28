/**
 * A projection is pure: how one document of a read model changes with one logged event. The shell (the projection
 * runner) reads the log in order from a checkpoint, loads the documents the events name, evolves them with this, and
 * writes them back with the new checkpoint in one transaction, so a crash between the two cannot count an event twice.
 *
 * Documents are keyed, not one blob per projection, so a batch of events loads and writes only what it touches (the
 * sales of one event, the history of a few seats, a few buyers).
 */
export type LoggedEvent = Readonly<{
  /** Global position in its database's log. */
  position: number;
  streamId: string;
  streamVersion: number;
  type: string;
  data: unknown;
  /** Epoch ms the database recorded it. */
  recordedAt: number;
}>;

export type Projection<Doc> = Readonly<{
  /** A document projection (the default): each key's one document is read, evolved and written back. */
  kind?: 'documents';
  /** Stable: it names the checkpoint and the documents in the store. */
  name: string;
  /** The documents this event changes (none: the projection ignores it). */
  keysOf: (event: LoggedEvent) => readonly string[];
  /**
   * One document after the event; `undefined` in: no document yet. Like the inventory's evolve it may change the
   * document it is given and return it (the runner owns the only copy), so a document with thousands of orders is not
   * copied for every event.
   */
  evolve: (doc: Doc | undefined, event: LoggedEvent, key: string) => Doc;
}>;

/** One entry a log projection adds under a key. */
export type KeyedEntry<Entry> = Readonly<{ key: string; entry: Entry }>;

/**
 * An append-only projection: each event adds entries under keys and nothing is ever changed. The store keeps only
 * where each key's entries came from (the positions of the events, grouped in rows by bucket and batch) and a read
 * derives the entries again from those events with `entriesOf`: the log already holds every byte of them. For read
 * models that only grow, such as a seat's history: as one document per key it was read and rewritten whole on every
 * change (a seat held and released a thousand times rewritten with a thousand entries on the thousand-and-first), and
 * as one row per entry it still wrote the entry's bytes a second time beside the event's.
 */
export type LogProjection<Entry> = Readonly<{
  kind: 'log';
  /** Stable: it names the checkpoint and the references in the store. */
  name: string;
  /** What this event adds, under which keys (none: the projection ignores it). Pure: reads call it again. */
  entriesOf: (event: LoggedEvent) => readonly KeyedEntry<Entry>[];
  /**
   * Keys kept together: a batch writes one row per bucket it touches, and a key is read from its bucket's rows. Few
   * buckets make cheap writes and dearer reads. Default: the key itself.
   */
  bucketOf?: (key: string) => string;
}>;

/** Any projection, for the runner, which treats documents and entries as opaque JSON. */
// biome-ignore lint/suspicious/noExplicitAny: the runner stores documents as JSON and never looks inside them.
export type AnyProjection = Projection<any> | LogProjection<any>;

export const isLogProjection = (projection: AnyProjection): projection is Extract<AnyProjection, { kind: 'log' }> =>
  projection.kind === 'log';

/** The event id of an event's stream (`event-<eventId>`, as the actor names it), or undefined for another stream. */
export const eventIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith('event-') ? streamId.slice('event-'.length) : undefined;

/**
 * Runs a projection over events in memory (specs, rebuild checks): the same fold the runner does in batches.
 * `docs` is changed in place and returned.
 */
export const projectAll = <Doc>(
  projection: Projection<Doc>,
  events: Iterable<LoggedEvent>,
  docs: Map<string, Doc> = new Map(),
): Map<string, Doc> => {
  for (const event of events) {
    for (const key of projection.keysOf(event)) docs.set(key, projection.evolve(docs.get(key), event, key));
  }
  return docs;
};

/** Runs a log projection over events in memory: each key's entries in log order. `entries` is changed in place. */
export const collectAll = <Entry>(
  projection: LogProjection<Entry>,
  events: Iterable<LoggedEvent>,
  entries: Map<string, Entry[]> = new Map(),
): Map<string, Entry[]> => {
  for (const event of events) {
    for (const { key, entry } of projection.entriesOf(event)) {
      const list = entries.get(key);
      if (list === undefined) entries.set(key, [entry]);
      else list.push(entry);
    }
  }
  return entries;
};
