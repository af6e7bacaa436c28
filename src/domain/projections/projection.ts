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

/** Any projection, for the runner, which treats documents as opaque JSON. */
// biome-ignore lint/suspicious/noExplicitAny: the runner stores documents as JSON and never looks inside them.
export type AnyProjection = Projection<any>;

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
