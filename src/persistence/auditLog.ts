import type { EventStore } from './eventStore.ts';

/** One change as the audit trail shows it: the stream version it took, what happened and when it was recorded. */
export type AuditEntry = Readonly<{ version: number; type: string; data: unknown; recordedAt: string }>;

/**
 * The audit trail's port: rows of one stream at the versions asked for, read from the log (never through an actor's
 * mailbox). A projection could answer it as well as the event store does.
 */
export interface AuditLog {
  /** The stream's events at these versions, in stream order; versions the stream does not have are skipped. */
  entries(streamId: string, versions: readonly number[]): Promise<AuditEntry[]>;
}

/** The audit log over the event store: one indexed read of exactly the versions asked for. */
export const eventStoreAuditLog = (store: Pick<EventStore, 'readStreamVersions'>): AuditLog => ({
  async entries(streamId, versions) {
    const stored = await store.readStreamVersions(streamId, versions);
    return stored.map((event) => ({
      version: event.streamVersion,
      type: event.type,
      data: event.data,
      recordedAt: event.recordedAt.toISOString(),
    }));
  },
});
