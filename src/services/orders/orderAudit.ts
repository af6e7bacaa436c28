import { streamIdOf } from '../../actors/eventActor.ts';
import type { AuditEntry, AuditLog } from '../../persistence/auditLog.ts';
import type { OrderReads } from './orderReads.ts';

export type OrderAudit = ReturnType<typeof createOrderAudit>;

/**
 * The audit trail of a buyer's order: every event of the booking behind it (its hold's and its own), in stream order.
 * The order's record names the versions it touched, so the log is read at those versions only: the booking's few
 * events, however long the stream has grown. One mailbox read (whose order it is), then the log.
 */
export const createOrderAudit = (deps: Readonly<{ reads: OrderReads; log: AuditLog }>) => ({
  async history(orderId: string, userId: string): Promise<AuditEntry[]> {
    const { actor, order } = await deps.reads.ownOrder(orderId, userId);
    return deps.log.entries(streamIdOf(actor.eventId), order.eventVersions);
  },
});
