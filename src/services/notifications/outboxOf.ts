import { notificationsOf } from '../../domain/notifications/notifications.ts';
import type { InventoryState } from '../../domain/seatMap/state.ts';
import type { EventStreamEvent } from '../../domain/waitlist/index.ts';
import type { OutboxMessage } from '../../persistence/outbox.ts';

/** The outbox rows of a batch: each notification the domain decides, whole, as the row's payload. */
export const outboxOf = (events: readonly EventStreamEvent[], state: InventoryState): OutboxMessage[] =>
  notificationsOf(events, state).map((notification) => ({
    key: notification.key,
    topic: notification.topic,
    userId: notification.userId,
    at: notification.at,
    payload: notification,
  }));
