/** Small promise wrappers over node:fs's callback API (cheaper per call than fs/promises). */
import fs from 'node:fs';

export function openFile(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, 0o644, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

function writeOnce(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Writes all of `buf` at `position` (one syscall unless the kernel writes short). */
export async function writeAll(fd: number, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    done += await writeOnce(fd, buf, done, buf.length - done, position + done);
  }
}

/**
 * Writes all of `buf` at `position` on the calling thread. For the WAL's small appends: a write
 * into the page cache takes microseconds, while a trip through libuv's thread pool (as
 * writeAll's) costs a thread wake-up and an event-loop wake-up, on the path of every commit.
 */
export function writeAllSync(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}

/** fsync a directory, so that entries created, renamed or removed in it are durable. */
export async function fsyncDir(path: string): Promise<void> {
  const fd = await openFile(path, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    await closeFile(fd);
  }
}

export function ftruncateFd(fd: number, len: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, len, (err) => (err ? reject(err) : resolve())));
}
