// Runs pgliteWorker.mjs while keeping, beside its data directory, what a power loss would leave on the disk
// (durability.int.spec.ts). Plain JavaScript, like the worker it runs.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { workerData } from 'node:worker_threads';

/**
 * `<dataDir>.disk` is the disk as a power cut would leave it: a file of dataDir is there as it was when its
 * descriptor was last flushed (fsync or fdatasync), and whatever was written after, or never flushed, is not.
 * Renames, removals and truncations reach it at once, before the data written ahead of them has been flushed, as a
 * file system may put them on the disk: WAL recycled by a checkpoint is gone from it even when the data files the
 * checkpoint wrote were not flushed. Folders appear when a file in them is flushed (lenient: a new folder's entry
 * needs a flush of its parent). A flush copies the ranges written since the last one (a whole file the first time,
 * written aside and renamed in); the worker stopped in the middle of one leaves a part of it, as a power cut during
 * a flush would. Paths are Linux's (/proc/self/fd).
 */
const root = path.resolve(workerData.dataDir);
const realRoot = fs.realpathSync(root);
const disk = `${root}.disk`;
const staging = `${root}.staging`;
const original = {
  writeSync: fs.writeSync,
  fsyncSync: fs.fsyncSync,
  fdatasyncSync: fs.fdatasyncSync,
  renameSync: fs.renameSync,
  unlinkSync: fs.unlinkSync,
  rmdirSync: fs.rmdirSync,
  truncateSync: fs.truncateSync,
  ftruncateSync: fs.ftruncateSync,
};
fs.mkdirSync(disk, { recursive: true });
fs.mkdirSync(staging, { recursive: true });

/** Where a file of dataDir lies in the image, or undefined for a file elsewhere. */
const onDisk = (target) => {
  for (const base of [root, realRoot]) {
    const relative = path.relative(base, path.resolve(target));
    if (relative === '') return disk;
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) return path.join(disk, relative);
  }
  return undefined;
};
const pathOf = (fd) => fs.readlinkSync(`/proc/self/fd/${fd}`);

/** Byte ranges [start, end) written since a file's last flush, by its place in the image; 'all' if a place is unknown. */
const unflushed = new Map();
const wrote = (image, start, length) => {
  const ranges = unflushed.get(image);
  if (start === undefined || ranges === 'all') unflushed.set(image, 'all');
  else if (ranges === undefined) unflushed.set(image, [[start, start + length]]);
  else ranges.push([start, start + length]);
};

let copies = 0;
const flushed = (fd) => {
  const target = pathOf(fd);
  if (target.endsWith(' (deleted)')) return;
  const image = onDisk(target);
  if (image === undefined) return;
  if (fs.fstatSync(fd).isDirectory()) {
    fs.mkdirSync(image, { recursive: true });
    return;
  }
  const ranges = unflushed.get(image) ?? [];
  unflushed.delete(image);
  if (ranges === 'all' || !fs.existsSync(image)) {
    fs.mkdirSync(path.dirname(image), { recursive: true });
    const aside = path.join(staging, String(copies++));
    fs.copyFileSync(target, aside);
    original.renameSync(aside, image);
    return;
  }
  const from = fs.openSync(target, 'r');
  const into = fs.openSync(image, 'r+');
  try {
    for (const [start, end] of ranges) {
      const bytes = Buffer.alloc(end - start);
      const read = fs.readSync(from, bytes, 0, bytes.length, start);
      original.writeSync(into, bytes, 0, read, start);
    }
  } finally {
    fs.closeSync(from);
    fs.closeSync(into);
  }
};

fs.writeSync = (fd, buffer, ...rest) => {
  const written = original.writeSync(fd, buffer, ...rest);
  const [offset, length, position] = rest;
  const known = typeof offset === 'number' && typeof length === 'number' && typeof position === 'number';
  const image = onDisk(pathOf(fd));
  if (image !== undefined) wrote(image, known ? position : undefined, written);
  return written;
};
fs.fsyncSync = (fd) => {
  original.fsyncSync(fd);
  flushed(fd);
};
fs.fdatasyncSync = (fd) => {
  original.fdatasyncSync(fd);
  flushed(fd);
};
fs.renameSync = (from, to) => {
  original.renameSync(from, to);
  const [imageFrom, imageTo] = [onDisk(from), onDisk(to)];
  const ranges = unflushed.get(imageFrom);
  unflushed.delete(imageFrom);
  if (imageTo !== undefined && ranges !== undefined) unflushed.set(imageTo, ranges);
  if (imageTo === undefined) return;
  if (imageFrom !== undefined && fs.existsSync(imageFrom)) {
    fs.mkdirSync(path.dirname(imageTo), { recursive: true });
    original.renameSync(imageFrom, imageTo);
  } else fs.rmSync(imageTo, { force: true, recursive: true });
};
fs.unlinkSync = (target) => {
  original.unlinkSync(target);
  const image = onDisk(target);
  unflushed.delete(image);
  if (image !== undefined) fs.rmSync(image, { force: true });
};
fs.rmdirSync = (target, options) => {
  original.rmdirSync(target, options);
  const image = onDisk(target);
  if (image !== undefined) fs.rmSync(image, { force: true, recursive: true });
};
const truncateImage = (image, length) => {
  if (image !== undefined && fs.existsSync(image)) original.truncateSync(image, length);
};
fs.truncateSync = (target, length) => {
  original.truncateSync(target, length);
  truncateImage(onDisk(target), length);
};
fs.ftruncateSync = (fd, length) => {
  original.ftruncateSync(fd, length);
  truncateImage(onDisk(pathOf(fd)), length);
};
syncBuiltinESMExports();

await import('./pgliteWorker.mjs');
