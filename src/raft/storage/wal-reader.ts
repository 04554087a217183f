/**
 * Reading the WAL back at open: frame checks, torn-tail versus corruption, replay.
 *
 * A record that fails its checks is a *torn tail* (dropped) only when it is in the last segment
 * and no valid record after it claims that the bad offset had already been fsync'd (each record
 * carries the file's durable offset when it was written). Otherwise fsync'd, hence possibly
 * acknowledged, data is damaged and open fails with a WalCorruptionError: the agent must not
 * start on a log that silently lost committed entries. Earlier segments are always fully
 * fsync'd before the next one is created, so any damage there is corruption.
 */
import { AppError } from '../../shared/errors.js';
import type { HardState } from '../core/types.js';
import { LogState, appendProblem } from './log-state.js';
import { RECORD_HEADER, RecordType, decodePayload, readFrame, type DecodedRecord } from './wal-format.js';

/** Damaged durable WAL data (or a WAL this version cannot read): refuse to start. */
export class WalCorruptionError extends AppError {
  readonly kind = 'wal-corruption';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super('INTERNAL', `raft log corrupt: ${file} at offset ${offset}: ${reason}; refusing to start (restore the data dir or remove this server's raft data and rejoin)`);
  }
}

export interface SegmentInfo {
  readonly id: number;
  readonly base: number;
  readonly path: string;
}

export interface ScannedSegment {
  readonly info: SegmentInfo;
  readonly records: readonly { readonly offset: number; readonly rec: DecodedRecord }[];
  /** Offset just past the last good record (the file is cut here when torn). */
  readonly validEnd: number;
  readonly torn: { readonly offset: number; readonly reason: string } | null;
}

/** Scans one segment file's bytes. Throws WalCorruptionError for damage that is not a torn tail. */
export function scanSegment(buf: Buffer, info: SegmentInfo, isLast: boolean): ScannedSegment {
  const records: { offset: number; rec: DecodedRecord }[] = [];
  let off = 0;
  while (off < buf.length) {
    const frame = readFrame(buf, off, info.id);
    if (!frame.ok) {
      if (!isLast) throw new WalCorruptionError(info.path, off, `${frame.reason} in a sealed segment`);
      const evidence = durableAfter(buf, off, info.id);
      if (evidence !== null) {
        throw new WalCorruptionError(info.path, off, `${frame.reason}, yet the record at offset ${evidence} says this data was already fsync'd`);
      }
      return { info, records, validEnd: off, torn: { offset: off, reason: frame.reason } };
    }
    let rec: DecodedRecord;
    try {
      rec = decodePayload(buf, frame.type, frame.payload, frame.len);
    } catch (err) {
      throw new WalCorruptionError(info.path, off, `undecodable record: ${(err as Error).message}`);
    }
    if (off === 0) {
      if (rec.type !== 'header') throw new WalCorruptionError(info.path, 0, 'segment does not start with a header record');
      if (rec.segId !== info.id || rec.base !== info.base) {
        throw new WalCorruptionError(info.path, 0, `header says segment ${rec.segId} base ${rec.base}, the file name disagrees`);
      }
    } else if (rec.type === 'header') {
      throw new WalCorruptionError(info.path, off, 'a second header record');
    } else {
      records.push({ offset: off, rec });
    }
    off = frame.next;
  }
  return { info, records, validEnd: off, torn: null };
}

/** The offset of a valid record after `bad` whose durable offset covers `bad`, or null. */
function durableAfter(buf: Buffer, bad: number, segId: number): number | null {
  const salt = segId % 2 ** 32;
  for (let p = bad + 8; p + RECORD_HEADER <= buf.length; p += 8) {
    if (buf.readUInt32LE(p + 12) !== salt) continue;
    const type = buf[p + 8];
    if (type !== RecordType.batch && type !== RecordType.reset) continue;
    const frame = readFrame(buf, p, segId);
    if (frame.ok && frame.durable > bad) return p;
  }
  return null;
}

/**
 * Replays scanned segments, oldest first, into the logical log. Also returns the index of the
 * newest segment holding a reset record: everything before it is superseded.
 */
export function replay(segments: readonly ScannedSegment[]): { state: LogState; supersededBefore: number } {
  const first = segments[0];
  const state = new LogState(first ? first.info.base : 1);
  let supersededBefore = 0;
  segments.forEach((seg, i) => {
    // A segment starts at the next index, unless it begins with a reset (resetTo rolls into one).
    const startsWithReset = seg.records.find(({ rec: r }) => r.type !== 'batch' || r.entries.length > 0)?.rec.type === 'reset';
    if (i > 0 && !startsWithReset && seg.info.base !== state.lastIndex + 1) {
      throw new WalCorruptionError(seg.info.path, 0, `segment starts at index ${seg.info.base} but the log before it ends at ${state.lastIndex} (a segment is missing)`);
    }
    for (const { offset, rec } of seg.records) {
      if (rec.type === 'reset') {
        state.reset(rec.index);
        supersededBefore = i;
      } else if (rec.type === 'batch') {
        const problem = appendProblem(state.lastIndex, rec.entries);
        if (problem !== null) throw new WalCorruptionError(seg.info.path, offset, `replay: ${problem}`);
        state.append(rec.entries);
        if (rec.hardState) state.hardState = rec.hardState as HardState;
      }
    }
  });
  return { state, supersededBefore };
}
