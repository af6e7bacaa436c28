import { mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { systemClock } from '../../platform/clock.ts';

/** A lock older than this (no heartbeat) belongs to a process that died (kill -9, power loss) and is taken over. */
export const dataDirLockStaleMs = 10_000;
/** How often the owner refreshes its lock's mtime (proper-lockfile's `update`; 1 s is its minimum). */
export const dataDirLockHeartbeatMs = 1_000;

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    owner: string,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by another seatactor server (${owner}). Stop it, or set DATA_DIR to another ` +
        `folder; a lock left by a killed server is taken over ${dataDirLockStaleMs / 1000} s after it died.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export type DataDirLock = Readonly<{ release: () => Promise<void> }>;

/**
 * Holds DATA_DIR for this process's life, so two servers never open one embedded database (PGlite has no lock of its
 * own: both would write the same files). proper-lockfile makes `seatactor.lock` in the folder with mkdir (atomic)
 * and refreshes its mtime every second; a lock whose mtime is older than dataDirLockStaleMs is stale and taken over,
 * and one whose owner is a dead process of this machine sooner, so a server killed with -9 does not block the next
 * start. The lock goes on exit (signal-exit) and on `release`. `seatactor.owner.json` beside it says who holds it,
 * for the refusal's message and the dead-owner check.
 */
export const lockDataDir = async (dataDir: string, onLost: (error: Error) => void): Promise<DataDirLock> => {
  const folder = path.resolve(dataDir);
  mkdirSync(folder, { recursive: true });
  const ownerFile = path.join(folder, 'seatactor.owner.json');
  const lockDir = path.join(folder, 'seatactor.lock');
  const lock = (retries: number) =>
    lockfile.lock(folder, {
      lockfilePath: lockDir,
      stale: dataDirLockStaleMs,
      update: dataDirLockHeartbeatMs,
      retries: { retries, factor: 1.5, minTimeout: 500, maxTimeout: 3_000 },
      onCompromised: onLost,
    });
  const inUse = (error: unknown): never => {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    throw new DataDirInUseError(folder, describeOwner(readOwner(ownerFile)));
  };
  let release: () => Promise<void>;
  try {
    release = await lock(0);
  } catch (error) {
    const owner = readOwner(ownerFile);
    const local = owner?.host === hostname() && owner.pid !== undefined;
    // A live server on this machine: refuse at once.
    if (local && isAlive(owner.pid!)) inUse(error);
    // Its owner died on this machine without unlocking (kill -9) and has not refreshed it for two heartbeats: the
    // lock is an orphan, removed now rather than after the stale time. (A lock made a moment ago by another server
    // starting at the same time has a fresh mtime, so it is not mistaken for the orphan.)
    if (local && lockAgeMs(lockDir) > 2 * dataDirLockHeartbeatMs) removeOrphan(lockDir);
    // Otherwise (another host, an unknown owner) retry until the lock is stale: 8 retries, ~15 s in all.
    release = await lock(8).catch(inUse);
  }
  writeFileSync(
    ownerFile,
    `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`,
  );
  return {
    release: async () => {
      rmSync(ownerFile, { force: true });
      await release();
    },
  };
};

type Owner = Readonly<{ pid?: number; host?: string; since?: string }>;

const readOwner = (ownerFile: string): Owner | undefined => {
  try {
    return JSON.parse(readFileSync(ownerFile, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
};

const describeOwner = (owner: Owner | undefined): string =>
  owner === undefined ? 'owner unknown' : `pid ${owner.pid} on ${owner.host}, since ${owner.since}`;

const removeOrphan = (lockDir: string): void => {
  try {
    rmdirSync(lockDir);
  } catch {
    // Gone already, or taken by another starter in between: the lock attempt below sorts it out.
  }
};

const lockAgeMs = (lockDir: string): number => {
  try {
    return systemClock.now() - statSync(lockDir).mtimeMs;
  } catch {
    return 0;
  }
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as { code?: string }).code === 'EPERM';
  }
};
