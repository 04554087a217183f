/**
 * Opening the WAL directory: read every segment, replay, repair a torn tail, remove segments a
 * reset superseded, and hand back the active segment ready for appends.
 */
import { mkdir, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LogState, isEmptyHardState } from './log-state.js';
import { closeFile, fdatasync, fsyncDir, ftruncateFd, openFile, writeAll } from './fs-util.js';
import { encodeBatchRecord, encodeHeaderRecord, parseSegmentFileName, segmentFileName } from './wal-format.js';
import { WalCorruptionError, replay, scanSegment, type ScannedSegment, type SegmentInfo } from './wal-reader.js';

export interface RecoveredWal {
  readonly state: LogState;
  /** Live segments, oldest first; the last is the active one, open for appends. */
  readonly segments: SegmentInfo[];
  readonly fd: number;
  /** Bytes in the active segment, all fsync'd. */
  readonly size: number;
}

export async function recoverWal(dir: string, note: (message: string) => void): Promise<RecoveredWal> {
  await mkdir(dir, { recursive: true });
  const infos = await listSegments(dir);
  const last = infos[infos.length - 1];
  if (last === undefined) return createFirstSegment(dir);

  const scans: ScannedSegment[] = [];
  let tailBytes = 0;
  for (const [i, info] of infos.entries()) {
    const buf = await readFile(info.path);
    tailBytes = buf.length;
    scans.push(scanSegment(buf, info, i === infos.length - 1));
  }
  let tail = scans[scans.length - 1]!;
  if (tail.torn) {
    note(`raft log: dropped a torn tail of ${last.path} from offset ${tail.torn.offset} (${tail.torn.reason}); it was never acknowledged`);
  }
  if (scans.length > 1 && tail.records.length === 0) {
    // A roll or resetTo that crashed before any record after the header was durable: the new
    // segment holds nothing, and its base (a reset's index + 1) may not follow the log before it.
    tail = await rebase(scans.slice(0, -1), tail, dir);
    scans[scans.length - 1] = tail;
  }
  const { state, supersededBefore } = replay(scans);
  const active = tail.info;

  const fd = await openFile(active.path, 'r+');
  let size = tail.validEnd;
  try {
    if (tailBytes !== size) await ftruncateFd(fd, size);
    const parts: Buffer[] = [];
    if (size === 0) parts.push(encodeHeaderRecord(active.id, active.base));
    // Every segment carries the hard state, so compaction can never delete the only copy.
    if (!isEmptyHardState(state.hardState) && !hasHardState(tail, size === 0)) {
      parts.push(encodeBatchRecord(active.id, size, state.hardState, []));
    }
    if (parts.length > 0) {
      const buf = Buffer.concat(parts);
      await writeAll(fd, buf, size);
      size += buf.length;
    }
    // What we read may still be only in the page cache (a process crash): make it durable now.
    await fdatasync(fd);
  } catch (err) {
    await closeFile(fd);
    throw err;
  }

  const superseded = infos.slice(0, supersededBefore);
  if (superseded.length > 0) {
    for (const s of superseded) await unlink(s.path);
    await fsyncDir(dir);
    note(`raft log: removed ${superseded.length} segment(s) superseded by a snapshot reset`);
  }
  return { state, segments: [...infos.slice(supersededBefore, -1), active], fd, size };
}

/** Empties a last segment that holds no records and renames it to follow the log before it. */
async function rebase(before: readonly ScannedSegment[], tail: ScannedSegment, dir: string): Promise<ScannedSegment> {
  const base = replay(before).state.lastIndex + 1;
  let info = tail.info;
  if (base !== info.base) {
    const path = join(dir, segmentFileName(info.id, base));
    await rename(info.path, path);
    await fsyncDir(dir);
    info = { id: info.id, base, path };
  }
  return { info, records: [], validEnd: 0, torn: tail.torn };
}

function hasHardState(scan: ScannedSegment, rewritten: boolean): boolean {
  return !rewritten && scan.records.some(({ rec }) => rec.type === 'batch' && rec.hardState !== null);
}

async function listSegments(dir: string): Promise<SegmentInfo[]> {
  const infos: SegmentInfo[] = [];
  for (const name of await readdir(dir)) {
    const parsed = parseSegmentFileName(name);
    if (parsed) infos.push({ ...parsed, path: join(dir, name) });
  }
  infos.sort((a, b) => a.id - b.id);
  for (let i = 1; i < infos.length; i++) {
    if (infos[i]!.id === infos[i - 1]!.id) {
      throw new WalCorruptionError(infos[i]!.path, 0, `two segments share id ${infos[i]!.id}`);
    }
  }
  return infos;
}

async function createFirstSegment(dir: string): Promise<RecoveredWal> {
  const info: SegmentInfo = { id: 1, base: 1, path: join(dir, segmentFileName(1, 1)) };
  const fd = await openFile(info.path, 'wx');
  const header = encodeHeaderRecord(info.id, info.base);
  await writeAll(fd, header, 0);
  await fdatasync(fd);
  await fsyncDir(dir);
  return { state: new LogState(1), segments: [info], fd, size: header.length };
}
