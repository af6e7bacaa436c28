// Plain JavaScript, like pgliteWorker.mjs that imports it: worker threads do not inherit the TypeScript loader.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/**
 * PGlite's own start parameters without `-F` (fsync off), and fsync and synchronous_commit said outright: a commit
 * returns only after Postgres has flushed its WAL (fdatasync, wal_sync_method's default here), and a checkpoint
 * flushes the data files it wrote before the WAL behind it is recycled.
 */
export const durableStartParams = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  ...['-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on'],
];

/** WASI's errno numbers, which Emscripten's syscalls answer with. */
const EBADF = 8;
const EIO = 29;

/**
 * PGlite's Node file system (Emscripten's NODEFS, each file a file of the host) with the flushes it lacks. Postgres's
 * `fsync()` reaches Emscripten's `fd_sync`, which calls the stream's `fsync` operation, and NODEFS has none;
 * its `fdatasync()` reaches `__syscall_fdatasync`, which only checks the descriptor. Both return success with the
 * bytes still in the host's page cache. Here both imports of the WebAssembly are replaced, before it is instantiated,
 * by calls of fs.fsyncSync / fs.fdatasyncSync on the host descriptor behind the Emscripten one. A file of Emscripten's
 * in-memory file system (outside the data directory) has no host descriptor and nothing to flush. A flush that fails
 * answers its errno, and Postgres stops (data_sync_retry is off), as it would on a host's file system.
 */
export class DurableNodeFS extends NodeFS {
  async init(pg, opts) {
    const { emscriptenOpts } = await super.init(pg, opts);
    /** The Emscripten module, known once it runs (before Postgres starts, so before any flush). */
    let module;
    const flushing = (flush) => (fd) => {
      const stream = module.FS.getStream(fd);
      if (stream === undefined || stream === null) return EBADF;
      if (typeof stream.nfd !== 'number') return 0;
      try {
        flush(stream.nfd);
        return 0;
      } catch (error) {
        return module.NODEFS.convertNodeCode(error) ?? EIO;
      }
    };
    const fsync = flushing((fd) => fs.fsyncSync(fd));
    const fdatasync = flushing((fd) => fs.fdatasyncSync(fd));
    const instantiate = emscriptenOpts.instantiateWasm;
    return {
      emscriptenOpts: {
        ...emscriptenOpts,
        preRun: [...(emscriptenOpts.preRun ?? []), (started) => (module = started)],
        // `env` and `wasi_snapshot_preview1` are one object of imports in PGlite 0.5's build; both names set anyway.
        instantiateWasm: (imports, receive) => {
          imports.wasi_snapshot_preview1.fd_sync = fsync;
          // A syscall answers a negative errno, WASI's fd_sync a positive one.
          imports.env.__syscall_fdatasync = (fd) => -fdatasync(fd);
          return instantiate(imports, receive);
        },
      },
    };
  }
}

/** Left in a data folder once all of it has been flushed (see flushFolderOnce). */
export const flushedMark = 'seatactor.flushed';

/**
 * Flushes every file and folder of the data folder `dir` to the disk, and the folder holding it, the first time the
 * folder is opened durably. PGlite makes a new database by unpacking initdb's files through the file system, not
 * through Postgres, so nothing else flushes them (Postgres's initdb does the same at its end); a folder written by a
 * version that ran with fsync off may still sit in the page cache. Then `seatactor.flushed` is written and flushed:
 * from there on Postgres flushes what it writes (at commit, at checkpoints, and the whole folder itself when it starts
 * after a crash). What the database is built on is on the disk before anything is acknowledged. Files that go while
 * it walks (the lock's) are skipped.
 */
export const flushFolderOnce = (dir) => {
  const root = path.resolve(dir);
  const mark = path.join(root, flushedMark);
  if (fs.existsSync(mark)) return;
  const flush = (target) => {
    let fd;
    try {
      fd = fs.openSync(target, 'r');
    } catch (error) {
      if (error?.code === 'ENOENT') return;
      throw error;
    }
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  const walk = (target) => {
    let entries;
    try {
      entries = fs.readdirSync(target, { withFileTypes: true });
    } catch (error) {
      if (error?.code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const child = path.join(target, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) flush(child);
    }
    flush(target);
  };
  walk(root);
  flush(path.dirname(root));
  fs.writeFileSync(mark, 'Every file of this folder was flushed to the disk once; PGlite (fsync on) flushes since.\n');
  flush(mark);
  flush(root);
};
