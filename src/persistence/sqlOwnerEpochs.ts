import type { OwnerEpochs, OwnerRecord } from './fence.ts';
import { type SqlClient, toSafeNumber } from './sqlClient.ts';

type OwnerRow = { stream_id: string; epoch: unknown; node: string | null };

const toRecord = (row: OwnerRow): OwnerRecord => ({
  streamId: row.stream_id,
  epoch: toSafeNumber(row.epoch),
  node: row.node,
});

/** Owner epochs in the `event_owner` table (migration 11), in the database whose appends they fence. */
export const sqlOwnerEpochs = (client: SqlClient): OwnerEpochs => ({
  async claim(streamId, node) {
    // One statement: the first claim creates the row at epoch 1, every later one raises it by one. The row lock it
    // takes waits for appends in flight under the old epoch (they hold it FOR SHARE), so once this returns, none of
    // them can still commit.
    const [row] = await client.query<{ epoch: unknown }>(
      `INSERT INTO event_owner (stream_id, epoch, node) VALUES ($1, 1, $2)
       ON CONFLICT (stream_id) DO UPDATE SET epoch = event_owner.epoch + 1, node = $2, claimed_at = now()
       RETURNING epoch`,
      [streamId, node],
    );
    if (row === undefined) throw new Error(`claiming ${streamId} returned no epoch`);
    return toSafeNumber(row.epoch);
  },

  async current(streamId) {
    const [row] = await client.query<OwnerRow>('SELECT stream_id, epoch, node FROM event_owner WHERE stream_id = $1', [
      streamId,
    ]);
    return row === undefined ? undefined : toRecord(row);
  },

  async owned(limit) {
    const rows = await client.query<OwnerRow>(
      'SELECT stream_id, epoch, node FROM event_owner WHERE node IS NOT NULL ORDER BY stream_id LIMIT $1',
      [limit],
    );
    return rows.map(toRecord);
  },

  async vacate(streamId, node, epoch) {
    await client.query('UPDATE event_owner SET node = NULL WHERE stream_id = $1 AND node = $2 AND epoch = $3', [
      streamId,
      node,
      epoch,
    ]);
  },
});
