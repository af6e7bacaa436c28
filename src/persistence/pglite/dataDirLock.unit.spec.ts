import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DataDirInUseError, dataDirLockStaleMs, lockDataDir } from './dataDirLock.ts';

// proper-lockfile waits between retries and refreshes its lock with setTimeout. With timers faked and never advanced,
// a lock that resolves took no retry: it did not wait for anything to go stale.
describe('the DATA_DIR lock', () => {
  let dataDir: string;
  const lockDir = () => join(dataDir, 'seatactor.lock');
  const leaveLock = (owner: { pid: number; host: string }, ageMs: number) => {
    mkdirSync(lockDir());
    writeFileSync(join(dataDir, 'seatactor.owner.json'), JSON.stringify(owner));
    const lastHeartbeat = new Date(Date.now() - ageMs);
    utimesSync(lockDir(), lastHeartbeat, lastHeartbeat);
  };
  const deadPid = () => spawnSync('true').pid!;
  const noLoss = () => expect.unreachable('the lock was lost');

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'seatactor-lock-'));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is held by one owner: a second lock is refused at once, naming the owner; after release it is free', async () => {
    const first = await lockDataDir(dataDir, noLoss);
    const second = lockDataDir(dataDir, noLoss);
    await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(second).rejects.toThrow(
      `DATA_DIR ${dataDir} is in use by another seatactor server (pid ${process.pid} `,
    );
    await first.release();
    expect(existsSync(lockDir())).toBe(false);
    await (await lockDataDir(dataDir, noLoss)).release();
  });

  it('takes over at once the lock of a dead process of this machine that missed two heartbeats (kill -9)', async () => {
    leaveLock({ pid: deadPid(), host: hostname() }, 3_000);
    const lock = await lockDataDir(dataDir, noLoss);
    await lock.release();
  });

  it('takes over at once a lock whose heartbeat is stale, whoever held it', async () => {
    leaveLock({ pid: 1, host: 'another-machine' }, dataDirLockStaleMs + 1_000);
    const lock = await lockDataDir(dataDir, noLoss);
    await lock.release();
  });

  it('does not take a fresh lock (a server starting right now) at once, but once it is stale', async () => {
    leaveLock({ pid: deadPid(), host: hostname() }, 0);
    let settled = false;
    const lock = lockDataDir(dataDir, noLoss).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(dataDirLockStaleMs / 2);
    expect(settled).toBe(false);
    // Nobody refreshes it: after the stale time one of the retries takes it.
    await vi.advanceTimersByTimeAsync(dataDirLockStaleMs + 10_000);
    await (await lock).release();
  });

  it('tells its owner when the lock is lost (its folder removed), at the next heartbeat', async () => {
    const lost = vi.fn();
    const lock = await lockDataDir(dataDir, lost);
    rmdirSync(lockDir());
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(lost).toHaveBeenCalledOnce());
    await lock.release().catch(() => undefined);
  });
});
