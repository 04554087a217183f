/**
 * FileLogStorage: the Raft log and hard state in append-only segment files (format: wal-format.ts,
 * recovery: wal-recover.ts and wal-reader.ts).
 *
 * Write path. save() checks the batch, queues it and returns. A single pump takes every queued
 * batch, frames them into one buffer (one record per save) and writes it with one syscall at the
 * end of the active segment — on the event loop's thread: it only fills the page cache, and a
 * thread-pool round trip would sit on the path of every commit; the fdatasync, which waits for
 * the disk, runs in the pool. A sync loop, running beside the pump, fdatasyncs the active segment
 * and releases every sync waiter whose bytes were written before that fdatasync started: callers
 * that arrive while an fdatasync is in flight share the next one (group commit).
 *
 * Hard state is a field of the batch record rather than a separate file: one fdatasync covers the
 * entries and the term/vote that go with them (a vote and the entries it depends on can never be
 * durable apart), and there is no second file to rename atomically on every term change. Each new
 * segment starts with a copy of the current hard state so compaction never deletes the only copy.
 *
 * Truncation of a conflicting suffix is implicit: a batch starting at index i supersedes every
 * stored entry >= i on replay. It is in the same record, hence the same fsync, as the entries
 * that replace the suffix: after a crash either both are there or neither is. Stale records cannot
 * come back because replay order is (segment id, offset), and ids are never reused.
 *
 * A failed write or fdatasync is fatal for this instance (every pending and later call rejects):
 * after a failed fsync the page cache state is unknown and retrying would lie (fsyncgate).
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { AssertionError, assert } from '../../shared/assert.js';
import type { Entry, HardState, SnapshotMeta } from '../core/types.js';
import type { LogStorage, StoredLog } from './types.js';
import { EMPTY_HARD_STATE, appendProblem, isEmptyHardState } from './log-state.js';
import { closeFile, fdatasync, fsyncDir, openFile, writeAll, writeAllSync } from './fs-util.js';
import { batchRecordSize, encodeBatchRecord, encodeHeaderRecord, encodeResetRecord, segmentFileName, writeBatchRecord } from './wal-format.js';
import type { SegmentInfo } from './wal-reader.js';
import { recoverWal } from './wal-recover.js';

export { WalCorruptionError } from './wal-reader.js';

export interface FileLogStorageOptions {
  /** Start a new segment once the active one holds this many bytes (default 64 MiB). */
  readonly segmentBytes?: number;
  /** Things worth a log line: a torn tail dropped, superseded segments removed. */
  readonly onNote?: (message: string) => void;
}

export interface WalStats {
  /** write syscalls (batches written together count once). */
  readonly writes: number;
  readonly fsyncs: number;
  readonly bytesWritten: number;
  readonly segments: number;
}

interface Settle {
  resolve(): void;
  reject(err: unknown): void;
}
type OpBody =
  | { kind: 'batch'; hs: HardState | null; entries: readonly Entry[]; sync: boolean }
  | { kind: 'reset'; meta: SnapshotMeta }
  | { kind: 'compact'; through: number }
  | { kind: 'barrier' }
  | { kind: 'close' };
type Op = OpBody & Settle;
type BatchOp = Extract<OpBody, { kind: 'batch' }> & Settle;
type ControlOp = Exclude<OpBody, { kind: 'batch' }> & Settle;

interface Active {
  readonly info: SegmentInfo;
  readonly fd: number;
  size: number;
  /** Bytes of this file known fsync'd (recorded in each record for recovery). */
  synced: number;
  closed: boolean;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export class FileLogStorage implements LogStorage {
  private readonly segmentBytes: number;
  private readonly note: (message: string) => void;
  private segments: SegmentInfo[] = [];
  private active: Active | null = null;
  private readonly queue: Op[] = [];
  private inflight: readonly Op[] = [];
  private pumping = false;
  private readonly waiters: { pos: number; settle: Settle }[] = [];
  private syncing: Promise<void> | null = null;
  /** Bytes written since open, over all segments; and how many of them are fsync'd. */
  private written = 0;
  private syncedPos = 0;
  private failure: unknown = null;
  private closed = false;
  /** Last index as of the calls made (validation) and as of the records written (segment bases). */
  private callLast = 0;
  private writtenLast = 0;
  private writtenHs: HardState = EMPTY_HARD_STATE;
  private counters = { writes: 0, fsyncs: 0, bytesWritten: 0 };

  constructor(
    readonly dir: string,
    options: FileLogStorageOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.note = options.onNote ?? (() => {});
  }

  async open(): Promise<StoredLog> {
    assert(this.active === null && !this.closed, 'FileLogStorage.open() called twice');
    const rec = await recoverWal(this.dir, this.note);
    this.segments = rec.segments;
    this.active = { info: rec.segments[rec.segments.length - 1]!, fd: rec.fd, size: rec.size, synced: rec.size, closed: false };
    this.callLast = this.writtenLast = rec.state.lastIndex;
    this.writtenHs = rec.state.hardState;
    return { hardState: rec.state.hardState, entries: rec.state.entries, firstIndex: rec.state.firstIndex };
  }

  save(hardState: HardState | null, entries: readonly Entry[], sync: boolean): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const problem = appendProblem(this.callLast, entries);
    if (problem !== null) return Promise.reject(new AssertionError(`invariant violated: FileLogStorage.save: ${problem}`));
    const last = entries[entries.length - 1];
    if (last) this.callLast = last.index;
    if (hardState === null && entries.length === 0) {
      return sync ? this.enqueue({ kind: 'barrier' }) : Promise.resolve();
    }
    return this.enqueue({ kind: 'batch', hs: hardState, entries, sync });
  }

  resetTo(meta: SnapshotMeta): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    this.callLast = meta.index;
    return this.enqueue({ kind: 'reset', meta });
  }

  compact(through: number): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return this.enqueue({ kind: 'compact', through });
  }

  /** Waits for queued saves, fsyncs, closes the active segment. Later calls are refused. */
  async close(): Promise<void> {
    if (this.closed || this.active === null) return;
    this.closed = true;
    if (this.failure === null) await this.enqueue({ kind: 'close' });
  }

  stats(): WalStats {
    return { ...this.counters, segments: this.segments.length };
  }

  private refusal(): Error | null {
    if (this.failure !== null) return new AppError('UNAVAILABLE', 'raft log failed earlier', { cause: this.failure });
    if (this.closed) return new AppError('UNAVAILABLE', 'raft log is closed');
    assert(this.active !== null, 'FileLogStorage used before open()');
    return null;
  }

  private enqueue(op: OpBody): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...op, resolve, reject });
      if (!this.pumping) {
        this.pumping = true;
        // Let every save() of the current synchronous run join the first write.
        queueMicrotask(() => void this.pump());
      }
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === null) {
        if (this.queue[0]!.kind === 'batch') {
          await this.writeBatches();
          continue;
        }
        const op = this.queue.shift() as ControlOp;
        this.inflight = [op];
        await this.control(op);
        this.inflight = [];
        op.resolve();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.pumping = false;
    }
  }

  private async control(op: ControlOp): Promise<void> {
    switch (op.kind) {
      case 'barrier':
        return this.syncAll();
      case 'reset':
        return this.reset(op.meta);
      case 'compact':
        return this.deleteThrough(op.through);
      case 'close':
        await this.syncAll();
        await this.drainSync();
        this.active!.closed = true;
        await closeFile(this.active!.fd);
        return;
    }
  }

  /** Frames every queued batch into one buffer and writes it with one syscall. */
  private async writeBatches(): Promise<void> {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.kind === 'batch') n++;
    const group = this.queue.splice(0, n) as BatchOp[];
    this.inflight = group;
    if (this.active!.size >= this.segmentBytes) await this.roll(this.writtenLast + 1, null);
    const act = this.active!;
    let size = 0;
    for (const op of group) size += batchRecordSize(op.hs, op.entries);
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    for (const op of group) {
      off = writeBatchRecord(buf, off, act.info.id, act.synced, op.hs, op.entries);
      const last = op.entries[op.entries.length - 1];
      if (last) this.writtenLast = last.index;
      if (op.hs) this.writtenHs = op.hs;
    }
    assert(off === size, 'WAL batch framing size mismatch');
    writeAllSync(act.fd, buf, act.size);
    act.size += size;
    this.written += size;
    this.counters.writes++;
    this.counters.bytesWritten += size;
    this.inflight = [];
    for (const op of group) {
      if (op.sync) this.waiters.push({ pos: this.written, settle: op });
      else op.resolve();
    }
    this.kickSync();
  }

  private kickSync(): void {
    if (this.syncing !== null || this.waiters.length === 0 || this.failure !== null) return;
    this.syncing = this.syncLoop()
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.syncing = null;
        this.kickSync();
      });
  }

  private async syncLoop(): Promise<void> {
    while (this.waiters.length > 0 && this.failure === null) {
      const act = this.active!;
      const target = this.written;
      const fileTarget = act.size;
      await fdatasync(act.fd);
      this.counters.fsyncs++;
      act.synced = Math.max(act.synced, fileTarget);
      this.syncedPos = Math.max(this.syncedPos, target);
      while (this.waiters.length > 0 && this.waiters[0]!.pos <= target) this.waiters.shift()!.settle.resolve();
    }
  }

  /** Resolves once everything written so far is fsync'd. */
  private syncAll(): Promise<void> {
    if (this.syncedPos >= this.written) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ pos: this.written, settle: { resolve, reject } });
      this.kickSync();
    });
  }

  private async drainSync(): Promise<void> {
    while (this.syncing !== null) await this.syncing;
  }

  /**
   * Seals the active segment (fully fsync'd first, so only the last segment can ever have a torn
   * tail) and starts segment id+1 at `base`, with the hard state and, for resetTo, a reset record.
   */
  private async roll(base: number, reset: SnapshotMeta | null): Promise<void> {
    await this.syncAll();
    await this.drainSync();
    const old = this.active!;
    old.closed = true;
    await closeFile(old.fd);
    const id = old.info.id + 1;
    const info: SegmentInfo = { id, base, path: join(this.dir, segmentFileName(id, base)) };
    const fd = await openFile(info.path, 'wx');
    this.active = { info, fd, size: 0, synced: 0, closed: false };
    this.segments.push(info);
    await fsyncDir(this.dir);
    const parts = [encodeHeaderRecord(id, base)];
    if (reset) parts.push(encodeResetRecord(id, 0, reset));
    if (!isEmptyHardState(this.writtenHs)) parts.push(encodeBatchRecord(id, 0, this.writtenHs, []));
    const buf = Buffer.concat(parts);
    await writeAll(fd, buf, 0);
    this.active.size = buf.length;
    this.written += buf.length;
    this.counters.writes++;
    this.counters.bytesWritten += buf.length;
  }

  private async reset(meta: SnapshotMeta): Promise<void> {
    await this.roll(meta.index + 1, meta);
    this.writtenLast = meta.index;
    await this.syncAll();
    await this.removeSegments(this.segments.length - 1);
  }

  /** Deletes the oldest segments whose entries are all at or below `through` (never the active one). */
  private async deleteThrough(through: number): Promise<void> {
    let k = 0;
    while (k + 1 < this.segments.length && this.segments[k + 1]!.base <= through + 1) k++;
    if (k === 0) return;
    // The active segment's header and hard state must be durable before older copies go.
    await this.syncAll();
    await this.removeSegments(k);
  }

  private async removeSegments(count: number): Promise<void> {
    const doomed = this.segments.slice(0, count);
    if (doomed.length === 0) return;
    this.segments = this.segments.slice(count);
    for (const s of doomed) await unlink(s.path);
    await fsyncDir(this.dir);
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    const reject = (s: Settle): void => s.reject(err);
    this.inflight.forEach(reject);
    this.queue.splice(0).forEach(reject);
    this.waiters.splice(0).forEach((w) => reject(w.settle));
    if (this.active && !this.active.closed) {
      this.active.closed = true;
      void closeFile(this.active.fd).catch(() => {});
    }
  }
}
