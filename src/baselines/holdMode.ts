import { Redis } from 'ioredis';
import type { SocketHolds } from '../services/bookingService.ts';
import { type BaselineCatalog, type BaselineDatabase, openBaselineSeats } from './baselineSeats.ts';
import { ceilingHolds } from './ceilingHolds.ts';
import { optimisticHolds } from './optimisticHolds.ts';
import { redisLockHolds } from './redisLockHolds.ts';

export const holdModeNames = ['actor', 'optimistic', 'redisLock', 'ceiling'] as const;
export type HoldModeName = (typeof holdModeNames)[number];

/**
 * Who answers holds and releases (the front door's last stage, REST and sockets alike). `actor` is the product; the others are the benchmark's baselines
 * (docs/benchmarks.md), served by the same process, transport and validation.
 */
export type HoldMode =
  | Readonly<{ kind: 'actor' }>
  | Readonly<{ kind: 'optimistic'; database: BaselineDatabase }>
  | Readonly<{ kind: 'redisLock'; database: BaselineDatabase; redisUrl: string }>
  | Readonly<{ kind: 'ceiling' }>;

export type OpenedHoldMode = Readonly<{ holds: SocketHolds | undefined; close: () => Promise<void> }>;

/** Opens a baseline's connections; for `actor` there is nothing to open and the front door uses the actors. */
export const openHoldMode = async (mode: HoldMode, catalog: BaselineCatalog): Promise<OpenedHoldMode> => {
  switch (mode.kind) {
    case 'actor':
      return { holds: undefined, close: async () => {} };
    case 'ceiling':
      return { holds: ceilingHolds(), close: async () => {} };
    case 'optimistic': {
      const seats = await openBaselineSeats(mode.database, catalog);
      return { holds: optimisticHolds(seats), close: seats.close };
    }
    case 'redisLock': {
      const seats = await openBaselineSeats(mode.database, catalog);
      const redis = new Redis(mode.redisUrl, { maxRetriesPerRequest: 1 });
      return {
        holds: redisLockHolds(seats, redis),
        close: async () => {
          await seats.close();
          await redis.quit();
        },
      };
    }
    default: {
      const _exhaustive: never = mode;
      throw new Error(`unknown hold mode ${JSON.stringify(_exhaustive)}`);
    }
  }
};
